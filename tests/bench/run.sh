#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a benchmark against uvbev and against libevent 2.1 and compares them.
#
#   tests/bench/run.sh BUILD_DIR NAME [RUNS [ARGS...]]
#
# runs BUILD_DIR/tests/bench/bench_NAME, bench_NAME_libevent, limit_NAME and
# limit_uv_NAME (the same figures at the machine's limit -- raw epoll, raw
# OpenSSL -- and with bare libuv, where
# they exist; also looked up directly in BUILD_DIR) RUNS times each (default 5), alternating, each with
# ARGS (a benchmark's figure, e.g. "pingpong"), and prints, for every metric,
# the median of each, uvbev's ratio to libevent and to the limit, then the
# machine (cores, CPU model, kernel) and the load average before and after.
# Use a Release build.
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
lim=$(find_prog "limit_$name") || lim=""   # the machine's limit: raw epoll, raw OpenSSL (Linux)
limuv=$(find_prog "limit_uv_$name") || limuv="" # bare libuv (Linux)
shift $(($# < 3 ? $# : 3))
args=("$@")                                 # e.g. one figure: stream, pingpong...

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/uvbev"
: >"$tmp/libevent"
: >"$tmp/limit"
: >"$tmp/libuv"

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
load_before=$(load)
for ((i = 1; i <= runs; i++)); do
  "$uv" "${args[@]}" | awk '$1 == "metric"' >>"$tmp/uvbev"
  [ -z "$le" ] || "$le" "${args[@]}" | awk '$1 == "metric"' >>"$tmp/libevent"
  [ -z "$lim" ] || "$lim" "${args[@]}" | tee "$tmp/limit.out" | awk '$1 == "metric"' >>"$tmp/limit"
  [ -z "$limuv" ] || "$limuv" "${args[@]}" | awk '$1 == "metric"' >>"$tmp/libuv"
done

# Median per metric of each file, then the table: uvbev, libevent, the raw
# epoll limit, bare libuv, and uvbev's ratio to each ("higher" metrics: > 1
# means uvbev is better; "lower": < 1).
awk -v runs="$runs" '
  function median(key, n,   i, j, t, a) {
    for (i = 1; i <= n; i++) a[i] = vals[key, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function col(impl, m) {
    if (cnt[impl SUBSEP m] == 0) return ""
    return median(impl SUBSEP m, cnt[impl SUBSEP m])
  }
  function ratio(u, x) { return (x == "" || x == 0) ? "-" : sprintf("%.2f", u / x) }
  function show(x) { return x == "" ? "-" : sprintf("%.3f", x) }
  FNR == 1 { impl = FILENAME; sub(/.*\//, "", impl) }
  {
    key = impl SUBSEP $2
    cnt[key]++
    vals[key, cnt[key]] = $3
    unit[$2] = $4
    better[$2] = $5
    if (!($2 in seen)) { seen[$2] = 1; order[++nm] = $2 }
  }
  END {
    printf "%-40s %12s %12s %12s %12s %7s %7s %7s  %s\n", "metric (median of " runs ")", "uvbev", "libevent", "limit", "bare libuv", "/libev", "/limit", "/libuv", "unit (better)"
    for (i = 1; i <= nm; i++) {
      m = order[i]
      u = col("uvbev", m); l = col("libevent", m); x = col("limit", m); y = col("libuv", m)
      if (u == "") continue
      printf "%-40s %12.3f %12s %12s %12s %7s %7s %7s  %s (%s)\n", m, u, show(l), show(x), show(y), ratio(u, l), ratio(u, x), ratio(u, y), unit[m], better[m]
    }
  }' "$tmp/uvbev" "$tmp/libevent" "$tmp/limit" "$tmp/libuv"

[ -z "$lim" ] || echo "limit: $(grep -m1 '^#' "$tmp/limit.out" | sed 's/^# //')"
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr); load average before $load_before, after $(load)"
