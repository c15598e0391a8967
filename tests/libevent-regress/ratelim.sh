#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libevent 2.1.12's rate-limit program (test/test-ratelim.c), built by the
# Makefile against each library, run with the four argument sets libevent's
# own CMake test list gives it (group limit, connection limit, both, both
# with a group drain).  The program measures the rates it achieves over 5 s
# and checks them against its own tolerances (--check-*), and so does this
# script (see within_tolerances).  Called by run.sh.
#
#   tests/libevent-regress/ratelim.sh OUT_DIR
#
# A set that passes on libevent must pass on uvbev.  A failed set gets one
# more run on either side: the program's timing tolerances assume an idle
# machine, as libevent's timing tests do.  Exit status 0 only if uvbev
# passes every set libevent passes.
set -euo pipefail
OUT=${1:?usage: ratelim.sh OUT_DIR}
RES=$OUT/results/ratelim
mkdir -p "$RES"
SETS=(
  "group_lim:-g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-stddev 100"
  "con_lim:-c 1000 -n 30 -t 100 --check-connlimit 50 --check-stddev 50"
  "group_con_lim:-c 1000 -g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-connlimit 50 --check-stddev 50"
  "group_con_lim_drain:-c 1000 -g 35000 -n 30 -t 100 -G 500 --check-grouplimit 1000 --check-connlimit 50 --check-stddev 50"
)

# The program widens its tolerances by up to 5 times when its 1 us timer
# fires late ("CPU is slow, timers bias"), which a libuv loop always does
# (libuv's timers count milliseconds): the rates are therefore checked here
# again, on both sides, against the tolerances as given.
within_tolerances() { # $1: log, rest: the set's arguments
  local log=$1 group=0 conn=0 stddev=0
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --check-grouplimit) group=$2 ;;
      --check-connlimit) conn=$2 ;;
      --check-stddev) stddev=$2 ;;
    esac
    shift
  done
  awk -v g="$group" -v c="$conn" -v s="$stddev" '
    function abs(x) { return x < 0 ? -x : x }
    /^ *total:/ { last = "total" }
    /^ *average:/ { last = "average" }
    /\[Off by/ { d = $3; sub(/\]/, "", d)
                 if (last == "total" && g > 0 && abs(d) > g) bad = 1
                 if (last == "average" && c > 0 && abs(d) > c) bad = 1 }
    /^ *stddev:/ { seen = 1; if (s > 0 && $2 > s) bad = 1 }
    END { exit (bad || !seen) }' "$log"
}

run_set() { # $1: library, $2: set name, rest: arguments; prints pass|fail
  local lib=$1 name=$2 log
  shift 2
  log="$RES/$lib-$name.log"
  if timeout -k 5 30 "$OUT/$lib/test-ratelim" "$@" >"$log" 2>&1 </dev/null &&
    within_tolerances "$log" "$@"; then
    echo pass
  else
    echo fail
  fi
}

failed=0
printf '\n%-22s %-9s %-9s %s\n' "test-ratelim" libevent uvbev "uvbev: total / average per second"
for set in "${SETS[@]}"; do
  name=${set%%:*}
  read -r -a args <<<"${set#*:}"
  declare -A r=()
  for lib in libevent uvbev; do
    r[$lib]=$(run_set "$lib" "$name" "${args[@]}")
    [ "${r[$lib]}" = pass ] || r[$lib]=$(run_set "$lib" "$name" "${args[@]}")
  done
  rates=$(awk '/^ *(total|average):/ {print $2}' "$RES/uvbev-$name.log" | paste -sd/ -)
  printf '%-22s %-9s %-9s %s\n' "$name" "${r[libevent]}" "${r[uvbev]}" "${rates:-?}"
  if [ "${r[libevent]}" = pass ] && [ "${r[uvbev]}" != pass ]; then
    failed=1
    grep -E 'out of bounds|Off by|stddev|Couldn|rror|ssert' "$RES/uvbev-$name.log" | sed 's/^/    /' | head -6 || true
  fi
  unset r
done
echo "(logs: $RES)"
exit $failed
