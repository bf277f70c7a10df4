#!/usr/bin/env bash
# Installs whatever the build and the test suite need and this machine lacks:
# Debian packages through apt-get (as root, on Debian 12), then the npm
# packages of the interop tests into tests/interop/node_modules (git-ignored).
# Safe to run again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/apt_install_missing.sh g++ make libssl-dev liburing-dev libgtest-dev \
  libbenchmark-dev python3 python3-websockets

if [ ! -d tests/interop/node_modules/ws ]; then
  echo "install_deps: npm install (tests/interop)"
  (cd tests/interop && npm install --no-audit --no-fund --silent)
fi
