#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libevent 2.1.12's own regression tests, built against libevent and against
# an installed uvbev, run one test per process, compared.
#
#   tests/libevent-regress/run.sh UVBEV_PREFIX OUT_DIR
#
# UVBEV_PREFIX: where uvbev (shared library) was installed by cmake --install.
# OUT_DIR: build and result directory (builds are cached there).
#
# Steps: fetch libevent's Debian source package (ci/debian-source.sh) into
# $UVBEV_SRC_CACHE (default /var/cache/uvbev/src) unless already unpacked;
# stage the in-scope test files out of tree (stage.py, shims, compile-outs);
# build them twice in parallel (Makefile); check that the uvbev build took no
# header from /usr/include/event2 and links no libevent; run every test that
# libevent runs by default under `timeout`, once per library; print a table
# per group and the verdict.  Exit status 0 only when every comparable test
# (passes on libevent, not excluded in exclusions.txt) passes on uvbev.
#
# Environment: UVBEV_REGRESS_TIMEOUT (seconds per test, default 10: five times
# the slowest test on libevent),
# UVBEV_REGRESS_JOBS (tests run at once, default 2), UVBEV_REGRESS_ONLY
# (a grep -E pattern of test names, to iterate on a few).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=$(cd "${1:?usage: run.sh UVBEV_PREFIX OUT_DIR}" && pwd)
mkdir -p "${2:?usage: run.sh UVBEV_PREFIX OUT_DIR}"
OUT=$(cd "$2" && pwd)
TIMEOUT=${UVBEV_REGRESS_TIMEOUT:-10}
JOBS=${UVBEV_REGRESS_JOBS:-2}
SRC_CACHE=${UVBEV_SRC_CACHE:-/var/cache/uvbev/src}
EXCLUSIONS=$HERE/exclusions.txt

# --- the sources ----------------------------------------------------------------
# shellcheck source=ci/debian-source.sh
. "$ROOT/ci/debian-source.sh"
LIBEVENT_SRC=$(fetch_source "$SRC_CACHE" libevent)
[ -f "$LIBEVENT_SRC/test/regress.c" ] || { echo "no test/regress.c in $LIBEVENT_SRC" >&2; exit 1; }
python3 "$HERE/stage.py" "$LIBEVENT_SRC/test" "$OUT/stage" "$EXCLUSIONS"

# --- two builds, in parallel ----------------------------------------------------
build() { # $1: libevent|uvbev, rest: make variables
  local lib=$1
  shift
  make -s -f "$HERE/Makefile" STAGE="$OUT/stage" OUT="$OUT/$lib" "$@" >"$OUT/build-$lib.log" 2>&1
}
build_failed() {
  echo "build against $1 failed:" >&2
  tail -30 "$OUT/build-$1.log" >&2
  exit 1
}
# A public libevent function that uvbev lacks would stop the whole uvbev link.
# Instead each one gets a stub that aborts the test calling it ("uvbev lacks
# NAME"), so those tests fail and every other test still runs.  The stubs
# exist only for what the link reports missing; the libevent build has none.
missing_stubs() { # $1: linker log, $2: output C file
  {
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    echo 'static void missing_(const char *name) {'
    echo '  fprintf(stderr, "FAIL: uvbev lacks %s\n", name);'
    echo '  fflush(NULL);'
    echo '  abort();'
    echo '}'
    sed -n -E "s/.*undefined reference to \`([A-Za-z_][A-Za-z0-9_]*)'.*/\1/p" "$1" | sort -u |
      while read -r sym; do echo "void $sym(void) { missing_(\"$sym\"); }"; done
  } >"$2"
}
UVBEV_VARS=(LIB_CPPFLAGS="-I$PREFIX/include/uvbev"
  LIB_LIBS="-L$PREFIX/lib -Wl,-rpath,$PREFIX/lib -luvbev")
# Always relink (before either build starts): the set of missing stubs may
# have changed.
rm -f "$OUT/uvbev/missing.c" "$OUT"/{uvbev,libevent}/{regress,test-ratelim}
build libevent LIB_CPPFLAGS= \
  LIB_LIBS="-levent_core -levent_extra -levent_openssl -levent_pthreads" &
pid_le=$!
build uvbev "${UVBEV_VARS[@]}" &
pid_uv=$!
wait $pid_le || build_failed libevent
if ! wait $pid_uv; then
  grep -q 'undefined reference' "$OUT/build-uvbev.log" || build_failed uvbev
  missing_stubs "$OUT/build-uvbev.log" "$OUT/uvbev/missing.c"
  build uvbev "${UVBEV_VARS[@]}" MISSING="$OUT/uvbev/missing.c" || build_failed uvbev
