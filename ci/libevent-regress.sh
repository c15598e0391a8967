#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libevent 2.1.12's own regression suite as a gate (issue 11).
#
#   ci/libevent-regress.sh [BUILD_DIR]        (default: build-regress)
#
# Builds uvbev's shared library (Release with debug info, no tests/examples)
# in BUILD_DIR/uvbev, installs it into BUILD_DIR/prefix, then runs
# tests/libevent-regress/run.sh, which fetches libevent's Debian source
# package (cached in /var/cache/uvbev/src, UVBEV_SRC_CACHE overrides), builds
# the in-scope test files against libevent and against the installed uvbev,
# runs them and compares.  Everything is cached in BUILD_DIR; a second run
# rebuilds only what changed.  Exit status 0 only when every comparable test
# passes on uvbev.  See tests/libevent-regress/README.md.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$SRC/build-regress}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)

cmake -S "$SRC" -B "$BUILD/uvbev" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DUVBEV_BUILD_SHARED=ON -DUVBEV_BUILD_STATIC=OFF \
  -DUVBEV_BUILD_TESTS=OFF -DUVBEV_BUILD_EXAMPLES=OFF -DUVBEV_BUILD_BENCH=OFF \
  -DCMAKE_INSTALL_PREFIX="$BUILD/prefix" >"$BUILD/uvbev-configure.log" 2>&1 ||
  { cat "$BUILD/uvbev-configure.log" >&2; exit 1; }
cmake --build "$BUILD/uvbev" -j2 >"$BUILD/uvbev-build.log" 2>&1 ||
  { tail -40 "$BUILD/uvbev-build.log" >&2; exit 1; }
cmake --install "$BUILD/uvbev" >"$BUILD/uvbev-install.log" 2>&1 ||
  { cat "$BUILD/uvbev-install.log" >&2; exit 1; }

exec "$SRC/tests/libevent-regress/run.sh" "$BUILD/prefix" "$BUILD/harness"
