#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds uvbev for 64-bit Windows with MinGW-w64 on Debian 12 and runs its test
# suite under wine, so that libuv's Windows (IOCP) path is exercised on Linux.
#
#   ci/cross-windows.sh [CACHE_DIR]      (default: /var/cache/uvbev/cross when
#                                         writable, else <source>/_cross)
# The cache holds what does not change with uvbev's source (Debian's sources,
# the cross-built dependencies, the wine prefix), so later runs on the same
# machine reuse it from any clone; uvbev itself is built in <source>/build-windows.
#
# Steps, each skipped when its result is already in CACHE_DIR:
#   1. apt: gcc-mingw-w64-x86-64, wine64, libz-mingw-w64-dev, dpkg-dev, cmake,
#      ninja-build (needs root or sudo; nothing is installed when all are there);
#   2. a deb-src twin of Debian's archive entry, then `apt-get source` libuv1,
#      cmocka, openssl and libevent;
#   3. libuv, cmocka and libevent 2.1.12 cross-built with
#      cmake/toolchains/mingw-w64-x86_64.cmake, OpenSSL 3 with its own
#      Configure (mingw64), into CACHE_DIR/prefix;
#   4. uvbev cross-built with OpenSSL, zlib (Debian's mingw package) and its
#      tests; the compat tests also against the cross-built libevent (the
#      oracle, as on Linux);
#   5. ctest under wine64 (fresh WINEPREFIX in CACHE_DIR, WINEDEBUG=-all): every
#      unit and compat test, TLS included, against uvbev and against libevent,
#      with the list of skips and their reasons printed;
#   6. uvbev installed into a prefix and used by tests/consumer (find_package,
#      DLL and static library), the programs run under wine.
# From an empty cache the OpenSSL build dominates (about 520 CPU-seconds).
#
# Environment: UVBEV_CROSS_JOBS (default 2), UVBEV_CROSS_BUILD_TYPE (Debug),
# UVBEV_CROSS_CTEST_ARGS (extra ctest arguments, e.g. "-R compat_").
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
default_cache() {
  if mkdir -p /var/cache/uvbev/cross 2>/dev/null && [ -w /var/cache/uvbev/cross ]; then
    echo /var/cache/uvbev/cross
  else
    echo "$SRC/_cross"
  fi
}
CACHE=${1:-$(default_cache)}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
JOBS=${UVBEV_CROSS_JOBS:-2}
BUILD_TYPE=${UVBEV_CROSS_BUILD_TYPE:-Debug}
TRIPLE=x86_64-w64-mingw32
TOOLCHAIN=$SRC/cmake/toolchains/mingw-w64-x86_64.cmake
PREFIX=$CACHE/prefix
BUILD=${UVBEV_CROSS_BUILD_DIR:-$SRC/build-windows}

# Tests that fail under wine because of wine, not Windows.  One per line:
# the ctest name, then why.  Never loosen a test everywhere for wine.
WINE_SKIPS=(
)

# libevent twins of compat tests where libevent's own Windows backend (its
# select loop under wine) really differs from the behaviour the test pins
# (checked on Linux against libevent's epoll backend): the twin alone is
# skipped, the uvbev test runs.  One per line: the ctest name, then why.
ORACLE_SKIPS=(
  "compat_bev_socket_connect_libevent libevent on Windows reports a refused connect with EVUTIL_SOCKET_ERROR() 0; uvbev gives WSAECONNREFUSED"
  "compat_socket_ownership_libevent the same refused connect: libevent on Windows leaves EVUTIL_SOCKET_ERROR() 0"
  "compat_bev_ssl_ownership_libevent libevent on Windows crashes (access violation) making an OpenSSL bufferevent on the event_init() base (NULL base)"
  "compat_bev_ssl_thread_libevent intermittent under wine: libevent on Windows stops delivering the TLS echo written from another thread partway (0 and 4096 of 1 MiB received, exit 0.12-0.16 s, in 2 of about 30 runs); never on Linux in 600 runs; cause inside libevent not yet found"
  "compat_dns_connect_libevent libevent tries only the first address of a name: under wine localhost gives ::1 first, where nothing listens"
  "compat_ratelim_libevent under wine libevent on Windows moves no byte at all in freeing_a_member_keeps_group_working (2 group members, 0 bytes each in 2 s; the other 9 tests pass, and so does the test on Linux and uvbev's under wine); cause inside libevent not yet found"
)

log() { printf '\n== %s\n' "$*"; }
# as_root, enable_deb_src, fetch_source
# shellcheck source=ci/debian-source.sh
. "$SRC/ci/debian-source.sh"
elapsed() { echo "$(($(date +%s) - T0))s"; }
T0=$(date +%s)

