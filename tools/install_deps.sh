#!/usr/bin/env bash
# Installs whatever the build and the test suite need and this machine lacks:
# Debian packages through apt-get (as root, on Debian 12), then the npm
# packages of the interop tests into tests/interop/node_modules (git-ignored).
# Safe to run again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ make libssl-dev liburing-dev libgtest-dev libbenchmark-dev
          python3 python3-websockets)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm  >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d tests/interop/node_modules/ws ]; then
  echo "install_deps: npm install (tests/interop)"
  (cd tests/interop && npm install --no-audit --no-fund --silent)
fi
