#!/usr/bin/env bash
# Installs what the peer comparison (make compare) needs and this machine
# lacks: the peers' Debian packages through apt-get (as root, on Debian 12),
# then Node's ws into bench/peers/node/node_modules (git-ignored).
# Safe to run again: it only acts on what is missing. It never fails the
# comparison: a peer whose package could not be installed is reported missing.
set -uo pipefail
cd "$(dirname "$0")"

packages=(golang-go golang-github-gorilla-websocket-dev libboost-dev
          libwebsocketpp-dev libwebsockets-dev gnuplot-nox util-linux)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm  >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "peers/install: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" || echo "peers/install: apt-get failed; the peers it would build are skipped"
fi

if [ ! -d node/node_modules/ws ] && command -v npm >/dev/null 2>&1; then
  echo "peers/install: npm install (bench/peers/node)"
  (cd node && npm install --no-audit --no-fund --silent) ||
    echo "peers/install: npm install failed; the Node peer is skipped"
fi
exit 0
