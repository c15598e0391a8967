#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a benchmark against uvbev and against libevent 2.1 and compares them.
#
#   tests/bench/run.sh BUILD_DIR NAME [RUNS]
#
# runs BUILD_DIR/tests/bench/bench_NAME and bench_NAME_libevent (also looked
# up directly in BUILD_DIR) RUNS times each (default 5), alternating, and
# prints, for every metric, the median of each and the ratio uvbev/libevent,
# then the machine (cores, CPU model, kernel).  Use a Release build.
#
# Format of a benchmark's output (the contract for every bench_*.c): one line
# per figure,
#
#   metric <name> <value> <unit> <higher|lower>
#
# <name> without spaces, <value> a number, <higher|lower> says which is
# better.  Other lines (comments starting with '#', say) are ignored.  For a
# "higher" metric a ratio > 1 means uvbev is better; for "lower", < 1.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR NAME [RUNS]" >&2
  exit 2
fi
build=$1
name=$2
runs=${3:-5}

find_prog() {
  local p
  for p in "$build/tests/bench/$1" "$build/$1"; do
    if [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

uv=$(find_prog "bench_$name") || { echo "bench_$name not found in $build" >&2; exit 1; }
le=$(find_prog "bench_${name}_libevent") || le=""

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for ((i = 1; i <= runs; i++)); do
  "$uv" | awk '$1 == "metric"' >>"$tmp/uvbev"
  if [ -n "$le" ]; then
    "$le" | awk '$1 == "metric"' >>"$tmp/libevent"
  fi
done
[ -n "$le" ] || : >"$tmp/libevent"

# Median per metric of each file, then the table.
awk -v runs="$runs" '
  function median(key, n,   i, j, t, a) {
    for (i = 1; i <= n; i++) a[i] = vals[key, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FNR == 1 { impl = (FILENAME ~ /libevent$/) ? "libevent" : "uvbev" }
  {
    key = impl SUBSEP $2
    cnt[key]++
    vals[key, cnt[key]] = $3
    unit[$2] = $4
    better[$2] = $5
    if (!($2 in seen)) { seen[$2] = 1; order[++nm] = $2 }
  }
  END {
    printf "%-32s %14s %14s %8s  %s\n", "metric (median of " runs ")", "uvbev", "libevent", "ratio", "unit (better)"
    for (i = 1; i <= nm; i++) {
      m = order[i]
      u = median("uvbev" SUBSEP m, cnt["uvbev" SUBSEP m])
      if (cnt["libevent" SUBSEP m] > 0) {
        l = median("libevent" SUBSEP m, cnt["libevent" SUBSEP m])
        r = (l != 0) ? sprintf("%.2f", u / l) : "-"
        ls = sprintf("%.3f", l)
      } else { ls = "-"; r = "-" }
      printf "%-32s %14.3f %14s %8s  %s (%s)\n", m, u, ls, r, unit[m], better[m]
    }
  }' "$tmp/uvbev" "$tmp/libevent"

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr)"
