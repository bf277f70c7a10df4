#!/usr/bin/env bash
# Instructions per echoed message, counted by callgrind rather than timed:
# repeatable on a busy machine, where wall-clock ratios are not. Runs each
# given wsserver under `valgrind --tool=callgrind`, drives it with wsload for
# a fixed time, and prints the server's user-space instructions (Ir) divided
# by the messages wsload counted. The kernel's share (the recv and send of
# every message) is not in Ir: this measures what our code adds.
#
#   bash bench/callgrind_echo.sh "WSLOAD_FLAGS" WSSERVER...
#   bash bench/callgrind_echo.sh "--connections 100 --size 20 --text" /tmp/before/wsserver build/wsserver
# A WSSERVER word may carry the server's own flags: "build/wsserver --backend epoll".
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n 2,12p "$0"
  exit 2
fi
flags=$1
shift
wsload=${WSLOAD:-build/wsload}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

port=19200
for server_command in "$@"; do
  read -r -a server <<<"$server_command"
  port=$((port + 1))
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "${server[@]}" --port "$port" \
    >"$out/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do  # valgrind starts slowly
    grep -q listening "$out/server.log" 2>/dev/null && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  "$wsload" "ws://127.0.0.1:$port/echo" $flags --duration 5 --json >"$out/load.json"
  kill -INT "$pid"
  wait "$pid" || true
  python3 - "$server_command" "$out/cg" "$out/load.json" <<'EOF'
import json, re, sys
server, cg, load = sys.argv[1:]
messages = json.loads(open(load).read().strip().splitlines()[-1])["messages"]
ir = int(re.search(r"^(?:summary|totals): (\d+)", open(cg).read(), re.M).group(1))
print(f"{server}: {messages} messages, {ir} Ir, {ir / messages:.0f} Ir per message")
EOF
done
