#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the HTTP 0.x client of libevent's documentation (seed_http_client,
# built unchanged against uvbev) against a tiny HTTP server that this script
# starts on 127.0.0.1, prints the exchange, and exits 0 when the page came
# back.  Nothing leaves the machine.
#
# Usage: examples/run-demo.sh [build-dir]     (default: build)
set -euo pipefail

build=${1:-build}
bin="$build/examples"
for prog in http_hello_server seed_http_client; do
  if [ ! -x "$bin/$prog" ]; then
    echo "run-demo: $bin/$prog not found; build first:" >&2
    echo "  cmake -S . -B $build && cmake --build $build -j2" >&2
    exit 2
  fi
done

workdir=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# The server picks a free port and answers one connection.  Its output file
# exists before it starts: the background job opens it when the shell gets to
# it, and the first sed below may come first.
: >"$workdir/server.out"
"$bin/http_hello_server" 0 1 >>"$workdir/server.out" &
server_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$workdir/server.out")
  [ -n "$port" ] && break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "run-demo: the server did not start" >&2
  exit 1
fi

echo "\$ $bin/seed_http_client localhost /hello $port"
timeout 30 "$bin/seed_http_client" localhost /hello "$port" | tee "$workdir/client.out"

wait "$server_pid" 2>/dev/null || true
server_pid=
if grep -q "Hello from uvbev" "$workdir/client.out" && grep -q "Connect okay." "$workdir/client.out"; then
  echo "run-demo: OK"
  exit 0
fi
echo "run-demo: FAILED (no page received)" >&2
exit 1
