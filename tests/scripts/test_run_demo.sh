#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command ends with examples/run-demo.sh: keep it working.
# Usage (from ctest): test_run_demo.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ ! -x "$build/examples/seed_http_client" ]; then
  echo "examples not built (UVBEV_BUILD_EXAMPLES=OFF): nothing to check"
  exit 0
fi
out=$(bash "$src/examples/run-demo.sh" "$build")
echo "$out"
grep -q '^run-demo: OK$' <<<"$out"
