#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Consumer test: uvbev used from an install prefix, the way users use it.
#
#   ci/consumer-test.sh [EXTRA_PROGRAM.c ...]
#
# 1. configures, builds (library only) and installs uvbev, shared + static, into
#    WORK/prefix-all, and the static flavour alone into WORK/prefix-static;
#    on Linux, checks that libuvbev.so exports public API names only;
# 2. builds tests/consumer (find_package(uvbev CONFIG REQUIRED) + uvbev::uvbev):
#      shared  prefix-all,    uvbev::uvbev          (the shared library)
#      static  prefix-static, uvbev::uvbev          (falls back to the static one)
#      static  prefix-all,    uvbev::uvbev_static
# 3. builds the same programs with `cc prog.c $(pkg-config --cflags --libs uvbev)`
#    against prefix-all, and with `pkg-config --static` against prefix-static;
# 4. runs every program built (each must exit 0) and checks on Linux/macOS that
#    the shared builds load libuvbev and the static ones do not;
# 5. uses uvbev as a subproject, through add_subdirectory and through
#    FetchContent (from this git repository at HEAD), with uvbev's tests on:
#    the tests must be defined in the parent project and pass, and installing
#    the parent must not install uvbev (UVBEV_INSTALL is off in a subproject).
#
# The programs are tests/consumer/timer.c (a timer), test_package/test_package.c
# (a TCP client echoing through its own loopback listener; Conan's test program
# too) plus EXTRA_PROGRAM.c arguments.  Each is run without arguments, so it
# must be self-contained (start its own loopback server if it is a client).
# Only <event2/...> headers.  To add a program for good, add it to PROGRAMS.
#
# Environment:
#   UVBEV_CONSUMER_WORK        work directory (default <source>/_consumer)
#   UVBEV_CONSUMER_CMAKE_ARGS  extra arguments for every cmake configure
#                              (toolchain file, -DUVBEV_WITH_OPENSSL=OFF, ...);
#                              dependency roots go in the CMAKE_PREFIX_PATH
#                              environment variable, not here (the script sets
#                              the cache variable to the uvbev prefix)
#   UVBEV_CONSUMER_PKG_CONFIG  0 to skip the pkg-config builds (MSVC)
#   CC                         compiler for the pkg-config builds (default cc)
#   UVBEV_CONSUMER_JOBS        build parallelism (default 2)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${UVBEV_CONSUMER_WORK:-$SRC/_consumer}
JOBS=${UVBEV_CONSUMER_JOBS:-2}
CC=${CC:-cc}
# shellcheck disable=SC2206
CMAKE_ARGS=(${UVBEV_CONSUMER_CMAKE_ARGS:-})
PROGRAMS=("$SRC/tests/consumer/timer.c" "$SRC/test_package/test_package.c")
for extra in "$@"; do PROGRAMS+=("$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")"); done

T0=$(date +%s)
log() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - T0))"; }
case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*) EXE=.exe OS=windows ;;
  Darwin) EXE='' OS=macos ;;
  *) EXE='' OS=linux ;;
esac

rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
ALL=$WORK/prefix-all
STATIC=$WORK/prefix-static

# --- 1. uvbev, installed --------------------------------------------------------
log "building uvbev (shared + static)"
cmake -S "$SRC" -B "$WORK/build-uvbev" -DCMAKE_BUILD_TYPE=Release \
  -DUVBEV_BUILD_SHARED=ON -DUVBEV_BUILD_STATIC=ON \
  -DUVBEV_BUILD_TESTS=OFF -DUVBEV_BUILD_EXAMPLES=OFF -DUVBEV_BUILD_BENCH=OFF \
  ${CMAKE_ARGS[@]+"${CMAKE_ARGS[@]}"} >"$WORK/build-uvbev.configure.log" ||
  { cat "$WORK/build-uvbev.configure.log"; exit 1; }
