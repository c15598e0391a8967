#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every function the public headers declare for export is exported by the
# shared library, and nothing else is (ci/check-exports.sh): programs written
# for libevent, the pre-2.0 API included, link against libuvbev.so.
# Usage: test_exports.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_exports.sh BUILD_DIR}
lib=$(find "$build" -maxdepth 1 -name 'libuvbev.so.*.*.*' | head -1)
if [ -z "$lib" ]; then
  echo "SKIP: no shared library in $build (UVBEV_BUILD_SHARED off, or not ELF)"
  exit 77
fi
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
exec bash "$(dirname "$0")/../../ci/check-exports.sh" "$lib" "$build/include"
