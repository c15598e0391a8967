#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes uvbev's vcpkg overlay port for one commit, the way a registry port
# pins a release: a source archive of that commit and its SHA512.
#
#   ci/vcpkg/make-port.sh PORTS_DIR DOWNLOADS_DIR [REV]
#
# Writes PORTS_DIR/uvbev/ (from ci/vcpkg/port/) and DOWNLOADS_DIR/<archive>,
# a `git archive` of REV (default HEAD; uncommitted changes are not in it).
# Then: vcpkg install uvbev --overlay-ports=PORTS_DIR, with DOWNLOADS_DIR as
# vcpkg's downloads directory ($VCPKG_ROOT/downloads, or $VCPKG_DOWNLOADS):
# vcpkg finds the archive there and checks its hash instead of fetching it.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ports=${1:?usage: make-port.sh PORTS_DIR DOWNLOADS_DIR [REV]}
downloads=${2:?usage: make-port.sh PORTS_DIR DOWNLOADS_DIR [REV]}
rev=${3:-HEAD}

commit=$(git -C "$SRC" rev-parse --verify "$rev^{commit}")
version=$(sed -n -E 's/^project\(uvbev VERSION ([0-9.]+).*/\1/p' "$SRC/CMakeLists.txt")
name=uvbev-$version-${commit:0:12}.tar.gz
mkdir -p "$ports/uvbev" "$downloads"
downloads=$(cd "$downloads" && pwd)
git -C "$SRC" archive --format=tar --prefix="uvbev-$version/" "$commit" | gzip -n -6 >"$downloads/$name"
sha512=$(sha512sum "$downloads/$name" | cut -d' ' -f1)

subst() {
  sed -e "s|@UVBEV_VERSION@|$version|g" -e "s|@UVBEV_COMMIT@|$commit|g" \
    -e "s|@UVBEV_ARCHIVE_NAME@|$name|g" -e "s|@UVBEV_ARCHIVE_SHA512@|$sha512|g" \
    -e "s|@UVBEV_ARCHIVE_URL@|file://$downloads/$name|g" "$1"
}
subst "$SRC/ci/vcpkg/port/portfile.cmake.in" >"$ports/uvbev/portfile.cmake"
subst "$SRC/ci/vcpkg/port/vcpkg.json.in" >"$ports/uvbev/vcpkg.json"
cp "$SRC/ci/vcpkg/port/usage" "$ports/uvbev/usage"
echo "make-port: $ports/uvbev for uvbev $version at ${commit:0:12} ($downloads/$name)"
