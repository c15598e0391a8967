#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packaging, proven with the real tools: vcpkg and Conan 2 from ../shared/tools
# (offline builds with wrappers; see their README), as a user runs them.
#
#   ci/packaging.sh [WORK_DIR]     (default: <source>/_packaging)
#
# vcpkg, for the triplets x64-linux (static) and x64-linux-dynamic:
#   - the overlay port made for HEAD (ci/vcpkg/make-port.sh: a source archive
#     of the commit and its SHA512), `vcpkg install uvbev` (default features:
#     openssl, zlib) and then "uvbev[core]";
#   - each time, tests/consumer built with vcpkg's toolchain file through
#     find_package(uvbev CONFIG), and the same programs through pkg-config
#     (--static for the static triplet, plus a fully static program), all run.
# Conan: `conan create .` static and with -o "uvbev/*:shared=True", each
#   building and running uvbev's suite inside Conan's graph (no libevent
#   oracle, cmocka from Conan) and test_package.
# Without ../shared/tools the stage says that it skipped, and exits 0.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${UVBEV_PACKAGING_TOOLS:-$SRC/../shared/tools}
WORK=${1:-$SRC/_packaging}
T0=$(date +%s)
log() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - T0))"; }

if [ ! -x "$TOOLS/vcpkg/run-vcpkg" ] || [ ! -x "$TOOLS/conan/run-conan" ]; then
  echo "packaging: SKIPPED: no offline vcpkg/Conan in $TOOLS (../shared/tools beside the clone)"
  exit 0
fi

# shellcheck source=ci/debian-source.sh
. "$SRC/ci/debian-source.sh"
apt_install_missing build-essential cmake ninja-build pkg-config git libcurl4 libuv1-dev libssl-dev \
  zlib1g-dev libcmocka-dev python3 python3-requests python3-urllib3 python3-colorama python3-yaml \
  python3-patch-ng python3-fasteners python3-distro python3-jinja2 python3-dateutil

rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export VCPKG_MAX_CONCURRENCY=${VCPKG_MAX_CONCURRENCY:-2}
PROGRAMS=("$SRC/tests/consumer/timer.c" "$SRC/test_package/test_package.c")

# --- vcpkg ------------------------------------------------------------------------
vcpkg_consumers() { # $1 triplet, $2 label; uses VCPKG_WORK
  local triplet=$1 label=$2 installed=$VCPKG_WORK/root/installed/$1 bld out flags src exe
  bld=$WORK/consumer-$label
  log "vcpkg $label: find_package consumer with vcpkg's toolchain"
  cmake -S "$SRC/tests/consumer" -B "$bld" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$VCPKG_WORK/root/scripts/buildsystems/vcpkg.cmake" \
    -DVCPKG_TARGET_TRIPLET="$triplet" -DCONSUMER_PROGRAMS="$(IFS=';'; echo "${PROGRAMS[*]}")" \
    >"$bld.configure.log" || { cat "$bld.configure.log"; return 1; }
  grep 'consumer:' "$bld.configure.log"
  cmake --build "$bld" -j2 >"$bld.build.log" || { cat "$bld.build.log"; return 1; }
  for src in "${PROGRAMS[@]}"; do
    LD_LIBRARY_PATH=$installed/lib "$bld/$(basename "${src%.c}")"
  done

  log "vcpkg $label: pkg-config consumers"
  out=$WORK/pkgconfig-$label
  mkdir -p "$out"
  local static=
  [ "$triplet" = x64-linux ] && static=--static
  flags=$(PKG_CONFIG_LIBDIR=$installed/lib/pkgconfig pkg-config $static --cflags --libs uvbev)
  echo "pkg-config $static --cflags --libs uvbev: $flags"
  for src in "${PROGRAMS[@]}"; do
    exe=$out/$(basename "${src%.c}")
    # shellcheck disable=SC2086
    cc "$src" -o "$exe" $flags
    LD_LIBRARY_PATH=$installed/lib "$exe"
    if [ -n "$static" ]; then
      # Fully static where the platform allows (glibc warns that getaddrinfo
      # still needs its shared NSS modules at run time).
      # shellcheck disable=SC2086
      cc -static "$src" -o "$exe-static" $flags 2>"$exe-static.log" || { cat "$exe-static.log"; return 1; }
      if ldd "$exe-static" 2>&1 | grep -q '=>'; then
        echo "FAILED: $exe-static is not static" >&2
        return 1
      fi
      "$exe-static"
    fi
  done
}

vcpkg_triplet() { # $1 triplet
  local triplet=$1
  export VCPKG_WORK=$WORK/vcpkg-$triplet
  mkdir -p "$VCPKG_WORK"
  "$SRC/ci/vcpkg/make-port.sh" "$VCPKG_WORK/ports" "$VCPKG_WORK/downloads"
  log "vcpkg install uvbev --triplet $triplet"
  "$TOOLS/vcpkg/run-vcpkg" install uvbev --overlay-ports="$VCPKG_WORK/ports" --triplet "$triplet" \
    >"$VCPKG_WORK/install-default.log" 2>&1 || { tail -60 "$VCPKG_WORK/install-default.log"; return 1; }
  grep -q 'MIT' "$VCPKG_WORK/root/installed/$triplet/share/uvbev/copyright" ||
    { echo "FAILED: the port did not install uvbev's licence" >&2; return 1; }
  vcpkg_consumers "$triplet" "$triplet-default"
  log "vcpkg install uvbev[core] --triplet $triplet"
  "$TOOLS/vcpkg/run-vcpkg" remove uvbev --triplet "$triplet" >/dev/null
  "$TOOLS/vcpkg/run-vcpkg" install "uvbev[core]" --overlay-ports="$VCPKG_WORK/ports" --triplet "$triplet" \
    >"$VCPKG_WORK/install-core.log" 2>&1 || { tail -60 "$VCPKG_WORK/install-core.log"; return 1; }
  if grep -q 'define UVBEV_WITH_OPENSSL 1' "$VCPKG_WORK/root/installed/$triplet/include/uvbev/uvbev/uvbev-config.h"; then
    echo "FAILED: uvbev[core] was built with OpenSSL" >&2
    return 1
  fi
  vcpkg_consumers "$triplet" "$triplet-core"
}
vcpkg_triplet x64-linux
vcpkg_triplet x64-linux-dynamic

# --- Conan --------------------------------------------------------------------------
export CONAN_WORK=$WORK/conan
conan_create() { # $1 label, rest: conan options
  local label=$1 logf=$WORK/conan-$1.log
  shift
  log "conan create . $* ($label)"
  (cd "$SRC" && "$TOOLS/conan/run-conan" create . --build=missing "$@") >"$logf" 2>&1 ||
    { tail -80 "$logf"; return 1; }
  grep -E 'tests passed|test_package: ' "$logf"
  # The suite inside conan create finds nothing outside Conan's graph.
  if ! grep -q 'libevent oracle for compat tests: FALSE' "$logf"; then
    echo "FAILED: the tests inside conan create looked for the system's libevent" >&2
    return 1
  fi
  grep -q 'test_package: echo ok' "$logf" || { echo "FAILED: test_package did not run" >&2; return 1; }
}
conan_create static
conan_create shared -o "uvbev/*:shared=True"

log "packaging passed: vcpkg (x64-linux, x64-linux-dynamic; default and core), Conan (static, shared)"
