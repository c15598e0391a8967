# SPDX-License-Identifier: MIT
# Sourced, not run: fetching Debian source packages on a Debian host.
#
#   . ci/debian-source.sh
#   enable_deb_src                  # adds a deb-src twin of Debian's archive entry
#   dir=$(fetch_source DIR PACKAGE) # `apt-get source PACKAGE` into DIR, once
#
# Used by ci/cross-windows.sh (libuv, cmocka) and ci/libevent-regress.sh
# (libevent's regression tests).

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs those of the given Debian packages that are not installed yet (apt,
# root or sudo); nothing when all are there.  Progress goes to stderr.
apt_install_missing() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "installing ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Debian 12 lists its archive in deb822 form (debian.sources); older images use
# sources.list.  The deb-src twin goes into a file of our own.
enable_deb_src() {
  local deb822=/etc/apt/sources.list.d/debian.sources
  local ours=/etc/apt/sources.list.d/uvbev-deb-src
  if grep -rqs -E '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  echo "enabling deb-src for Debian's archive" >&2
  if [ -f "$deb822" ]; then
    sed -E 's/^Types:.*/Types: deb-src/' "$deb822" | as_root tee "$ours.sources" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    sed -n -E 's/^deb (.*)/deb-src \1/p' /etc/apt/sources.list | as_root tee "$ours.list" >/dev/null
  else
    echo "no Debian apt source found to twin" >&2
    return 1
  fi
  as_root apt-get update -qq
}

# `apt-get source PACKAGE`; when the newest version cannot be fetched (a mirror
# may list a security update whose files it does not carry yet: seen with
# openssl), the other versions apt knows, newest first.
fetch_source_any_version() { # $1: directory, $2: source package name
  local into=$1 pkg=$2 version
  (cd "$into" && apt-get source -qq "$pkg" >&2) && return 0
  for version in $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -rV); do
    echo "apt-get source $pkg failed; trying $pkg=$version" >&2
    (cd "$into" && apt-get source -qq "$pkg=$version" >&2) && return 0
  done
  return 1
}

# Prints the unpacked source directory of PACKAGE under DIR, fetching it with
# `apt-get source` (after enable_deb_src) only when no unpacked copy is there.
fetch_source() { # $1: directory, $2: source package name
  local into=$1 pkg=$2 dir
  dir=$(find "$into" -maxdepth 1 -type d -name "$pkg-*" 2>/dev/null | sort | tail -1)
  if [ -z "$dir" ]; then
    enable_deb_src >&2
    apt_install_missing dpkg-dev # apt-get source unpacks with dpkg-source
    mkdir -p "$into"
    fetch_source_any_version "$into" "$pkg"
    dir=$(find "$into" -maxdepth 1 -type d -name "$pkg-*" | sort | tail -1)
  fi
  [ -n "$dir" ] || { echo "apt-get source $pkg gave no directory in $into" >&2; return 1; }
  echo "$dir"
}
