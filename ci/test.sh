#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures, builds and runs the whole test suite.
#   ci/test.sh [extra cmake arguments...]
# BUILD_DIR (default: build) chooses the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Debug} -DUVBEV_WERROR=ON "$@"
cmake --build "$BUILD_DIR" -j2
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 ${CTEST_ARGS:-}
