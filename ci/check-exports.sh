#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks a built uvbev shared library against its public headers, both ways:
#   - every function a header in include/ declares for export (UVBEV_API or
#     libevent's EVENT2_EXPORT_SYMBOL) is exported: a declaration whose
#     definition never saw the header is hidden, and programs fail to link;
#   - nothing else is exported: libevent's names and uvbev_* extensions only,
#     never an internal cross-file function (those end with _).
#
#   ci/check-exports.sh path/to/libuvbev.so.X.Y.Z | path/to/libuvbev.dll [CONFIG_INCLUDE_DIR]
# CONFIG_INCLUDE_DIR (default: include/ beside the library, as in a build
# tree) holds the generated uvbev/uvbev-config.h, which says whether OpenSSL
# and zlib were built.
# OBJDUMP may name the objdump for a DLL (default: x86_64-w64-mingw32-objdump
# if present, else objdump); CC the preprocessor (default: cc).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lib=$1
config_inc=${2:-$(dirname "$lib")/include}

exported_names() {
  case "$lib" in
    *.dll)
      local objdump=${OBJDUMP:-$(command -v x86_64-w64-mingw32-objdump || command -v objdump)}
      "$objdump" -p "$lib" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
        sed -n -E 's/^[[:space:]]*\[ *[0-9]+\] (.*)$/\1/p'
      ;;
    *)
      nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' |
        grep -vE '^(_init|_fini|_edata|_end|__bss_start)$' || true
      ;;
  esac
}

# The names declared for export: preprocess every public header with the
# export macro replaced by a marker, then take the identifier before the first
# parenthesis of each marked declaration.
declared_names() {
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  {
    echo '#define UVBEV_EVENT2_VISIBILITY_H_INCLUDED_ 1'
    echo '#define UVBEV_API __uvbev_export_mark__'
    echo '#define EVENT2_EXPORT_SYMBOL __uvbev_export_mark__'
    echo '#include <uvbev/uvbev-config.h>'
    (cd "$SRC/include" && find event2 uvbev -name '*.h' ! -name visibility.h | sort) |
      while read -r h; do
        case "$h" in
          event2/bufferevent_ssl.h | uvbev/ssl.h) echo "#if UVBEV_WITH_OPENSSL"; echo "#include <$h>"; echo "#endif" ;;
          uvbev/zlib.h) echo "#if UVBEV_WITH_ZLIB"; echo "#include <$h>"; echo "#endif" ;;
          *) echo "#include <$h>" ;;
        esac
      done
  } >"$tmp/all.c"
  ${CC:-cc} -E -P -D_GNU_SOURCE ${CPPFLAGS:-} -I"$SRC/include" -I"$config_inc" "$tmp/all.c" |
    tr '\n' ' ' | grep -oE '__uvbev_export_mark__[^;{]*' |
    sed -E 's/^__uvbev_export_mark__//; s/\(.*//' | grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*$' |
    tr -d ' ' | sort -u
}

names=$(exported_names | sort -u)
if [ -z "$names" ]; then
  echo "check-exports: $lib exports nothing" >&2
  exit 1
fi
status=0
public='^(event|evbuffer|bufferevent|evutil|evconnlistener|evdns|evthread|evtag|evsignal|evtimer|evhttp|ev_token|libevent|uvbev)_'
bad=$( (grep -vE "$public" <<<"$names" || true; grep -E '_$' <<<"$names" || true) | sort -u)
if [ -n "$bad" ]; then
  echo "check-exports: $lib exports names outside the public API:" >&2
  echo "$bad" >&2
  status=1
fi
declared=$(declared_names)
missing=$(comm -23 <(echo "$declared") <(echo "$names"))
if [ -n "$missing" ]; then
  echo "check-exports: declared for export in include/ but not exported by $(basename "$lib"):" >&2
  echo "$missing" >&2
  status=1
fi
[ $status -eq 0 ] || exit $status
echo "check-exports: $(wc -l <<<"$names") names exported by $(basename "$lib"), all public API;" \
  "all $(wc -l <<<"$declared") functions declared for export are exported"
