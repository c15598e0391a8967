# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for scripts that run servers on loopback (ci/real-programs.sh,
# tests/bench/h2load.sh).  Source it; Linux only (reads /proc/net/tcp*).
#
#   poll N CMD...     runs CMD up to N times, 0.1 s apart, until it succeeds
#   listening PORT    something listens on TCP PORT (IPv4 or IPv6), seen in
#                     /proc without connecting, so that a server's first
#                     connection is a real one
#   exited PID        process PID has ended (and was reaped)
#   free_port VAR     sets VAR to a port nothing listens on, from NEXT_PORT
#                     up (default 18400), never the same one twice

poll() {
  local n=$1
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}

listening() {
  grep -qsE "^ *[0-9]+: [0-9A-F]+:$(printf '%04X' "$1") [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6
}

exited() { ! kill -0 "$1" 2>/dev/null; }

free_port() {
  NEXT_PORT=${NEXT_PORT:-18400}
  while listening "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
  printf -v "$1" '%s' "$NEXT_PORT"
  NEXT_PORT=$((NEXT_PORT + 1))
}
