#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public function, macro, type and field in include/ has a Doxygen
# comment (ci/check-docs.sh).  Skipped (77) without doxygen, or outside a
# tree that has ci/ (a package build that exports only the sources).
# Usage: test_docs.sh BUILD_DIR
set -euo pipefail
check=$(dirname "$0")/../../ci/check-docs.sh
[ -f "$check" ] || { echo "SKIP: $check is not in this source tree"; exit 77; }
command -v "${DOXYGEN:-doxygen}" >/dev/null || { echo "SKIP: doxygen is not installed"; exit 77; }
exec bash "$check"
