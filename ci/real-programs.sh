#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real programs: public libevent programs built UNCHANGED against uvbev's shared
# library and run against real peers on loopback.
#
#   ci/real-programs.sh [--against uvbev|libevent] [BUILD_DIR]
#                                     (default: uvbev, <source>/_realprogs)
#
# --against libevent (or UVBEV_REALPROGS_AGAINST=libevent) builds the same
# programs against Debian's libevent 2.1 instead: every check must pass there,
# which is what shows that the checks are right.
#
# Programs, from Debian's source packages (never copied into this repository,
# built out of tree in BUILD_DIR/<against>/):
#   nghttp2 1.52   examples/libevent-client.c  h2 over TLS client, peer: nghttpd
#                  examples/libevent-server.c  h2 over TLS server, peers: nghttp, curl
#   tmux 3.3a      the whole program (configure + make), private server socket
#   libevent 2.1.12 sample/hello-world.c, signal-test.c, time-test.c,
#                  event-read-fifo.c, le-proxy.c (plain and TLS, nginx behind it)
#
# Against uvbev, every program is compiled with -I<prefix>/include/uvbev and
# linked with -luvbev (the shared library): the build fails if any libevent
# header from outside that prefix was read (compiler dependency lists) or if
# ldd shows a libevent*.so.  libevent's samples include <event2/event-config.h>
# (and le-proxy libevent's internal util-internal.h): those come from uvbev too;
# only evconfig-private.h, which libevent's build generates, is generated here.
#
# Steps, each cached in BUILD_DIR:
#   1. apt: the peers (nghttp2-server, nghttp2-client, nginx-light, curl) and the
#      build dependencies, when missing (needs root or sudo);
#   2. sources: UVBEV_SRC_CACHE (default /var/cache/uvbev/src) holds
#      nghttp2-*, tmux-*, libevent-*; a missing one is fetched with
#      `apt-get source` (after adding a deb-src entry) into BUILD_DIR/src;
#   3. uvbev configured, built (shared only) and installed into BUILD_DIR/uvbev/prefix;
#   4. the programs built; test data and a self-signed certificate made;
#   5. the checks; one line per check and one summary line per program.
# Exit status: 0 when every check passed, 1 otherwise.
#
# Every wait is bounded (polls up to a count) and every program run has a
# timeout.  Environment: UVBEV_REALPROGS_AGAINST, UVBEV_SRC_CACHE,
# UVBEV_REALPROGS_BUILD_ONLY=1 (stop after step 4: tests/bench/h2load.sh),
# UVBEV_REALPROGS_JOBS (default 2), UVBEV_REALPROGS_PORT (first port tried,
# default 18400 for uvbev, 18600 for libevent).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# as_root, enable_deb_src, fetch_source
# shellcheck source=ci/debian-source.sh
. "$SRC/ci/debian-source.sh"
# shellcheck source=ci/loopback.sh
. "$SRC/ci/loopback.sh"

AGAINST=${UVBEV_REALPROGS_AGAINST:-uvbev}
BUILD=
while [ $# -gt 0 ]; do
  case "$1" in
    --against) AGAINST=${2:?--against needs uvbev or libevent}; shift 2 ;;
    --against=*) AGAINST=${1#--against=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) BUILD=$1; shift ;;
  esac
done
case "$AGAINST" in uvbev | libevent) ;; *) echo "--against: uvbev or libevent, not '$AGAINST'" >&2; exit 2 ;; esac
BUILD=${BUILD:-$SRC/_realprogs}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
SRC_CACHE=${UVBEV_SRC_CACHE:-/var/cache/uvbev/src}
JOBS=${UVBEV_REALPROGS_JOBS:-2}
W=$BUILD/$AGAINST # this mode's programs, logs and run directories
NEXT_PORT=${UVBEV_REALPROGS_PORT:-$([ "$AGAINST" = uvbev ] && echo 18400 || echo 18600)}
DATA=$BUILD/data  # test files and certificate, shared by both modes
CC=${CC:-cc}
T0=$(date +%s)
log() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - T0))"; }
die() { echo "real-programs: $*" >&2; exit 1; }