# --- 1. packages ---------------------------------------------------------------
apt_install_missing gcc-mingw-w64-x86-64 wine64 libz-mingw-w64-dev dpkg-dev cmake ninja-build
WINE=$(command -v wine64 || command -v wine || true)
[ -z "$WINE" ] && [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
[ -n "$WINE" ] || { echo "wine64 not found" >&2; exit 1; }

# --- 2, 3. Debian sources of libuv and cmocka, cross-built ----------------------
cross_cmake() { # $1: source dir, $2: build dir, rest: cmake -D options
  local src=$1 bld=$2
  shift 2
  cmake -S "$src" -B "$bld" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_FIND_ROOT_PATH="$PREFIX" \
    "$@" >"$bld.configure.log" 2>&1 || { cat "$bld.configure.log" >&2; return 1; }
}

build_dependency() { # $1: source package, rest: cmake options
  local pkg=$1 dir stamp=$PREFIX/.built-$1
  shift
  [ -f "$stamp" ] && return 0
  dir=$(fetch_source "$CACHE/src" "$pkg")
  log "cross-building $(basename "$dir") ($(elapsed))"
  mkdir -p "$CACHE/build-deps"
  cross_cmake "$dir" "$CACHE/build-deps/$pkg" -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$CACHE/build-deps/$pkg" -j "$JOBS" >"$CACHE/build-deps/$pkg.build.log" 2>&1 ||
    { tail -40 "$CACHE/build-deps/$pkg.build.log" >&2; return 1; }
  cmake --install "$CACHE/build-deps/$pkg" >/dev/null
  touch "$stamp"
}

if [ ! -f "$PREFIX/.built-libuv1" ] || [ ! -f "$PREFIX/.built-cmocka" ]; then
  enable_deb_src
fi
build_dependency libuv1 -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF
build_dependency cmocka -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF
# cmocka 1.1.5's cmocka-config.cmake names the MinGW import library
# cmocka.dll.a, but the build installs it as libcmocka.dll.a.
if [ ! -f "$PREFIX/lib/cmocka.dll.a" ] && [ -f "$PREFIX/lib/libcmocka.dll.a" ]; then
  cp "$PREFIX/lib/libcmocka.dll.a" "$PREFIX/lib/cmocka.dll.a"
fi

# OpenSSL 3 from Debian's source package: its own Configure, not CMake.
# 3.0's Configure refuses no-docs; build_libs + install_sw skip the programs
# and manuals.  About 520 CPU-seconds, once per cache.
build_openssl() {
  local dir bld=$CACHE/build-deps/openssl stamp=$PREFIX/.built-openssl
  [ -f "$stamp" ] && return 0
  dir=$(fetch_source "$CACHE/src" openssl)
  log "cross-building $(basename "$dir") ($(elapsed))"
  rm -rf "$bld"
  mkdir -p "$CACHE/build-deps"
  cp -a "$dir" "$bld"
  (cd "$bld" && ./Configure mingw64 no-tests --cross-compile-prefix="$TRIPLE-" \
    --prefix="$PREFIX" --libdir=lib) >"$bld.configure.log" 2>&1 || { cat "$bld.configure.log" >&2; return 1; }
  make -C "$bld" -j "$JOBS" build_libs >"$bld.build.log" 2>&1 || { tail -40 "$bld.build.log" >&2; return 1; }
  make -C "$bld" install_sw >"$bld.install.log" 2>&1 || { tail -40 "$bld.install.log" >&2; return 1; }
  touch "$stamp"
}
build_openssl

# libevent 2.1.12, the oracle of the compat tests, from Debian's source
# package with its CMake build (it supports MinGW), with the OpenSSL above.
build_dependency libevent -DEVENT__LIBRARY_TYPE=SHARED -DEVENT__DISABLE_TESTS=ON \
  -DEVENT__DISABLE_REGRESS=ON -DEVENT__DISABLE_SAMPLES=ON -DEVENT__DISABLE_BENCHMARK=ON \
  -DEVENT__DISABLE_MBEDTLS=ON -DOPENSSL_ROOT_DIR="$PREFIX"

# --- 4. uvbev ------------------------------------------------------------------
# pkg-config must see only the Windows prefix, never the host's .pc files
# (otherwise the host libevent would be taken for an oracle).
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig:/usr/$TRIPLE/lib/pkgconfig
export PKG_CONFIG_PATH=
log "configuring uvbev for Windows ($(elapsed))"
mkdir -p "$BUILD"
cross_cmake "$SRC" "$BUILD" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DUVBEV_WITH_OPENSSL=ON -DOPENSSL_ROOT_DIR="$PREFIX" -DUVBEV_WITH_ZLIB=ON \
  -DUVBEV_BUILD_TESTS=ON -DUVBEV_BUILD_EXAMPLES=ON -DUVBEV_BUILD_BENCH=OFF

log "building uvbev ($(elapsed))"
# Keep going past errors so that one run lists every file that does not
# compile for Windows.
if ! cmake --build "$BUILD" -j "$JOBS" -- -k 0 >"$BUILD.build.log" 2>&1; then
  echo "uvbev does not build for Windows.  Targets that failed:" >&2
  sed -n -E 's|^FAILED: (CMakeFiles/[^ ]*\.dir/)?([^ ]*)|  \2|p' "$BUILD.build.log" | sort -u >&2
  echo "Errors:" >&2
  grep -E ': (fatal )?error: |undefined reference to' "$BUILD.build.log" |
    sed "s|$SRC/||" | sort -u >&2 || true
  echo "(full log: $BUILD.build.log)" >&2
  exit 1
fi

# Warnings of the Windows build (the Linux build is kept warning-free; these
# are typically SOCKET being unsigned where evutil_socket_t is signed).
if grep -q 'warning:' "$BUILD.build.log"; then
  echo "Compiler warnings in the Windows build:"
  grep -E 'warning:' "$BUILD.build.log" | sed "s|$SRC/||" | sort -u
fi

# A .def-free DLL: dllexport (UVBEV_API) alone decides what is exported.
CC=$TRIPLE-gcc CPPFLAGS="-I$PREFIX/include" bash "$SRC/ci/check-exports.sh" "$BUILD/libuvbev.dll"

# --- 5. tests under wine -------------------------------------------------------
# Each test executable finds its DLLs beside it: libuvbev.dll is there already.
# (libevent's CMake build installs its DLLs in lib/.)
for dll in "$PREFIX"/bin/*.dll "$PREFIX"/lib/*.dll /usr/$TRIPLE/lib/zlib1.dll /usr/$TRIPLE/lib/libwinpthread-1.dll; do
  [ -f "$dll" ] && cp -u "$dll" "$BUILD/"
done
export WINEPREFIX=$CACHE/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
WINESERVER=$(command -v wineserver || echo "$(dirname "$WINE")/wineserver")
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  log "creating a wine prefix ($(elapsed))"
  "$WINE" wineboot -i >/dev/null 2>&1 || true
  "$WINESERVER" -w || true
fi
# One wineserver for the whole run, and wine's own services (rpcss, plugplay,
# winedevice, ...) started once here with their output detached: started by
# the first test, they would inherit its stdout and ctest would wait for them
# (that test "lasting" as long as the whole suite, or timing out).
"$WINESERVER" -p </dev/null >/dev/null 2>&1
"$WINE" wineboot </dev/null >/dev/null 2>&1 || true
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT

exclude=
for entry in ${WINE_SKIPS[@]+"${WINE_SKIPS[@]}"} ${ORACLE_SKIPS[@]+"${ORACLE_SKIPS[@]}"}; do
  name=${entry%% *}
  echo "skipped under wine: $name: ${entry#* }"
  exclude=${exclude:+$exclude|}^$name\$
done
log "running the tests under $WINE ($(elapsed))"
# shellcheck disable=SC2086
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" -LE script \
  ${exclude:+-E "$exclude"} ${UVBEV_CROSS_CTEST_ARGS:-}

# --- 6. the installed package, used from Windows programs -----------------------
# tests/consumer through find_package(uvbev) from an install prefix, linked to
# the DLL (uvbev::uvbev) and to the static library (uvbev::uvbev_static, which
# must bring UVBEV_STATIC), run under wine.
log "Windows consumers of the installed package ($(elapsed))"
UVBEV_PREFIX=$BUILD-prefix
rm -rf "$UVBEV_PREFIX"
cmake --install "$BUILD" --prefix "$UVBEV_PREFIX" >/dev/null
programs="$SRC/tests/consumer/timer.c;$SRC/test_package/test_package.c"
for target in uvbev::uvbev uvbev::uvbev_static; do
  bld=$BUILD-consumer-${target#uvbev::}
  cross_cmake "$SRC/tests/consumer" "$bld" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$UVBEV_PREFIX;$PREFIX" -DCMAKE_FIND_ROOT_PATH="$UVBEV_PREFIX;$PREFIX" \
    -DCONSUMER_TARGET="$target" -DCONSUMER_PROGRAMS="$programs"
  cmake --build "$bld" -j "$JOBS" >"$bld.build.log" 2>&1 || { cat "$bld.build.log" >&2; exit 1; }
  for dll in "$UVBEV_PREFIX"/bin/*.dll "$PREFIX"/bin/*.dll /usr/$TRIPLE/lib/zlib1.dll \
    /usr/$TRIPLE/lib/libwinpthread-1.dll; do
    [ -f "$dll" ] && cp -u "$dll" "$bld/"
  done
  for exe in timer test_package; do
    imports=$($TRIPLE-objdump -p "$bld/$exe.exe" | sed -n 's/.*DLL Name: //p' | tr '\n' ' ')
    echo "$target: $exe.exe (imports $imports)"
    case "$target:$imports" in
      uvbev::uvbev:*libuvbev.dll*) ;;
      uvbev::uvbev_static:*libuvbev.dll*) echo "the static consumer loads libuvbev.dll" >&2; exit 1 ;;
      uvbev::uvbev_static:*) ;;
      *) echo "the shared consumer does not load libuvbev.dll" >&2; exit 1 ;;
    esac
    timeout 120 "$WINE" "$bld/$exe.exe"
  done
done

log "cross build and wine tests passed ($(elapsed))"