fi

# The uvbev build must see only uvbev's headers and link only uvbev.
if grep -l '/usr/include/event2/' "$OUT"/uvbev/*.d >/dev/null 2>&1; then
  echo "uvbev build used libevent's headers:" >&2
  grep -H '/usr/include/event2/' "$OUT"/uvbev/*.d >&2
  exit 1
fi
grep -q "$PREFIX/include/uvbev/event2/event.h" "$OUT"/uvbev/regress.d ||
  { echo "uvbev build did not take event2/event.h from $PREFIX" >&2; exit 1; }
if readelf -d "$OUT/uvbev/regress" | grep -q 'NEEDED.*libevent'; then
  echo "uvbev build links libevent" >&2
  exit 1
fi
readelf -d "$OUT/libevent/regress" | grep -q 'NEEDED.*libuvbev' &&
  { echo "libevent build links uvbev" >&2; exit 1; }

# --- the tests ------------------------------------------------------------------
# Every test libevent's own run would run: not off by default, not disabled.
list_tests() {
  "$OUT/$1/regress" --list-tests | sed -n -E 's/^    ([^ ]+)$/\1/p'
}
list_tests libevent >"$OUT/tests.txt"
list_tests uvbev | cmp -s - "$OUT/tests.txt" ||
  { echo "the two builds list different tests" >&2; exit 1; }
if [ -n "${UVBEV_REGRESS_ONLY:-}" ]; then
  grep -E "$UVBEV_REGRESS_ONLY" "$OUT/tests.txt" >"$OUT/tests.sel" || true
else
  cp "$OUT/tests.txt" "$OUT/tests.sel"
fi
sed -n -E 's/^([a-z]+\/[^ @#]+)[[:space:]]+.*/\1/p' "$EXCLUSIONS" | sort -u >"$OUT/excluded.txt"
# An exclusion must name a test that exists (a typo would exclude nothing).
if grep -vxF -f "$OUT/tests.txt" "$OUT/excluded.txt" >"$OUT/excluded-unknown.txt"; then
  echo "exclusions.txt names tests that do not exist:" >&2
  cat "$OUT/excluded-unknown.txt" >&2
  exit 1
fi

# One test in one process, bounded in time; result in RES/LIB/NAME.{log,res}.
# tinytest forks TT_FORK tests as libevent's own run does (some, such as
# main/mm_functions, rely on the child exiting without global cleanup).
run_one() { # $1: library, $2: test name
  local lib=$1 name=$2 f rc=0 t0
  f="$OUT/results/$lib/${name//\//__}"
  t0=$(date +%s%N)
  timeout -k 5 "$TIMEOUT" "$OUT/$lib/regress" "$name" >"$f.log" 2>&1 </dev/null || rc=$?
  echo $((($(date +%s%N) - t0) / 1000000)) >"$f.ms"
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    echo "timed out after ${TIMEOUT}s" >>"$f.log"
    echo hang >"$f.res"
  elif [ $rc -gt 128 ]; then
    echo "killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))" >>"$f.log"
    echo fail >"$f.res"
  elif [ $rc != 0 ]; then
    echo fail >"$f.res"
  elif grep -q '(1 skipped)' "$f.log"; then
    echo skip >"$f.res"
  else
    echo pass >"$f.res"
  fi
}
export -f run_one
# A forked test that died says only "[Lost connection!]": run it once more
# in-process to learn how it died (diagnosis only; the result stands).
diag_one() { # $1: library, $2: result path without extension
  local lib=$1 f=$2 rc=0 how=
  timeout -k 5 "$TIMEOUT" "$OUT/$lib/regress" --no-fork "$(basename "$f" | sed 's,__,/,')" \
    >"$f.nofork.log" 2>&1 </dev/null || rc=$?
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    how="timed out"
  elif [ $rc -gt 128 ]; then
    how="killed by SIG$(kill -l $((rc - 128)))"
  fi
  [ -z "$how" ] || sed -i "s/\[Lost connection!\]/[Lost connection!] (in-process rerun: $how)/" "$f.log"
}
export OUT TIMEOUT
rm -rf "$OUT/results" "$OUT/retried.txt"
mkdir -p "$OUT/results/libevent" "$OUT/results/uvbev"
T0=$(date +%s)
while read -r t; do
  grep -qxF "$t" "$OUT/excluded.txt" && continue
  printf '%s %s\n' libevent "$t" uvbev "$t"
