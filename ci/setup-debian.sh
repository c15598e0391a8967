#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building and testing uvbev needs on Debian 12 (as root, or
# with sudo).  libevent-dev is only the test oracle and benchmark peer;
# doxygen checks that the public headers are documented (ci/check-docs.sh).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config ca-certificates \
  libuv1-dev libssl-dev zlib1g-dev libcmocka-dev libevent-dev \
  openssl gzip python3 doxygen >/dev/null
echo "setup-debian: dependencies installed"
