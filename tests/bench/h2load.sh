#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nghttp2's libevent-server (examples/libevent-server.c, unchanged) under h2load,
# built against uvbev and against libevent 2.1, run alternately.
#
#   tests/bench/h2load.sh [--rounds N] [--perf] [BUILD_DIR]   (default <source>/_realprogs)
#
# Builds both servers with ci/real-programs.sh (UVBEV_REALPROGS_BUILD_ONLY=1,
# same BUILD_DIR, so its builds are reused), then for each round (default 5)
# starts the uvbev server, runs
#   h2load -n 20000 -c 8 -m 10 https://127.0.0.1:PORT/small.txt
# (20,000 requests over 8 connections, 10 concurrent streams each, TLS + h2),
# stops it, and does the same with the libevent server.  Every request must
# succeed.  Prints each run, then the median requests/s of each and the ratio
# uvbev/libevent (> 1: uvbev faster), and the machine.
#
# --perf: one more uvbev run under `perf record -g`, then the top of
# `perf report` (self time by symbol) is printed.
# Environment: UVBEV_H2LOAD_ARGS replaces "-n 20000 -c 8 -m 10";
# UVBEV_H2LOAD_PATH the file requested (default /small.txt, 1092 bytes).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=ci/loopback.sh
. "$SRC/ci/loopback.sh"
ROUNDS=5 PERF=0 BUILD=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --perf) PERF=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) BUILD=$1; shift ;;
  esac
done
BUILD=${BUILD:-$SRC/_realprogs}
mkdir -p "$BUILD" && BUILD=$(cd "$BUILD" && pwd) # the server runs from its docroot
# shellcheck disable=SC2206
H2LOAD_ARGS=(${UVBEV_H2LOAD_ARGS:--n 20000 -c 8 -m 10})
URL_PATH=${UVBEV_H2LOAD_PATH:-/small.txt}
NEXT_PORT=18800

for mode in uvbev libevent; do
  UVBEV_REALPROGS_BUILD_ONLY=1 "$SRC/ci/real-programs.sh" --against "$mode" "$BUILD" >"$BUILD/h2load-build-$mode.log" 2>&1 ||
    { tail -20 "$BUILD/h2load-build-$mode.log" >&2; exit 1; }
  [ -x "$BUILD/$mode/bin/libevent-server" ] ||
    { echo "libevent-server did not build against $mode ($BUILD/h2load-build-$mode.log)" >&2; exit 1; }
done
command -v h2load >/dev/null || { echo "h2load not found (apt-get install nghttp2-client)" >&2; exit 1; }
DATA=$BUILD/data
OUT=$BUILD/h2load
mkdir -p "$OUT"

SERVER_PID=
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap stop_server EXIT

start_server() { # $1 mode; sets PORT and SERVER_PID
  free_port PORT
  (cd "$DATA/docroot" && exec "$BUILD/$1/bin/libevent-server" "$PORT" "$DATA/key.pem" "$DATA/cert.pem") \
    >"$OUT/server-$1.log" 2>&1 &
  SERVER_PID=$!
  poll 100 listening "$PORT" || { echo "libevent-server ($1) is not listening" >&2; exit 1; }
}

# run MODE N: one h2load run; prints the requests/s, or fails
run() {
  local log=$OUT/h2load-$1-$2.log
  start_server "$1"
  timeout 300 h2load "${H2LOAD_ARGS[@]}" "https://127.0.0.1:$PORT$URL_PATH" >"$log" 2>&1 ||
    { echo "h2load failed against $1 ($log)" >&2; stop_server; return 1; }
  stop_server
  awk -v want="$(awk '/^requests:/ {print $2}' "$log")" '
    /^requests:/ { if ($8 != want || $10 != 0) bad = 1 }
    /^finished in/ { rps = $4 }
    END { if (bad || rps == "") exit 1; print rps }' "$log" ||
    { echo "not every request succeeded against $1:" >&2; grep -E '^(requests|status codes):' "$log" >&2; return 1; }
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "# h2load ${H2LOAD_ARGS[*]} https://127.0.0.1:PORT$URL_PATH, $ROUNDS rounds, alternating"
: >"$OUT/uvbev.rps"
: >"$OUT/libevent.rps"
for ((i = 1; i <= ROUNDS; i++)); do
  for mode in uvbev libevent; do
    rps=$(run "$mode" "$i")
    echo "$rps" >>"$OUT/$mode.rps"
    printf 'round %d %-8s %s req/s\n' "$i" "$mode" "$rps"
  done
done
uv=$(median <"$OUT/uvbev.rps")
le=$(median <"$OUT/libevent.rps")
printf '\nmedian requests/s: uvbev %s, libevent %s, ratio uvbev/libevent %s\n' "$uv" "$le" \
  "$(awk -v a="$uv" -v b="$le" 'BEGIN { printf "%.3f", a / b }')"
printf 'machine: %s cores, %s, Linux %s, load %s\n' "$(nproc)" \
  "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$PERF" = 1 ]; then
  command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }
  start_server uvbev
  perf record -q -g -o "$OUT/perf.data" -p "$SERVER_PID" >"$OUT/perf-record.log" 2>&1 &
  perf_pid=$!
  sleep 0.5
  timeout 300 h2load "${H2LOAD_ARGS[@]}" "https://127.0.0.1:$PORT$URL_PATH" >"$OUT/h2load-perf.log" 2>&1 || true
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  stop_server
  echo
  echo "# perf: uvbev server, self time by symbol (top 30; $OUT/perf.data)"
  perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -30
fi