done <"$OUT/tests.sel" | xargs -P "$JOBS" -n 2 bash -c 'run_one "$0" "$1"' 2>/dev/null
# Timing assertions (libevent's, with 50 ms slack) can fail on a loaded
# machine: a failure (not a hang) gets one more run, alone, on either side.
# The first attempt's log is kept beside the second's.
for lib in libevent uvbev; do
  for res in "$OUT/results/$lib"/*.res; do
    [ "$(cat "$res")" = fail ] || continue
    f=${res%.res}
    mv "$f.log" "$f.first.log"
    run_one "$lib" "$(basename "$f" | sed 's,__,/,')" 2>/dev/null
    [ "$(cat "$res")" = pass ] && echo "$(basename "$f" | sed 's,__,/,') on $lib: passed on retry" >>"$OUT/retried.txt"
    grep -q 'Lost connection' "$f.log" && diag_one "$lib" "$f" 2>/dev/null
  done
done
T1=$(date +%s)

# --- report ---------------------------------------------------------------------
result() { cat "$OUT/results/$1/${2//\//__}.res" 2>/dev/null || echo none; }
first_failure() { # the first line that says what failed
  local log="$OUT/results/uvbev/${1//\//__}.log"
  { grep -m1 -E 'FAIL|timed out|Lost connection|Assertion|assert|must be excluded|Abort|Segmentation|killed by' "$log" ||
    grep -v '^\s*$' "$log" | tail -1; } | sed -E 's/^[[:space:]]+//; s,[^ ]*/stage/test/,,; s,[^ ]*/tests/libevent-regress/,,' | cut -c1-200
}
printf '\n%-13s %6s %9s %9s %11s %9s\n' group total excluded "libevent" comparable uvbev
: >"$OUT/failing.txt"
N=0 M=0
for g in $(sed 's,/.*,,' "$OUT/tests.sel" | uniq); do
  tot=0 exc=0 le=0 cmp=0 uv=0
  while read -r t; do
    tot=$((tot + 1))
    if grep -qxF "$t" "$OUT/excluded.txt"; then exc=$((exc + 1)); continue; fi
    [ "$(result libevent "$t")" = pass ] || continue
    le=$((le + 1)) cmp=$((cmp + 1))
    if [ "$(result uvbev "$t")" = pass ]; then
      uv=$((uv + 1))
    else
      printf '%s [%s] %s\n' "$t" "$(result uvbev "$t")" "$(first_failure "$t")" >>"$OUT/failing.txt"
    fi
  done < <(grep "^$g/" "$OUT/tests.sel")
  printf '%-13s %6d %9d %9d %11d %9d\n' "$g" $tot $exc $le $cmp $uv
  N=$((N + uv)) M=$((M + cmp))
done
# Tests that do not pass on libevent (not comparable), for the record.
while read -r t; do
  grep -qxF "$t" "$OUT/excluded.txt" && continue
  r=$(result libevent "$t")
  [ "$r" = pass ] || echo "not comparable: $t ($r on libevent)"
done <"$OUT/tests.sel" >"$OUT/not-comparable.txt"
if [ -s "$OUT/uvbev/missing.c" ]; then
  echo
  echo "public functions uvbev lacks (their tests fail):"
  sed -n -E 's/^void ([A-Za-z0-9_]+)\(void\).*/  \1/p' "$OUT/uvbev/missing.c"
fi
echo
slowest=$(for m in "$OUT"/results/libevent/*.ms; do echo "$(cat "$m") $(basename "$m" .ms)"; done | sort -n | tail -1)
echo "(test runs took $((T1 - T0))s; slowest on libevent: ${slowest#* } ${slowest%% *} ms; per-test limit ${TIMEOUT}s)"
if [ -s "$OUT/not-comparable.txt" ]; then cat "$OUT/not-comparable.txt"; fi
if [ -s "$OUT/retried.txt" ]; then cat "$OUT/retried.txt"; fi
if [ -s "$OUT/failing.txt" ]; then
  echo
  echo "failing comparable tests on uvbev (logs: $OUT/results/uvbev/):"
  sed 's/^/  /' "$OUT/failing.txt"
fi
RATELIM=0
[ -n "${UVBEV_REGRESS_ONLY:-}" ] || "$HERE/ratelim.sh" "$OUT" || RATELIM=1
echo
echo "regress: $N of $M comparable tests pass on uvbev"
[ "$RATELIM" = 0 ] || echo "regress: test-ratelim fails on uvbev where it passes on libevent"
[ "$N" = "$M" ] && [ "$RATELIM" = 0 ]
