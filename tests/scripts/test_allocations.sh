#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every allocation uvbev makes for itself goes through src/core/mm-internal.h
# (uvbev_malloc_/calloc_/realloc_/strdup_/free_), so that
# event_set_mem_functions() sees all of them.  This check fails on a direct
# malloc/calloc/realloc/strdup/free call anywhere in src/ but src/core/mm.c.
#
#   tests/scripts/test_allocations.sh [BUILD_DIR]   check (BUILD_DIR unused)
#   tests/scripts/test_allocations.sh --fix         convert src/ in place
#
# --fix (GNU sed) is mechanical, line-local and idempotent: each call becomes
# uvbev_NAME_( and a file that gains one gets #include "mm-internal.h" before
# its first local include.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
call='(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|strdup|free)\('
offenders() {
  grep -rnE "$call" src --include='*.c' --include='*.h' | grep -v '^src/core/mm\.c:' || true
}
if [ "${1:-}" = "--fix" ]; then
  for f in $(offenders | cut -d: -f1 | sort -u); do
    sed -E -i "s/$call/\\1uvbev_\\2_(/g" "$f"
    grep -q '^#include "mm-internal.h"' "$f" ||
      sed -i '0,/^#include "/s//#include "mm-internal.h"\n#include "/' "$f"
  done
  exit 0
fi
bad=$(offenders)
if [ -n "$bad" ]; then
  echo "direct allocation calls in src/ (run tests/scripts/test_allocations.sh --fix):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "test_allocations: every allocation in src/ goes through mm-internal.h"
