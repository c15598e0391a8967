#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The zlib filter speaks real gzip: zlib_gzip (examples/zlib_gzip.c, stdin ->
# uvbev zlib filter over a bufferevent pair -> stdout) is checked against the
# system's gzip in both directions, including concatenated gzip members, an
# empty input, and a corrupt input that must fail with a reason.
# Usage: test_zlib_gzip.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: test_zlib_gzip.sh BUILD_DIR}
tool="$build/examples/zlib_gzip"
if [ ! -x "$tool" ]; then
  echo "SKIP: $tool not built (UVBEV_WITH_ZLIB off?)"
  exit 77
fi
command -v gzip >/dev/null || { echo "SKIP: no gzip"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ~5 MB of mixed text and random bytes
for i in $(seq 1 20000); do echo "line $i of the uvbev zlib test, repeated words words words"; done >"$work/plain"
head -c 1000000 /dev/urandom >>"$work/plain"
: >"$work/empty"

fail() { echo "FAIL: $*"; exit 1; }

for f in plain empty; do
  for level in 1 6 9; do
    "$tool" -l "$level" <"$work/$f" >"$work/$f.gz" || fail "zlib_gzip -l $level on $f"
    gzip -dc <"$work/$f.gz" | cmp - "$work/$f" || fail "gzip -dc disagrees ($f, level $level)"
  done
  gzip -c <"$work/$f" >"$work/$f.sys.gz"
  "$tool" -d <"$work/$f.sys.gz" | cmp - "$work/$f" || fail "zlib_gzip -d on gzip's output ($f)"
done

# concatenated members, as `cat a.gz b.gz` makes them
gzip -c <"$work/plain" >"$work/two.gz"
printf 'tail member\n' | gzip -c >>"$work/two.gz"
{ cat "$work/plain"; printf 'tail member\n'; } >"$work/two"
"$tool" -d <"$work/two.gz" | cmp - "$work/two" || fail "concatenated gzip members"

# zlib and raw formats round-trip through the tool itself
for fmt in zlib raw; do
  "$tool" -f "$fmt" <"$work/plain" | "$tool" -d -f "$fmt" | cmp - "$work/plain" ||
    fail "round trip in $fmt format"
done

# corrupt and truncated input fail with a reason
cp "$work/plain.sys.gz" "$work/corrupt.gz"
printf '\377\377\377\377\377\377\377\377' | dd of="$work/corrupt.gz" bs=1 seek=5000 conv=notrunc 2>/dev/null
head -c 20000 "$work/plain.sys.gz" >"$work/truncated.gz"
for bad in corrupt truncated; do
  if "$tool" -d <"$work/$bad.gz" >/dev/null 2>"$work/err"; then
    fail "$bad input accepted"
  fi
  grep -q . "$work/err" || fail "no reason given for $bad input"
  echo "$bad input: $(cat "$work/err")"
done

echo "PASS"
