# shellcheck shell=bash
# Debian package helpers shared by the ci/ scripts that need system packages or
# Debian source packages.  Source it (`. ci/debian-apt.sh`); it defines:
#
#   as_root CMD...            runs CMD as root (directly, or through sudo)
#   apt_install_missing PKG...
#                             installs the packages that are not installed yet
#                             (apt-get update first; nothing when all are there)
#   enable_deb_src            adds a deb-src twin of Debian's archive entry when
#                             no deb-src line exists, then apt-get update
#   fetch_source DIR PKG      prints the directory of Debian source package PKG
#                             unpacked in DIR, running `apt-get source` there
#                             (and enable_deb_src) only when it is not yet there
#
# Debian 12 lists its archive in deb822 form (debian.sources); older images use
# sources.list.  The deb-src twin goes into a file of our own.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install_missing() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  printf '\n== installing %s\n' "${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

enable_deb_src() {
  local deb822=/etc/apt/sources.list.d/debian.sources
  local ours=/etc/apt/sources.list.d/uvbev-deb-src
  if grep -rqs -E '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  printf '\n== enabling deb-src for Debian'"'"'s archive\n'
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

fetch_source() {
  local top=$1 pkg=$2 dir
  dir=$(find "$top" -maxdepth 1 -type d -name "$pkg-*" 2>/dev/null | sort | tail -1)
  if [ -z "$dir" ]; then
    enable_deb_src >&2
    mkdir -p "$top"
    (cd "$top" && apt-get source -qq "$pkg" >&2)
    dir=$(find "$top" -maxdepth 1 -type d -name "$pkg-*" | sort | tail -1)
  fi
  echo "$dir"
}
