#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The soak run (tests/soak/soak.c) under ASan + UBSan, in its own build
# directory: 1000 loopback connections at once through evconnlistener and
# socket bufferevents, plain, zlib and TLS, random chunks, watermarks and
# pauses; fails on any lost or changed byte, a descriptor or memory leak, RSS
# growth past the stated bound, or not finishing within the time limit.
#   ci/soak.sh [soak options...]
# Without options it runs twice: 1000 connections all at once (descriptor
# pressure: ulimit -n is raised), then 1000 with 200 at a time (a steady
# state, where the RSS bound is checked).  Each is bounded to 60 s.
# BUILD_DIR (default build-soak-asan) chooses the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-soak-asan}
start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Debug} -DUVBEV_WERROR=ON \
  -DUVBEV_SANITIZE=ON -DUVBEV_BUILD_SHARED=OFF -DUVBEV_BUILD_BENCH=OFF \
  -DUVBEV_BUILD_EXAMPLES=OFF -DUVBEV_TEST_ORACLE=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target soak
echo "soak: build took $(($(date +%s) - start)) s"
# Two descriptors per connection on each side, and some room.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# A small quarantine: ASan's default 256 MiB of freed memory would look like
# growth to the RSS bound.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:quarantine_size_mb=32
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run() {
  local t0
  t0=$(date +%s)
  "$BUILD_DIR/soak" "$@"
  echo "soak: run ($*) took $(($(date +%s) - t0)) s"
}
if [ $# -eq 0 ]; then
  run -n 1000 -c 1000 -t 60
  run -n 1000 -c 200 -t 60
else
  run "$@"
fi
