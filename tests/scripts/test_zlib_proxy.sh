#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A transparent compressed tunnel: echo_server behind two zlib_proxy instances
# (compress, then decompress), all on 127.0.0.1 with kernel-chosen ports.  A
# client sends text and random bytes through the tunnel and must get exactly
# the same bytes back.
# Usage: test_zlib_proxy.sh BUILD_DIR   (KEEP_WORK=1 keeps the logs of the servers)
set -euo pipefail

build=${1:?usage: test_zlib_proxy.sh BUILD_DIR}
bin="$build/examples"
for prog in echo_server zlib_proxy; do
  if [ ! -x "$bin/$prog" ]; then
    echo "SKIP: $bin/$prog not built"
    exit 77
  fi
done
command -v python3 >/dev/null || { echo "SKIP: no python3 for the client"; exit 77; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# start NAME CMD...: runs CMD in the background, waits for "listening on
# ...:PORT" and sets $port.  Not called in $(...): a subshell would keep the
# pid from cleanup, and the servers would outlive the test.
start() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$work/$name.out" 2>/dev/null; then
      port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.out" | head -n1)
      return 0
    fi
    sleep 0.05
  done
  echo "FAIL: $name did not start" >&2
  cat "$work/$name.err" >&2
  return 1
}

start echo "$bin/echo_server" 0
echo_port=$port
start p2 "$bin/zlib_proxy" 0 "127.0.0.1:$echo_port" decompress
p2_port=$port
start p1 "$bin/zlib_proxy" 0 "127.0.0.1:$p2_port" compress
p1_port=$port
echo "echo_server :$echo_port <- decompress :$p2_port <- compress :$p1_port"

python3 - "$p1_port" <<'PY'
import os, socket, sys
port = int(sys.argv[1])
def exchange(payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(payload)
    got = bytearray()
    while len(got) < len(payload):
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        got += chunk
    s.close()
    if bytes(got) != payload:
        print("FAIL: %d bytes sent, %d back, equal prefix: %s"
              % (len(payload), len(got), bytes(got) == payload[:len(got)]))
        sys.exit(1)
exchange(b"hello through a compressed tunnel\n")   # small: needs the flush
text = b"".join(b"line %d of compressible text text text\n" % i for i in range(50000))
exchange(text + os.urandom(500000))                # ~2.5 MB, mixed
print("PASS: bytes round-tripped")
PY
