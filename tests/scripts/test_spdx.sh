#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every tracked source file carries its SPDX licence line (ci/check-spdx.sh).
# Usage: test_spdx.sh BUILD_DIR
set -euo pipefail
exec bash "$(dirname "$0")/../../ci/check-spdx.sh"
