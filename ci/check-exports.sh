#!/usr/bin/env bash
# Checks that a built uvbev shared library exports the public API only:
# libevent's names and uvbev_* extensions, never an internal cross-file
# function (those end with _).  uvbev is built with hidden visibility and
# UVBEV_API marks what is exported; this catches a missing or stray marker.
#
#   ci/check-exports.sh path/to/libuvbev.so.X.Y.Z | path/to/libuvbev.dll
# OBJDUMP may name the objdump for a DLL (default: x86_64-w64-mingw32-objdump
# if present, else objdump).
set -euo pipefail
lib=$1
case "$lib" in
  *.dll)
    objdump=${OBJDUMP:-$(command -v x86_64-w64-mingw32-objdump || command -v objdump)}
    names=$("$objdump" -p "$lib" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
      sed -n -E 's/^[[:space:]]*\[ *[0-9]+\] (.*)$/\1/p')
    ;;
  *)
    names=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' |
      grep -vE '^(_init|_fini|_edata|_end|__bss_start)$' || true)
    ;;
esac
public='^(event|evbuffer|bufferevent|evutil|evconnlistener|evdns|evthread|evtag|evsignal|evtimer|libevent|uvbev)_'
bad=$( (grep -vE "$public" <<<"$names" || true; grep -E '_$' <<<"$names" || true) | sort -u)
if [ -z "$names" ]; then
  echo "check-exports: $lib exports nothing" >&2
  exit 1
fi
if [ -n "$bad" ]; then
  echo "check-exports: $lib exports names outside the public API:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-exports: $(wc -l <<<"$names") names exported by $(basename "$lib"), all public API"