cmake --build "$WORK/build-uvbev" --config Release -j "$JOBS"
cmake --install "$WORK/build-uvbev" --config Release --prefix "$ALL" >/dev/null
for component in uvbev_common uvbev_static; do
  cmake --install "$WORK/build-uvbev" --config Release --prefix "$STATIC" --component $component >/dev/null
done
WITH_OPENSSL=$(sed -n -E 's/^#define UVBEV_WITH_OPENSSL ([01])/\1/p' "$ALL/include/uvbev/uvbev/uvbev-config.h")

# The shared library exports the public API only (Linux: nm -D).
if [ "$OS" = linux ] && command -v nm >/dev/null; then
  bash "$SRC/ci/check-exports.sh" "$(find "$ALL" -name 'libuvbev.so.*.*.*' | head -1)" "$ALL/include/uvbev"
fi


# The shared library as the loader lists it: libuvbev.so.0.1, libuvbev.0.1.dylib,
# libuvbev.dll (MinGW), uvbev.dll (MSVC).
UVBEV_LIB_RE='uvbev[^/\\ ]*\.(so|dylib|dll)'
# Which libraries does a program load?  Empty when the platform tool is missing.
loaded_libs() {
  case $OS in
    linux) command -v ldd >/dev/null && ldd "$1" ;;
    macos) otool -L "$1" ;;
    windows) command -v objdump >/dev/null && objdump -p "$1" | grep 'DLL Name' ;;
  esac || true
}

# Runs a program built against PREFIX; $3 is shared|static.
run_program() {
  local exe=$1 prefix=$2 kind=$3 libs
  libs=$(loaded_libs "$exe")
  if [ -n "$libs" ]; then
    if [ "$kind" = shared ] && ! grep -qiE "$UVBEV_LIB_RE" <<<"$libs"; then
      echo "FAILED: $exe was meant to load the shared libuvbev:" >&2
      echo "$libs" >&2
      return 1
    fi
    if [ "$kind" = static ] && grep -qiE "$UVBEV_LIB_RE" <<<"$libs"; then
      echo "FAILED: $exe was meant to contain the static libuvbev:" >&2
      echo "$libs" >&2
      return 1
    fi
  fi
  echo "running $exe"
  LD_LIBRARY_PATH="$prefix/lib:$prefix/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    DYLD_LIBRARY_PATH="$prefix/lib${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}" \
    PATH="$prefix/bin:$PATH" \
    "$exe"
}

# --- 2. find_package --------------------------------------------------------------
consumer_cmake() { # $1 name, $2 prefix, $3 target, $4 shared|static
  local name=$1 prefix=$2 target=$3 kind=$4 bld=$WORK/consumer-$1 src
  log "find_package consumer: $name ($target from ${prefix##*/})"
  cmake -S "$SRC/tests/consumer" -B "$bld" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_TARGET="$target" \
    -DCONSUMER_PROGRAMS="$(IFS=';'; echo "${PROGRAMS[*]}")" \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$bld/bin" \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY_RELEASE="$bld/bin" \
    ${CMAKE_ARGS[@]+"${CMAKE_ARGS[@]}"} >"$bld.configure.log" || { cat "$bld.configure.log"; return 1; }
  grep 'consumer:' "$bld.configure.log" || true
  cmake --build "$bld" --config Release -j "$JOBS"
  for src in "${PROGRAMS[@]}"; do
    run_program "$bld/bin/$(basename "${src%.c}")$EXE" "$prefix" "$kind"
  done
}
consumer_cmake shared "$ALL" uvbev::uvbev shared
consumer_cmake static-only-prefix "$STATIC" uvbev::uvbev static
consumer_cmake static-target "$ALL" uvbev::uvbev_static static

