#!/usr/bin/env bash
# Installs what the peer comparison (make compare) needs and this machine
# lacks: the peers' Debian packages through apt-get (as root, on Debian 12),
# then Node's ws into bench/peers/node/node_modules (git-ignored).
# Safe to run again: it only acts on what is missing. It never fails the
# comparison: a peer whose package could not be installed is reported missing.
set -uo pipefail
cd "$(dirname "$0")"

bash ../../tools/apt_install_missing.sh golang-go golang-github-gorilla-websocket-dev \
  libboost-dev libwebsocketpp-dev libwebsockets-dev gnuplot-nox util-linux ||
  echo "peers/install: apt-get failed; the peers it would build are skipped"

if [ ! -d node/node_modules/ws ] && command -v npm >/dev/null 2>&1; then
  echo "peers/install: npm install (bench/peers/node)"
  (cd node && npm install --no-audit --no-fund --silent) ||
    echo "peers/install: npm install failed; the Node peer is skipped"
fi
exit 0
