#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark charts of BENCHMARKS.md: uvbev, libevent 2.1, raw epoll and
# bare libuv on each, from tests/bench/run.sh (alternated rounds, medians).
#
#   tests/bench/charts.sh BUILD_DIR [RUNS] [OUT_DIR]
#
#   OUT_DIR/BENCHMARKS-pingpong.png  messages/s against connections (10 to
#                                    5,000), 64-byte ping-pong
#   OUT_DIR/BENCHMARKS-stream.png    MiB/s against the write size (64 B to
#                                    1 MiB), one connection
#
# OUT_DIR defaults to the source tree's top (beside BENCHMARKS.md); the
# tables run.sh printed are kept there too (BENCHMARKS-*.txt), with the
# machine and its load.  Needs gnuplot; use a Release build with the limit
# programs (Linux).  BENCH_SOCKET_SCALE divides the work for a quick look.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: charts.sh BUILD_DIR [RUNS] [OUT_DIR]}
RUNS=${2:-3}
OUT=${3:-$(cd "$HERE/../.." && pwd)}
command -v gnuplot >/dev/null || { echo "charts.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run.sh's table -> "x uvbev libevent epoll libuv" rows, x taken from the
# metric name after its prefix (sweep_pingpong_c<N>, sweep_stream_w<SIZE>).
to_rows() { # $1: metric prefix
  awk -v p="$1" 'index($1, p) == 1 && $1 !~ /_per_msg$/ {
    x = substr($1, length(p) + 1); print x, $2, $3, $4, $5 }' | sed 's/ - / NaN /g; s/ -$/ NaN/'
}

plot() { # $1: data, $2: png, $3: title, $4: x label, $5: y label, $6: extra settings
  gnuplot <<GP
set terminal pngcairo size 900,540 font "sans,11"
set output "$2"
set title "$3"
set xlabel "$4"
set ylabel "$5"
set logscale x 2
set grid
set key outside right top
set datafile missing "NaN"
$6
plot "$1" using 1:2 with linespoints lw 2 title "uvbev", \
     "$1" using 1:3 with linespoints lw 2 title "libevent 2.1", \
     "$1" using 1:4 with linespoints lw 2 dt 2 title "raw epoll", \
     "$1" using 1:5 with linespoints lw 2 dt 3 title "bare libuv"
GP
}

"$HERE/run.sh" "$BUILD" socket "$RUNS" sweep-conns | tee "$OUT/BENCHMARKS-pingpong.txt"
to_rows sweep_pingpong_c <"$OUT/BENCHMARKS-pingpong.txt" >"$TMP/pingpong.dat"
"$HERE/run.sh" "$BUILD" socket "$RUNS" sweep-size | tee "$OUT/BENCHMARKS-stream.txt"
to_rows sweep_stream_w <"$OUT/BENCHMARKS-stream.txt" >"$TMP/stream.dat"

machine=$(tail -1 "$OUT/BENCHMARKS-stream.txt" | sed 's/^machine: //; s/;.*//')
plot "$TMP/pingpong.dat" "$OUT/BENCHMARKS-pingpong.png" \
  "64-byte ping-pong, loopback, one thread (median of $RUNS; $machine)" \
  "connections" "messages/s" "set yrange [0:*]"
plot "$TMP/stream.dat" "$OUT/BENCHMARKS-stream.png" \
  "One connection, loopback (median of $RUNS; $machine)" \
  "bytes per write" "MiB/s" "set logscale y 2"
echo "charts: $OUT/BENCHMARKS-pingpong.png $OUT/BENCHMARKS-stream.png"