# --- 1. packages ---------------------------------------------------------------
apt_install_missing gcc make cmake pkg-config libuv1-dev libssl-dev zlib1g-dev \
  libevent-dev libnghttp2-dev libncurses-dev bison dpkg-dev \
  nghttp2-server nghttp2-client nginx-light curl openssl

# --- 2. sources ----------------------------------------------------------------
source_dir() { # $1: Debian source package; prints its unpacked directory
  local top=$SRC_CACHE
  if ! compgen -G "$top/$1-*/" >/dev/null && ! { mkdir -p "$top" && [ -w "$top" ]; } 2>/dev/null; then
    top=$BUILD/src
  fi
  fetch_source "$top" "$1"
}
NGHTTP2_SRC=$(source_dir nghttp2)
TMUX_SRC=$(source_dir tmux)
LIBEVENT_SRC=$(source_dir libevent)
for d in "$NGHTTP2_SRC/examples" "$TMUX_SRC" "$LIBEVENT_SRC/sample"; do
  [ -d "$d" ] || die "source not found: $d"
done

# --- 3. the library the programs use --------------------------------------------
PREFIX=$BUILD/uvbev/prefix
if [ "$AGAINST" = uvbev ]; then
  log "building and installing uvbev (shared) into $PREFIX"
  mkdir -p "$BUILD/uvbev"
  cmake -S "$SRC" -B "$BUILD/uvbev/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DUVBEV_BUILD_STATIC=OFF -DUVBEV_BUILD_TESTS=OFF \
    -DUVBEV_BUILD_EXAMPLES=OFF -DUVBEV_BUILD_BENCH=OFF >"$BUILD/uvbev/configure.log" 2>&1 ||
    { cat "$BUILD/uvbev/configure.log" >&2; die "uvbev configure failed"; }
  cmake --build "$BUILD/uvbev/build" -j "$JOBS" >"$BUILD/uvbev/build.log" 2>&1 ||
    { tail -40 "$BUILD/uvbev/build.log" >&2; die "uvbev build failed"; }
  cmake --install "$BUILD/uvbev/build" >"$BUILD/uvbev/install.log" 2>&1 ||
    { cat "$BUILD/uvbev/install.log" >&2; die "uvbev install failed"; }
  LIBDIR=$(dirname "$(find "$PREFIX" -name 'libuvbev.so' | head -1)")
  [ -d "$PREFIX/include/uvbev/event2" ] && [ "$LIBDIR" != . ] || die "uvbev install tree incomplete"
  EV_CFLAGS="-I$PREFIX/include/uvbev"
  EV_LIBS="-L$LIBDIR -Wl,-rpath,$LIBDIR -luvbev"
  EV_SSL_LIBS=$EV_LIBS
else
  EV_CFLAGS=$(pkg-config --cflags libevent)
  EV_LIBS=$(pkg-config --libs libevent)
  EV_SSL_LIBS=$(pkg-config --libs libevent_openssl libevent)
fi
SSL_CFLAGS=$(pkg-config --cflags openssl)
SSL_LIBS=$(pkg-config --libs openssl)

# --- results -------------------------------------------------------------------
PROGRAMS=(libevent-client libevent-server tmux hello-world signal-test time-test event-read-fifo le-proxy)
declare -A PROG_FAILS=() PROG_CHECKS=() BUILT=()
RESULT_LINES=()
mkdir -p "$W/logs" "$W/bin" "$W/obj" "$W/run"

record() { # $1 program, $2 check, $3 PASS|FAIL|SKIP, $4 detail
  PROG_CHECKS[$1]=$((${PROG_CHECKS[$1]:-0} + 1))
  [ "$3" = FAIL ] && PROG_FAILS[$1]=$((${PROG_FAILS[$1]:-0} + 1))
  RESULT_LINES+=("$(printf '%-4s %-16s %s%s' "$3" "$1" "$2" "${4:+  ($4)}")")
  printf '%-4s %-16s %s%s\n' "$3" "$1" "$2" "${4:+  ($4)}"
}

