# SPDX-License-Identifier: MIT
# Debian source packages for the gate's stages, sourced by their scripts:
#   . ci/debian-source.sh
#   debian_source_enable                  # a deb-src twin of the archive entry
#   dir=$(debian_source_fetch PKG DEST)   # `apt-get source PKG` into DEST, once
# Needs root or sudo for the apt configuration; nothing is changed when deb-src
# entries exist already.  The unpacked tree is reused when DEST has one.

debian_source_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian 12 lists its archive in deb822 form (debian.sources); older images use
# sources.list.  The deb-src twin goes into a file of our own.
debian_source_enable() {
  local deb822=/etc/apt/sources.list.d/debian.sources
  local ours=/etc/apt/sources.list.d/uvbev-deb-src
  if grep -rqs -E '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  echo "enabling deb-src for Debian's archive" >&2
  if [ -f "$deb822" ]; then
    sed -E 's/^Types:.*/Types: deb-src/' "$deb822" | debian_source_as_root tee "$ours.sources" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    sed -n -E 's/^deb (.*)/deb-src \1/p' /etc/apt/sources.list | debian_source_as_root tee "$ours.list" >/dev/null
  else
    echo "no Debian apt source found to twin" >&2
    return 1
  fi
  debian_source_as_root apt-get update -qq
}

# Prints the unpacked directory.  When the newest version cannot be fetched
# (a mirror may list a security update whose files it does not carry yet), the
# other versions apt knows are tried, newest first.
debian_source_fetch() {
  local pkg=$1 dest=$2 dir version
  dir=$(find "$dest" -maxdepth 1 -type d -name "$pkg-[0-9]*" 2>/dev/null | sort -V | tail -1)
  if [ -z "$dir" ]; then
    debian_source_enable
    mkdir -p "$dest"
    if ! (cd "$dest" && apt-get source -qq "$pkg" >&2); then
      for version in $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -rV); do
        echo "apt-get source $pkg failed; trying $pkg=$version" >&2
        (cd "$dest" && apt-get source -qq "$pkg=$version" >&2) && break
      done
    fi
    dir=$(find "$dest" -maxdepth 1 -type d -name "$pkg-[0-9]*" | sort -V | tail -1)
  fi
  [ -n "$dir" ] || { echo "could not fetch Debian's source of $pkg" >&2; return 1; }
  echo "$dir"
}
