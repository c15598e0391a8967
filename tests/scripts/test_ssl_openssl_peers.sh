#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# uvbev's TLS against peers nobody here wrote: the openssl command line tool.
#   1. examples/tls_client (uvbev's helper) -> openssl s_server: the server
#      receives the data byte-exact and a clean close; verification against
#      the test CA passes, and fails against another CA.
#   2. openssl s_client -> examples/tls_echo_server: the echo comes back
#      byte-exact, over TLS 1.3 and TLS 1.2.
#   3. garbage bytes and a truncated handshake to tls_echo_server: an error
#      event for each, no crash, the server still serves afterwards and exits
#      cleanly (leak-free under the sanitizers).
# Certificates are made with `openssl req` in a temporary directory.  Every
# step is bounded with `timeout`.  Usage: test_ssl_openssl_peers.sh BUILD_DIR
set -u
BUILD=${1:?usage: $0 BUILD_DIR}
find_prog() { # examples are built in BUILD/examples (or BUILD for multi-config)
  local d
  for d in "$BUILD/examples" "$BUILD"; do
    [ -x "$d/$1" ] && { echo "$d/$1"; return; }
  done
  echo "$BUILD/examples/$1"
}
CLIENT=$(find_prog tls_client)
SERVER=$(find_prog tls_echo_server)
command -v openssl >/dev/null || { echo "SKIP: no openssl tool"; exit 77; }
for p in "$CLIENT" "$SERVER"; do
  [ -x "$p" ] || { echo "SKIP: $p not built (UVBEV_BUILD_EXAMPLES=OFF?)"; exit 77; }
done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

# ---- certificates -------------------------------------------------------------
timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 \
  || { echo "FAIL: openssl req"; exit 1; }
timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$TMP/other.key" -out "$TMP/other.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost" >/dev/null 2>&1 \
  || { echo "FAIL: openssl req"; exit 1; }
head -c 300000 /dev/urandom > "$TMP/data.bin"

# ---- 1. our client, openssl s_server --------------------------------------------
# s_server -quiet prints only what it receives; it cannot tell us a port the
# system chose, so try a few random ones.  Its stdin must stay open (it sends
# stdin to the client and ends the session at stdin's EOF).
mkfifo "$TMP/stdin.fifo"
exec 7<> "$TMP/stdin.fifo" # held open by us: s_server never sees EOF on stdin
start_s_server() { # $1 = extra args; sets SPORT, SPID
  local try
  for try in 1 2 3 4 5 6 7 8; do
    SPORT=$((20000 + RANDOM % 40000))
    timeout 30 openssl s_server -accept "127.0.0.1:$SPORT" -cert "$TMP/cert.pem" \
      -key "$TMP/key.pem" -naccept 1 -quiet $1 < "$TMP/stdin.fifo" \
      > "$TMP/s_server.out" 2> "$TMP/s_server.err" &
    SPID=$!
    PIDS+=("$SPID")
    sleep 0.5
    if kill -0 "$SPID" 2>/dev/null; then return 0; fi
  done
  return 1
}

if start_s_server ""; then
  timeout 30 "$CLIENT" localhost "$SPORT" --ca "$TMP/cert.pem" < "$TMP/data.bin" \
    > "$TMP/client.out" 2> "$TMP/client.err"
  rc=$?
  wait "$SPID" 2>/dev/null
  if [ $rc -eq 0 ] && cmp -s "$TMP/data.bin" "$TMP/s_server.out"; then
    pass "tls_client -> s_server: 300000 bytes byte-exact, clean close"
  else
    fail "tls_client -> s_server (rc=$rc, got $(stat -c %s "$TMP/s_server.out") bytes)"
    cat "$TMP/client.err"
  fi
else
  fail "could not start openssl s_server"
fi

# A server certificate from a CA the client does not trust: verification fails.
if start_s_server ""; then
  echo hello | timeout 30 "$CLIENT" localhost "$SPORT" --ca "$TMP/other.pem" \
    > /dev/null 2> "$TMP/client.err"
  rc=$?
  kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
  if [ $rc -eq 1 ] && grep -q "certificate verify failed" "$TMP/client.err"; then
    pass "tls_client refuses an untrusted server: $(grep -o 'certificate verify failed.*' "$TMP/client.err" | head -1)"
  else
    fail "tls_client untrusted server rc=$rc"; cat "$TMP/client.err"
  fi
else
  fail "could not start openssl s_server"
fi

# ---- 2. openssl s_client, our echo server ---------------------------------------
timeout 60 "$SERVER" "$TMP/cert.pem" "$TMP/key.pem" --conns 5 --close-after 300000 \
  > "$TMP/server.out" 2> "$TMP/server.err" &
EPID=$!
PIDS+=("$EPID")
for i in $(seq 50); do grep -q listening "$TMP/server.out" 2>/dev/null && break; sleep 0.1; done
EPORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/server.out")
[ -n "$EPORT" ] || { fail "tls_echo_server did not start"; cat "$TMP/server.err"; exit 1; }

for ver in -tls1_3 -tls1_2; do
  timeout 30 openssl s_client -connect "127.0.0.1:$EPORT" -quiet $ver \
    < "$TMP/data.bin" > "$TMP/s_client.out" 2> "$TMP/s_client.err"
  if cmp -s "$TMP/data.bin" "$TMP/s_client.out"; then
    pass "s_client $ver -> tls_echo_server: 300000 bytes echoed byte-exact"
  else
    fail "s_client $ver echo (got $(stat -c %s "$TMP/s_client.out") bytes)"
    tail -5 "$TMP/s_client.err"
  fi
done

# ---- 3. garbage and a truncated handshake ---------------------------------------
send_raw() { # $1 = printf format of the bytes to send, then close
  timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EPORT && printf '$1' >&3 && sleep 0.3 && exec 3>&-" \
    2>/dev/null
}
send_raw 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'
# a ClientHello record header announcing 512 bytes, 20 of them, then gone
send_raw '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03abcdefghijklmnop'
sleep 0.5
if kill -0 "$EPID" 2>/dev/null; then
  pass "tls_echo_server survives garbage and a truncated handshake"
else
  fail "tls_echo_server died"
fi
timeout 30 openssl s_client -connect "127.0.0.1:$EPORT" -quiet \
  < "$TMP/data.bin" > "$TMP/s_client.out" 2> "$TMP/s_client.err"
cmp -s "$TMP/data.bin" "$TMP/s_client.out" && pass "and still echoes afterwards" \
  || fail "no echo after the bad connections"
errors=$(grep -c "error" "$TMP/server.err")
[ "$errors" -ge 2 ] && pass "an error event for each bad connection ($errors)" \
  || { fail "expected 2 error events, saw $errors"; cat "$TMP/server.err"; }

wait "$EPID"
rc=$?
[ $rc -eq 0 ] && pass "tls_echo_server exited cleanly after 5 connections" \
  || { fail "tls_echo_server exit status $rc"; tail -20 "$TMP/server.err"; }

[ $FAILS -eq 0 ] && { echo "all passed"; exit 0; }
echo "$FAILS failure(s)"
exit 1