# check PROGRAM NAME CMD...: runs CMD in a subshell with errexit (in the
# background, so that errexit holds inside functions), its output in a log;
# a failure prints the log's tail.
check() {
  local prog=$1 name=$2 logf
  shift 2
  logf=$W/logs/$prog.$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log
  if [ -z "${BUILT[$prog]:-}" ]; then
    record "$prog" "$name" FAIL "not built"
    return 0
  fi
  (set -e; PIDS=(); trap stop_pids EXIT; "$@") >"$logf" 2>&1 &
  if wait $!; then
    record "$prog" "$name" PASS
  else
    record "$prog" "$name" FAIL "log: $logf"
    sed 's/^/    | /' "$logf" | tail -25
  fi
}

# --- processes we start, stopped on exit ---------------------------------------
PIDS=()
TMUX_SOCK=$W/run/tmux.sock
stop_pids() { # stops the processes start_bg started in this (sub)shell
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    poll 50 exited "$pid" || kill -9 "$pid" 2>/dev/null || true
  done
}
cleanup() {
  if [ -x "$W/bin/tmux" ] && [ -S "$TMUX_SOCK" ]; then
    timeout 5 "$W/bin/tmux" -S "$TMUX_SOCK" kill-server 2>/dev/null || true
  fi
  stop_pids
}
trap cleanup EXIT

# start_bg NAME DIR CMD...: starts CMD in DIR, output in logs/NAME.out; sets BG_PID
start_bg() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec "$@") >"$W/logs/$name.out" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

HAVE_IPV6=0
grep -qs '^0\{31\}1 ' /proc/net/if_inet6 && HAVE_IPV6=1

