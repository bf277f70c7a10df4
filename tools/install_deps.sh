#!/usr/bin/env bash
# Installs whatever the build and the test suite need and this machine lacks:
# Debian packages through apt-get (as root, on Debian 12), then the npm
# packages of the interop tests into tests/interop/node_modules (git-ignored).
# Safe to run again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang and libclang-rt-14-dev: libFuzzer for make fuzz and the test stage fuzz
# (libclang_rt.fuzzer-x86_64.a is in libclang-rt-14-dev, which clang only
# recommends, and recommends are not installed).
# nlohmann-json3-dev: the chat route's JSON (tools/chat). chromium: the headless
# browser of the chat page's test (tests/interop). openssl: the command, for
# tools/make_cert.sh (the wss:// stages' certificate) and the interop's
# s_client checks; libssl-dev does not bring it. tmux: the real terminal of
# wscat's interactive test (tests/interop/wscat_test.py).
bash tools/apt_install_missing.sh g++ make libssl-dev openssl liburing-dev libgtest-dev \
  libbenchmark-dev python3 python3-websockets clang libclang-rt-14-dev \
  nlohmann-json3-dev chromium tmux

if [ ! -d tests/interop/node_modules/ws ] || [ ! -d tests/interop/node_modules/playwright-core ]; then
  echo "install_deps: npm install (tests/interop)"
  (cd tests/interop && npm install --no-audit --no-fund --silent)
fi