# --- 3. pkg-config -------------------------------------------------------------------
pc_dir() { dirname "$(find "$1" -name uvbev.pc | head -1)"; }
consumer_pkg_config() { # $1 name, $2 prefix, $3 shared|static
  local name=$1 prefix=$2 kind=$3 out=$WORK/pkg-config-$1 src flags static_flag=
  [ "$kind" = static ] && static_flag=--static
  log "pkg-config consumer: $name (${prefix##*/})"
  mkdir -p "$out"
  for src in "${PROGRAMS[@]}"; do
    flags=$(PKG_CONFIG_PATH="$(pc_dir "$prefix")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
      pkg-config $static_flag --cflags --libs uvbev)
    case "$(basename "$src")" in
      *ssl* | *tls*) flags="$flags $(pkg-config --libs openssl)" ;;
    esac
    echo "$CC $src -o $out/$(basename "${src%.c}")$EXE $flags"
    # shellcheck disable=SC2086
    "$CC" "$src" -o "$out/$(basename "${src%.c}")$EXE" $flags
    run_program "$out/$(basename "${src%.c}")$EXE" "$prefix" "$kind"
  done
}
if [ "${UVBEV_CONSUMER_PKG_CONFIG:-1}" != 0 ]; then
  consumer_pkg_config shared "$ALL" shared
  consumer_pkg_config static "$STATIC" static
fi

# --- 5. subproject ---------------------------------------------------------------
# A sample of uvbev's own tests is run: the whole suite runs elsewhere in the
# gate, this checks that a parent project gets it.
consumer_subproject() { # $1 subdirectory|fetchcontent, $2 source
  local how=$1 source=$2 bld=$WORK/consumer-$1 count
  log "subproject consumer: $how"
  cmake -S "$SRC/tests/consumer" -B "$bld" -DCMAKE_BUILD_TYPE=Release \
    -DCONSUMER_UVBEV="$how" -DCONSUMER_UVBEV_SOURCE="$source" \
    -DCONSUMER_UVBEV_GIT_TAG="$(git -C "$SRC" rev-parse HEAD)" \
    -DCONSUMER_PROGRAMS="$(IFS=';'; echo "${PROGRAMS[*]}")" \
    -DUVBEV_BUILD_TESTS=ON -DUVBEV_TEST_ORACLE=OFF \
    ${CMAKE_ARGS[@]+"${CMAKE_ARGS[@]}"} >"$bld.configure.log" || { cat "$bld.configure.log"; return 1; }
  local targets=(unit_evbuffer_uv compat_evbuffer_basic compat_event_timers)
  for src in "${PROGRAMS[@]}"; do targets+=("$(basename "${src%.c}")"); done
  cmake --build "$bld" --config Release -j "$JOBS" --target "${targets[@]}" >"$bld.build.log" ||
    { tail -40 "$bld.build.log"; return 1; }
  count=$(ctest --test-dir "$bld" -N | sed -n -E 's/^Total Tests: ([0-9]+)/\1/p')
  echo "$how: $count uvbev tests defined in the parent project"
  [ "${count:-0}" -ge 20 ] || { echo "FAILED: uvbev's tests are missing from the parent project" >&2; return 1; }
  ctest --test-dir "$bld" --output-on-failure -j "$JOBS" -R '^(unit_evbuffer_uv|compat_evbuffer_basic|compat_event_timers)$'
  cmake --install "$bld" --config Release --prefix "$bld-install" >/dev/null
  if [ -n "$(find "$bld-install" -type f 2>/dev/null | head -1)" ]; then
    echo "FAILED: installing the parent project installed uvbev's files:" >&2
    find "$bld-install" -type f | head >&2
    return 1
  fi
  for src in "${PROGRAMS[@]}"; do
    "$bld/$(basename "${src%.c}")$EXE"
  done
}
if git -C "$SRC" rev-parse HEAD >/dev/null 2>&1; then
  consumer_subproject subdirectory "$SRC"
  consumer_subproject fetchcontent "$SRC"
else
  echo "consumer-test: not a git checkout, FetchContent and add_subdirectory consumers skipped"
fi

log "consumer test passed (OpenSSL in this build: ${WITH_OPENSSL:-?})"