# crash_backtrace STATUS CMD...: when STATUS says CMD died of a signal (not
# timeout's 124), runs it again under gdb (when installed) and prints the stack.
crash_backtrace() {
  local rc=$1
  shift
  [ "$rc" -gt 128 ] && [ "$rc" != 124 ] && command -v gdb >/dev/null || return 0
  echo "backtrace of a second run:"
  timeout 60 gdb -q -batch -ex run -ex bt --args "$@" </dev/null 2>&1 | grep -E '^#[0-9]|received signal' | head -20 || true
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
same_file() { # $1 expected, $2 got
  [ -f "$2" ] || { echo "no output file $2"; return 1; }
  [ "$(sha "$1")" = "$(sha "$2")" ] || { echo "sha256 differs: $2 ($(stat -c %s "$2") bytes) vs $1 ($(stat -c %s "$1") bytes)"; return 1; }
}

# --- 4. test data --------------------------------------------------------------
DOCROOT=$DATA/docroot
mkdir -p "$DOCROOT"
[ -f "$DOCROOT/small.txt" ] || seq 1 300 >"$DOCROOT/small.txt"
[ -f "$DOCROOT/8m.bin" ] || head -c 8M /dev/urandom >"$DOCROOT/8m.bin"
[ -f "$DOCROOT/64m.bin" ] || head -c 64M /dev/urandom >"$DOCROOT/64m.bin"
if [ ! -f "$DATA/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DATA/key.pem" -out "$DATA/cert.pem" \
    -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
fi
KEY=$DATA/key.pem CERT=$DATA/cert.pem

# --- 4. builds -----------------------------------------------------------------
# bad_headers DEPFILE...: prints the libevent headers a build read from outside
# uvbev's prefix (they must all be uvbev's when building against uvbev).
bad_headers() {
  cat "$@" | tr ' \\' '\n\n' | grep -E '(^|/)(event2/[^/]+|event|evutil|evdns|evhttp|evrpc)\.h$' |
    grep -v "^$PREFIX/include/uvbev/" | sort -u || true
}

# linked_ok BIN: against uvbev, libuvbev.so and no libevent*.so; against
# libevent, libevent (so that the libevent run really is the oracle).
linked_ok() {
  local libs
  libs=$(ldd "$1") || return 1
  if [ "$AGAINST" = uvbev ]; then
    if grep -q 'libevent' <<<"$libs"; then echo "$1 links libevent:"; grep libevent <<<"$libs"; return 1; fi
    grep -q 'libuvbev\.so' <<<"$libs" || { echo "$1 does not link libuvbev.so"; return 1; }
  else
    grep -q 'libevent' <<<"$libs" || { echo "$1 does not link libevent"; return 1; }
  fi
}

# build_prog NAME "CFLAGS" "LIBS" SOURCE...: compiles and links bin/NAME
build_prog() {
  local name=$1 cflags=$2 libs=$3 src objs=() bad
  shift 3
  mkdir -p "$W/obj/$name"
  for src in "$@"; do
    local obj
    obj=$W/obj/$name/$(basename "$src" .c).o
    # shellcheck disable=SC2086
    $CC -O2 -g $cflags -MD -MF "$obj.d" -c "$src" -o "$obj" || return 1
    objs+=("$obj")
  done
  # shellcheck disable=SC2086
  $CC -o "$W/bin/$name" "${objs[@]}" $libs || return 1
  if [ "$AGAINST" = uvbev ]; then
    bad=$(bad_headers "$W/obj/$name"/*.d)
    [ -z "$bad" ] || { echo "$name read libevent headers from outside uvbev's prefix:"; echo "$bad"; return 1; }
  fi
  linked_ok "$W/bin/$name"
}

build() { # $1 program, rest: build command
  local prog=$1 logf=$W/logs/$1.build.log
  shift
  if "$@" >"$logf" 2>&1; then
    BUILT[$prog]=1
    record "$prog" build PASS
  else
    record "$prog" build FAIL "log: $logf"
    { grep -m1 -A1 -E 'error|outside|links|not link' "$logf" || tail -5 "$logf"; } | sed 's/^/    | /'
  fi
}

NG_CFLAGS="-DHAVE_UNISTD_H -DHAVE_SYS_SOCKET_H -DHAVE_NETINET_IN_H -DHAVE_NETDB_H -DHAVE_FCNTL_H \
  -I$NGHTTP2_SRC/third-party $EV_CFLAGS $(pkg-config --cflags libnghttp2) $SSL_CFLAGS"
NG_LIBS="$EV_SSL_LIBS $(pkg-config --libs libnghttp2) $SSL_LIBS"
# libevent's build generates evconfig-private.h; the samples' internal headers want it.
GEN=$W/gen
mkdir -p "$GEN"
printf '#ifndef EVCONFIG_PRIVATE_H_INCLUDED_\n#define EVCONFIG_PRIVATE_H_INCLUDED_\n#ifndef _GNU_SOURCE\n#define _GNU_SOURCE 1\n#endif\n#endif\n' >"$GEN/evconfig-private.h"
SAMPLE_CFLAGS="$EV_CFLAGS -I$GEN"

build_tmux() {
  local b=$W/tmux-build written
  mkdir -p "$b"
  if [ ! -f "$b/Makefile" ]; then
    if [ "$AGAINST" = uvbev ]; then
      (cd "$b" && LIBEVENT_CORE_CFLAGS="$EV_CFLAGS" LIBEVENT_CORE_LIBS="$EV_LIBS" \
        "$TMUX_SRC/configure" --quiet CFLAGS="-O2 -g") || return 1
    else
      (cd "$b" && "$TMUX_SRC/configure" --quiet CFLAGS="-O2 -g") || return 1
    fi
  fi
  touch "$b/.make-started"
  make -C "$b" -j "$JOBS" || return 1
  written=$(find "$TMUX_SRC" -newer "$b/.make-started" -print -quit)
  [ -z "$written" ] || { echo "tmux's build wrote into its source directory: $written"; return 1; }
  cp "$b/tmux" "$W/bin/tmux"
  if [ "$AGAINST" = uvbev ]; then
    local bad
    bad=$(bad_headers "$b"/.deps/*.Po "$b"/compat/.deps/*.Po 2>/dev/null)
    [ -z "$bad" ] || { echo "tmux read libevent headers from outside uvbev's prefix:"; echo "$bad"; return 1; }
  fi
  linked_ok "$W/bin/tmux"
}

log "building the programs against $AGAINST"
build libevent-client build_prog libevent-client "$NG_CFLAGS" "$NG_LIBS" \
  "$NGHTTP2_SRC/examples/libevent-client.c" "$NGHTTP2_SRC/third-party/url-parser/url_parser.c"
build libevent-server build_prog libevent-server "$NG_CFLAGS" "$NG_LIBS" "$NGHTTP2_SRC/examples/libevent-server.c"
for s in hello-world signal-test time-test event-read-fifo; do
  build "$s" build_prog "$s" "$SAMPLE_CFLAGS" "$EV_LIBS" "$LIBEVENT_SRC/sample/$s.c"
done
build le-proxy build_prog le-proxy "$SAMPLE_CFLAGS -I$LIBEVENT_SRC $SSL_CFLAGS" "$EV_SSL_LIBS $SSL_LIBS" \
  "$LIBEVENT_SRC/sample/le-proxy.c"
build tmux build_tmux
if [ "${UVBEV_REALPROGS_BUILD_ONLY:-0}" = 1 ]; then
  echo "programs built against $AGAINST: ${!BUILT[*]} (in $W/bin)"
  exit 0
fi

# --- 5. checks -----------------------------------------------------------------
export TERM=xterm-256color
RUN=$W/run
log "nghttp2 libevent-client against nghttpd"
# client_get URL FILE STATUS: fetches URL with libevent-client, checks the status
# and, for 200, that the body is FILE.
client_get() {
  local out=$RUN/client.out err=$RUN/client.err rc=0
  rm -f "$out" "$err"
  timeout 60 "$W/bin/libevent-client" "$1" >"$out" 2>"$err" || rc=$?
  if [ $rc != 0 ]; then
    echo "exit status $rc"
    cat "$err"
    crash_backtrace $rc "$W/bin/libevent-client" "$1"
    return 1
  fi
  grep -q "^:status: $3\$" "$err" || { echo "status $3 expected"; cat "$err"; return 1; }
  [ "$3" != 200 ] || same_file "$2" "$out"
}
free_port NGHTTPD_PORT
start_bg nghttpd-v4 "$DOCROOT" nghttpd -a 127.0.0.1 -d "$DOCROOT" "$NGHTTPD_PORT" "$KEY" "$CERT"
poll 100 listening "$NGHTTPD_PORT" || die "nghttpd did not start (logs/nghttpd-v4.out)"
for f in small.txt 8m.bin; do
  check libevent-client "GET https://127.0.0.1/$f from nghttpd" client_get "https://127.0.0.1:$NGHTTPD_PORT/$f" "$DOCROOT/$f" 200
done
check libevent-client "GET https://127.0.0.1/missing from nghttpd: 404" client_get "https://127.0.0.1:$NGHTTPD_PORT/missing" - 404
if [ $HAVE_IPV6 = 1 ]; then
  free_port NGHTTPD6_PORT
  start_bg nghttpd-v6 "$DOCROOT" nghttpd -a ::1 -d "$DOCROOT" "$NGHTTPD6_PORT" "$KEY" "$CERT"
  poll 100 listening "$NGHTTPD6_PORT" || die "nghttpd on ::1 did not start (logs/nghttpd-v6.out)"
  for f in small.txt 8m.bin; do
    check libevent-client "GET https://[::1]/$f from nghttpd" client_get "https://[::1]:$NGHTTPD6_PORT/$f" "$DOCROOT/$f" 200
  done
else
  record libevent-client "GET https://[::1]/ from nghttpd" SKIP "no IPv6 loopback"
fi

log "nghttp2 libevent-server with nghttp and curl"
free_port SERVER_PORT
SERVER_PID=
if [ -n "${BUILT[libevent-server]:-}" ]; then
  start_bg libevent-server "$DOCROOT" "$W/bin/libevent-server" "$SERVER_PORT" "$KEY" "$CERT"
  SERVER_PID=$BG_PID
  poll 100 listening "$SERVER_PORT" || echo "libevent-server is not listening (logs/libevent-server.out)"
fi
S=https://127.0.0.1:$SERVER_PORT
server_nghttp_get() { # $1 file
  timeout 60 nghttp "$S/$1" >"$RUN/nghttp.out" || { echo "nghttp: exit status $?"; return 1; }
  same_file "$DOCROOT/$1" "$RUN/nghttp.out"
}
server_nghttp_multi() { # one connection, three streams: small, 8 MiB, 404
  timeout 60 nghttp -n -s -r "$RUN/nghttp.har" "$S/small.txt" "$S/8m.bin" "$S/missing" ||
    { echo "nghttp: exit status $?"; return 1; }
  [ "$(grep -c '"status": 200' "$RUN/nghttp.har")" = 2 ] && [ "$(grep -c '"status": 404' "$RUN/nghttp.har")" = 1 ] ||
    { echo "statuses 200 x2 and 404 x1 expected:"; grep '"status"' "$RUN/nghttp.har"; return 1; }
}
server_curl_multi() { # curl reuses one connection for the four transfers
  rm -f "$RUN"/curl.*
  timeout 60 curl --http2 -k -sS -w '%{http_code} %{http_version} %{num_connects}\n' \
    -o "$RUN/curl.1" "$S/small.txt" -o "$RUN/curl.2" "$S/8m.bin" \
    -o "$RUN/curl.3" "$S/missing" -o "$RUN/curl.4" "$S/small.txt" >"$RUN/curl.w" ||
    { echo "curl: exit status $?"; cat "$RUN/curl.w"; return 1; }
  printf '200 2 1\n200 2 0\n404 2 0\n200 2 0\n' | diff - "$RUN/curl.w" ||
    { echo "expected: status, HTTP/2, one connection for all"; return 1; }
  same_file "$DOCROOT/small.txt" "$RUN/curl.1"
  same_file "$DOCROOT/8m.bin" "$RUN/curl.2"
  same_file "$DOCROOT/small.txt" "$RUN/curl.4"
}
server_alive() { kill -0 "$SERVER_PID" 2>/dev/null || { echo "libevent-server exited:"; tail "$W/logs/libevent-server.out"; return 1; }; }
check libevent-server "nghttp GET small.txt" server_nghttp_get small.txt
check libevent-server "nghttp GET 8m.bin" server_nghttp_get 8m.bin
check libevent-server "nghttp small, 8 MiB, 404 on one connection" server_nghttp_multi
check libevent-server "curl --http2 small, 8 MiB, 404, small on one connection" server_curl_multi
check libevent-server "server still running" server_alive

log "tmux with a private socket"
TM=("$W/bin/tmux" -S "$TMUX_SOCK" -f /dev/null)
tm() { timeout 20 "${TM[@]}" "$@"; }
pane_has() { tm capture-pane -p -t "$1" | grep -qx -- "$2"; }
tmux_session() {
  rm -f "$TMUX_SOCK"
  tm new-session -d -s rp -x 120 -y 40
  tm has-session -t rp
}
tmux_send_keys() {
  tm send-keys -t rp 'clear; seq 1 2000' Enter
  poll 100 pane_has rp 2000 || { echo "pane never showed 2000:"; tm capture-pane -p -t rp | tail; return 1; }
  tm capture-pane -p -t rp | grep -qx 1999
}
tmux_windows() {
  tm split-window -t rp
  [ "$(tm list-panes -t rp | wc -l)" = 2 ] || { echo "2 panes expected"; tm list-panes -t rp; return 1; }
  tm new-window -t rp -n extra
  [ "$(tm list-windows -t rp | wc -l)" = 2 ] || { echo "2 windows expected"; return 1; }
  tm send-keys -t rp:extra 'echo in-extra-$((6*7))' Enter
  poll 100 pane_has rp:extra in-extra-42 || { echo "new window never ran the command"; return 1; }
  tm kill-window -t rp:extra
  [ "$(tm list-windows -t rp | wc -l)" = 1 ] || { echo "1 window expected after kill-window"; return 1; }
}
tmux_buffers() {
  printf 'from a pipe\n' | tm load-buffer -b pipe -
  [ "$(tm show-buffer -b pipe)" = 'from a pipe' ] || { echo "buffer from a pipe differs"; return 1; }
  tm load-buffer -b file "$DOCROOT/small.txt"
  tm save-buffer -b file "$RUN/tmux-saved.txt"
  same_file "$DOCROOT/small.txt" "$RUN/tmux-saved.txt"
  tm load-buffer -b stdinfile - <"$DOCROOT/small.txt"
  tm save-buffer -b stdinfile - >"$RUN/tmux-saved-stdout.txt"
  same_file "$DOCROOT/small.txt" "$RUN/tmux-saved-stdout.txt"
  # empty input: the command succeeds and tmux makes no buffer of it
  tm load-buffer -b null /dev/null
  tm load-buffer -b nullstdin - </dev/null
  ! tm show-buffer -b null 2>/dev/null && ! tm show-buffer -b nullstdin 2>/dev/null ||
    { echo "a buffer was made of empty input"; return 1; }
  tm has-session -t rp
}
tmux_kill_server() {
  local pid
  pid=$(tm display-message -p -t rp '#{pid}')
  tm kill-server
  poll 100 exited "$pid" || { echo "server $pid still running"; return 1; }
}
check tmux "new-session -d" tmux_session
check tmux "send-keys 'seq 1 2000' Enter, capture-pane -p" tmux_send_keys
check tmux "split-window, new-window, kill-window" tmux_windows
check tmux "load-buffer from a pipe, a regular file, /dev/null; save-buffer" tmux_buffers
check tmux "kill-server" tmux_kill_server

log "libevent samples"
hello_world() {
  local pid out
  listening 9995 && { echo "port 9995 (fixed in hello-world.c) is busy"; return 1; }
  start_bg hello-world "$RUN" "$W/bin/hello-world"
  pid=$BG_PID
  poll 100 caught_sigint "$pid" || { echo "no SIGINT handler"; return 1; }
  poll 100 listening 9995 || { echo "not listening on 9995"; return 1; }
  out=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9995; cat <&3')
  [ "$out" = 'Hello, World!' ] || { echo "got '$out'"; return 1; }
  kill -INT "$pid"
  poll 100 exited "$pid" || { echo "still running after SIGINT + 10 s"; return 1; }
  wait "$pid" || { echo "exit status $?"; cat "$W/logs/hello-world.out"; return 1; }
  grep -q 'exiting cleanly' "$W/logs/hello-world.out"
}
caught_sigint() { # $1 pid: SIGINT (bit 1) in SigCgt, i.e. a handler is installed
  local cgt
  cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$cgt" ] && (((0x$cgt & 2) != 0))
}
count_at_least() { [ "$(grep -c -- "$2" "$3")" -ge "$1" ]; } # N PATTERN FILE
signal_test() {
  local pid n
  start_bg signal-test "$RUN" stdbuf -oL "$W/bin/signal-test"
  pid=$BG_PID
  poll 100 caught_sigint "$pid" || { echo "no SIGINT handler"; return 1; }
  for n in 1 2 3; do
    kill -INT "$pid"
    poll 100 count_at_least "$n" '^signal_cb: got signal 2$' "$W/logs/signal-test.out" ||
      { echo "signal $n not reported"; cat "$W/logs/signal-test.out"; return 1; }
  done
  poll 100 exited "$pid" || { echo "still running after the third SIGINT (event_del)"; return 1; }
  wait "$pid" || { echo "exit status $?"; return 1; }
  [ "$(grep -c 'got signal' "$W/logs/signal-test.out")" = 3 ]
}
time_test() { # $1: "" or -p.  2 s timers: at least two in 7 s, none early
  local out=$RUN/time-test$1.out rc=0
  timeout 7 "$W/bin/time-test" $1 >"$out" 2>&1 || rc=$?
  [ $rc = 124 ] || { echo "exit status $rc before the timeout"; cat "$out"; return 1; }
  [ "$(grep -c '^timeout_cb called at' "$out")" -ge 2 ] || { echo "fewer than 2 timeouts in 7 s"; cat "$out"; return 1; }
  awk '/^timeout_cb called at/ { if ($5 + 0 < 1.9) bad = 1 } END { exit bad }' "$out" ||
    { echo "a 2 s timer fired early:"; cat "$out"; return 1; }
}
event_read_fifo() {
  local dir=$RUN/fifo pid
  rm -rf "$dir"
  mkdir -p "$dir"
  start_bg event-read-fifo "$dir" "$W/bin/event-read-fifo"
  pid=$BG_PID
  poll 100 test -p "$dir/event.fifo" || { echo "no event.fifo"; return 1; }
  poll 100 grep -q 'Write data to' "$W/logs/event-read-fifo.out"
  poll 100 caught_sigint "$pid" || { echo "no SIGINT handler"; return 1; }
  timeout 10 bash -c 'printf "hello fifo" >"$1"' _ "$dir/event.fifo"
  poll 100 exited "$pid" || { echo "still running after the writer closed"; cat "$W/logs/event-read-fifo.out"; return 1; }
  wait "$pid" || { echo "exit status $?"; cat "$W/logs/event-read-fifo.out"; return 1; }
  grep -q '^Read: hello fifo$' "$W/logs/event-read-fifo.out" || { echo "data not read"; cat "$W/logs/event-read-fifo.out"; return 1; }
  grep -q 'Connection closed' "$W/logs/event-read-fifo.out"
  [ ! -e "$dir/event.fifo" ] || { echo "event.fifo not removed"; return 1; }
}
check hello-world "serves 'Hello, World!', SIGINT exits cleanly" hello_world
check signal-test "three SIGINTs, then event_del ends the loop" signal_test
check time-test "2 s one-shot timer re-added" time_test ""
check time-test "2 s EV_PERSIST timer (-p)" time_test -p
check event-read-fifo "reads a FIFO until the writer closes" event_read_fifo

log "le-proxy between curl and nginx"
NGINX_DIR=$W/nginx
free_port NGINX_PLAIN
free_port NGINX_TLS
mkdir -p "$NGINX_DIR"
cat >"$NGINX_DIR/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 64; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path $NGINX_DIR/tmp-body;
  proxy_temp_path $NGINX_DIR/tmp-proxy;
  fastcgi_temp_path $NGINX_DIR/tmp-fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp-uwsgi;
  scgi_temp_path $NGINX_DIR/tmp-scgi;
  server { listen 127.0.0.1:$NGINX_PLAIN; root $DOCROOT; }
  server {
    listen 127.0.0.1:$NGINX_TLS ssl;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    root $DOCROOT;
  }
}
EOF
start_bg nginx "$NGINX_DIR" nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log"
poll 100 listening "$NGINX_TLS" || die "nginx did not start ($NGINX_DIR/error.log)"
le_proxy() { # $1: backend port, rest: le-proxy options
  local backend=$1 port pid code
  shift
  free_port port
  start_bg "le-proxy$(printf '%s' "$*" | tr -d ' ')" "$RUN" "$W/bin/le-proxy" "$@" "127.0.0.1:$port" "127.0.0.1:$backend"
  pid=$BG_PID
  poll 100 listening "$port" || { echo "le-proxy is not listening"; cat "$W/logs/le-proxy$(printf '%s' "$*" | tr -d ' ').out"; return 1; }
  for f in small.txt 64m.bin; do
    rm -f "$RUN/proxy.out"
    code=$(timeout 120 curl -sS -o "$RUN/proxy.out" -w '%{http_code}' "http://127.0.0.1:$port/$f") ||
      { echo "curl: exit status $? for $f"; return 1; }
    [ "$code" = 200 ] || { echo "status $code for $f"; return 1; }
    same_file "$DOCROOT/$f" "$RUN/proxy.out"
  done
  kill -0 "$pid" || { echo "le-proxy exited"; return 1; }
}
check le-proxy "plain: curl through it, small and 64 MiB" le_proxy "$NGINX_PLAIN"
check le-proxy "TLS to nginx over a filter (-s): small and 64 MiB" le_proxy "$NGINX_TLS" -s
check le-proxy "TLS to nginx over an openssl socket (-s -W): small and 64 MiB" le_proxy "$NGINX_TLS" -s -W

# --- summary -------------------------------------------------------------------
log "summary against $AGAINST"
status=0
for p in "${PROGRAMS[@]}"; do
  if [ "${PROG_FAILS[$p]:-0}" = 0 ]; then
    printf 'PASS %-16s %s checks\n' "$p" "${PROG_CHECKS[$p]:-0}"
  else
    printf 'FAIL %-16s %s of %s checks failed\n' "$p" "${PROG_FAILS[$p]}" "${PROG_CHECKS[$p]}"
    status=1
  fi
done
printf '%s\n' "${RESULT_LINES[@]}" >"$W/results.txt"
echo "real programs against $AGAINST: $([ $status = 0 ] && echo PASS || echo FAIL) ($(($(date +%s) - T0))s; details in $W/results.txt, logs in $W/logs)"
exit $status
