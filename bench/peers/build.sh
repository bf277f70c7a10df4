#!/usr/bin/env bash
# Builds the peer echo servers of the comparison into OUT (default
# build/peers), each from this machine's Debian packages, offline.
# A peer that fails to build is reported and skipped; the others still build.
# A binary newer than its source is kept (Beast alone takes a minute).
#
#   bench/peers/build.sh [OUT]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:-build/peers}"
mkdir -p "$out"
CXX="${CXX:-g++}"
CXXFLAGS=(-O2 -DNDEBUG -pthread -Wall -Wextra)

# build NAME SOURCE COMMAND...: runs COMMAND (output in OUT/NAME.log) unless
# OUT/NAME is newer than SOURCE.
build() {
  local name="$1" src="$2"; shift 2
  if [ -x "$out/$name" ] && [ "$out/$name" -nt "$src" ]; then
    return 0
  fi
  echo "peers: building $name"
  rm -f "$out/$name"
  if ! "$@" >"$out/$name.log" 2>&1; then
    echo "peers: $name failed to build (see $out/$name.log); it will be marked missing"
    rm -f "$out/$name"
  fi
}

# Go: GOPATH mode against Debian's /usr/share/gocode, no module proxy, no network.
build gorilla-echo bench/peers/gorilla/main.go \
  env GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
      GOCACHE="$root/$out/gocache" go build -o "$out/gorilla-echo" ./bench/peers/gorilla

# Boost.Beast and websocketpp are header-only over Boost.Asio (Boost 1.74).
# websocketpp 0.8.2 predates C++20 (constructors spelled with template ids,
# basic<c, n>(...) in logger/basic.hpp, are ill-formed there): C++17.
# These two take most of the build time, so they compile side by side.
build beast-echo bench/peers/beast/echo.cpp \
  "$CXX" -std=c++20 "${CXXFLAGS[@]}" bench/peers/beast/echo.cpp -o "$out/beast-echo" &
build websocketpp-echo bench/peers/websocketpp/echo.cpp \
  "$CXX" -std=c++17 "${CXXFLAGS[@]}" bench/peers/websocketpp/echo.cpp -o "$out/websocketpp-echo" &

build lws-echo bench/peers/lws/echo.cpp \
  bash -c "$CXX -std=c++20 ${CXXFLAGS[*]} bench/peers/lws/echo.cpp -o $out/lws-echo \$(pkg-config --cflags --libs libwebsockets)"

build tcp-echo bench/peers/tcp/echo.cpp \
  "$CXX" -std=c++20 "${CXXFLAGS[@]}" bench/peers/tcp/echo.cpp -o "$out/tcp-echo"

wait

# Node ws needs no build, only its package (bench/peers/install.sh).
if [ ! -d bench/peers/node/node_modules/ws ]; then
  echo "peers: bench/peers/node/node_modules/ws is missing; node-ws will be marked missing"
fi
exit 0
