#!/usr/bin/env bash
# One run of wsload's broadcast rounds against wsserver's /broadcast:
# with one server loop, the server is pinned to core 0 and wsload to core 1;
# with two, both use both cores (this machine has two). Prints deliveries/s,
# round-time p50 and p99, lost messages, the server's CPU time over the run
# (warm-up included), deliveries per server CPU-second (deliveries/s times
# the 4 s of warm-up and window, over that CPU time: the warm-up is assumed
# to deliver at the window's rate) and the server's RSS at the end.
#
#   bash bench/broadcast.sh THREADS CONNECTIONS SIZE
#
# WSSERVER and WSLOAD name the binaries (build/wsserver, build/wsload).
set -euo pipefail
threads=$1 connections=$2 size=$3
wsserver=${WSSERVER:-build/wsserver} wsload=${WSLOAD:-build/wsload}
server_pin=() load_pin=()
if [ "$threads" = 1 ] && [ "$(nproc)" -gt 1 ]; then server_pin=(taskset -c 0) load_pin=(taskset -c 1); fi
out=$(mktemp -d)
"${server_pin[@]}" "$wsserver" --port 0 --threads "$threads" >"$out/server" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 50); do grep -q listening "$out/server" && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\) (.*/\1/p' "$out/server")
cpu_before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
"${load_pin[@]}" "$wsload" "ws://127.0.0.1:$port/broadcast" --broadcast --connections "$connections" \
  --size "$size" --duration 3 --warmup 1 --json | tail -1 >"$out/load.json"
cpu_after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true
python3 - "$out/load.json" "$threads" "$connections" "$size" "$cpu_before" "$cpu_after" "$rss" <<'PY'
import json, sys
load, threads, connections, size, before, after, rss = sys.argv[1:]
j = json.load(open(load))
tick = 100.0  # USER_HZ
cpu = (int(after) - int(before)) / tick
per_cpu = j['deliveries_per_sec'] * (j['duration_s'] + j['warmup_s']) / cpu if cpu > 0 else 0
print(f"threads {threads} connections {connections} size {size}: "
      f"{j['deliveries_per_sec']:.0f} deliveries/s, round p50 {j['round_us']['p50']:.0f} us, "
      f"p99 {j['round_us']['p99']:.0f} us, lost {j['lost']}, "
      f"server CPU {cpu:.2f} s, {per_cpu:.0f} deliveries per server CPU-second, RSS {rss} KiB")
PY
