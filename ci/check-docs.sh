#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public function, macro, type and field that include/ declares carries
# a Doxygen comment (`/**`): runs doxygen over the public headers and the
# configured-header templates (*.h.in) with undocumented-symbol warnings on,
# and fails when it reports any.  A plain `/*` comment does not count: it is
# invisible to Doxygen, and so to anyone reading the generated reference.
#
#   ci/check-docs.sh     exit 0 when every public symbol is documented, 1 with
#                        doxygen's warnings otherwise, 77 without doxygen
# Where clang is installed, the headers are also compiled with
# -Wdocumentation -Werror, which Doxygen does not check: every @param must
# name a parameter of its declaration.
# DOXYGEN names the doxygen binary (default: doxygen on PATH); CLANG the clang
# (default: clang on PATH; none: that part is skipped).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
doxygen=${DOXYGEN:-doxygen}
command -v "$doxygen" >/dev/null || { echo "check-docs: SKIP: doxygen is not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The headers are read as a compiler on a Unix-like platform reads them
# (_WIN32 undefined), with the export and attribute macros erased so that the
# declarations parse as plain C.  The .in templates are parsed as C; their
# @VAR@ placeholders are text to Doxygen.  Include guards are not API.
cat >"$tmp/Doxyfile" <<EOF
PROJECT_NAME           = uvbev
OUTPUT_DIRECTORY       = $tmp/out
INPUT                  = $SRC/include
RECURSIVE              = YES
FILE_PATTERNS          = *.h *.h.in
EXTENSION_MAPPING      = in=C
OPTIMIZE_OUTPUT_FOR_C  = YES
EXTRACT_ALL            = NO
EXTRACT_STATIC         = NO
EXTRACT_PRIVATE        = NO
ENABLE_PREPROCESSING   = YES
MACRO_EXPANSION        = YES
EXPAND_ONLY_PREDEF     = YES
SEARCH_INCLUDES        = YES
INCLUDE_PATH           = $SRC/include
PREDEFINED             = UVBEV_API= "__attribute__(x)="
EXCLUDE_SYMBOLS        = *_H_INCLUDED_
QUIET                  = YES
WARNINGS               = YES
WARN_IF_UNDOCUMENTED   = YES
WARN_IF_DOC_ERROR      = YES
WARN_NO_PARAMDOC       = NO
WARN_AS_ERROR          = NO
WARN_FORMAT            = "\$file:\$line: \$text"
WARN_LOGFILE           = $tmp/warnings.log
GENERATE_HTML          = NO
GENERATE_LATEX         = NO
GENERATE_XML           = NO
GENERATE_MAN           = NO
GENERATE_RTF           = NO
EOF

"$doxygen" "$tmp/Doxyfile" >"$tmp/doxygen.out" 2>&1 || {
  echo "check-docs: doxygen failed:" >&2
  cat "$tmp/doxygen.out" "$tmp/warnings.log" >&2 2>/dev/null || true
  exit 1
}

if [ -s "$tmp/warnings.log" ]; then
  n=$(grep -c ': warning:' "$tmp/warnings.log" || true)
  echo "check-docs: doxygen reports $n problems in the public headers (undocumented symbols, or comment errors):" >&2
  sed "s|$SRC/||" "$tmp/warnings.log" >&2
  exit 1
fi
echo "check-docs: every public symbol in include/ is documented"

clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null; then
  echo "check-docs: no clang: @param names not checked"
  exit 0
fi
# The configured headers, filled with placeholder values (only the comments
# matter here), and one file that includes every public header.
mkdir -p "$tmp/inc/uvbev" "$tmp/inc/event2"
sed -e 's/@[A-Z_]*@/0/g' -e 's/^#cmakedefine01 \(.*\)$/#define \1 1/' \
  "$SRC/include/uvbev/uvbev-config.h.in" >"$tmp/inc/uvbev/uvbev-config.h"
sed -e 's/@[A-Z_]*@//g' "$SRC/include/event2/event-config.h.in" >"$tmp/inc/event2/event-config.h"
(cd "$SRC/include" && find . -name '*.h' | sort | sed 's|^\./\(.*\)$|#include <\1>|') >"$tmp/all.c"
echo '#include <event2/event-config.h>' >>"$tmp/all.c"
uv_cflags=$(pkg-config --cflags libuv 2>/dev/null || true) # <uvbev/uvbev.h> includes <uv.h>
# shellcheck disable=SC2086 # uv_cflags is a list of flags
if ! "$clang" -fsyntax-only -Wdocumentation -Werror -I"$SRC/include" -I"$tmp/inc" $uv_cflags \
  -D_POSIX_C_SOURCE=200809L "$tmp/all.c" 2>"$tmp/clang.log"; then
  echo "check-docs: clang -Wdocumentation finds comments that do not match their declarations:" >&2
  sed "s|$SRC/||" "$tmp/clang.log" >&2
  exit 1
fi
echo "check-docs: every @param names a parameter (clang -Wdocumentation)"
