#!/usr/bin/env bash
# Publish/subscribe figures against wsserver's /broadcast, one server loop
# pinned to core 0 and wsload to core 1 (docs/BENCHMARKS.md). One run each:
#
#   bash bench/pubsub.sh latency SUBSCRIBERS PUBLISHERS RATE
#       wsload --subscribers: publish-to-receipt latency p50/p99/p99.9/max,
#       deliveries/s, lost and reordered, over a 5 s window, and the
#       server's CPU time over the whole run (ramp-up included)
#   bash bench/pubsub.sh rss PATH CONNECTIONS
#       the server's VmRSS before, and with CONNECTIONS idle connections on
#       PATH (/echo: connections only; /broadcast: each also subscribed)
#   bash bench/pubsub.sh copied SIZE CONNECTIONS
#       wsload --broadcast for 50 rounds, then the server's "publish bytes
#       copied" counter (printed at SIGTERM) per delivery through the topic
#       (the sender's own copy is a plain send, not a publish: N - 1 of
#       every N deliveries)
#
# WSSERVER and WSLOAD name the binaries (build/wsserver, build/wsload).
set -euo pipefail
what=$1
shift
wsserver=${WSSERVER:-build/wsserver} wsload=${WSLOAD:-build/wsload}
server_pin=() load_pin=()
if [ "$(nproc)" -gt 1 ]; then server_pin=(taskset -c 0) load_pin=(taskset -c 1); fi
out=$(mktemp -d)
"${server_pin[@]}" "$wsserver" --port 0 >"$out/server" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 50); do grep -q listening "$out/server" && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\) (.*/\1/p' "$out/server")
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
stop_server() {
  kill -TERM "$pid"
  wait "$pid" || true
}

case $what in
latency)
  subscribers=$1 publishers=$2 rate=$3
  before=$(cpu)
  "${load_pin[@]}" "$wsload" "ws://127.0.0.1:$port/broadcast" --subscribers "$subscribers" \
    --publishers "$publishers" --rate "$rate" --duration 5 --connect-rate 5000 --json \
    | tail -1 >"$out/load.json" || true
  after=$(cpu)
  stop_server
  python3 - "$out/load.json" "$before" "$after" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
l = j['latency_us']
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / 100.0
print(f"subscribers {j['subscribers']} publishers {j['publishers']} rate {j['rate']:.0f}: "
      f"{j['deliveries_per_sec']:.0f} deliveries/s, latency p50 {l['p50'] / 1000:.2f} ms, "
      f"p99 {l['p99'] / 1000:.2f} ms, p99.9 {l['p999'] / 1000:.2f} ms, max {l['max'] / 1000:.2f} ms, "
      f"lost {j['lost']}, reordered {j['reordered']}, corrupt {j['corrupt']}, errors {j['errors']}, "
      f"server CPU {cpu:.2f} s")
PY
  ;;
rss)
  path=$1 connections=$2
  idle=$(rss)
  # Ramp-up at 5000/s, then idle: sampled 2 s after the last connect.
  ramp=$(( connections / 5000 + 3 ))
  "${load_pin[@]}" "$wsload" "ws://127.0.0.1:$port$path" --idle --connections "$connections" \
    --connect-rate 5000 --duration $(( ramp + 2 )) --json >"$out/load.json" &
  load=$!
  sleep "$ramp"
  loaded=$(rss)
  wait "$load" || true
  stop_server
  echo "path $path connections $connections: RSS $idle KiB before, $loaded KiB with them:" \
    "$(( (loaded - idle) * 1024 / connections )) bytes each"
  ;;
copied)
  size=$1 connections=$2
  "${load_pin[@]}" "$wsload" "ws://127.0.0.1:$port/broadcast" --broadcast --connections "$connections" \
    --size "$size" --rounds 50 --json | tail -1 >"$out/load.json"
  stop_server
  copied=$(sed -n 's/.*publish bytes copied \([0-9]*\).*/\1/p' "$out/server")
  python3 - "$out/load.json" "$copied" "$connections" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
copied, n = int(sys.argv[2]), int(sys.argv[3])
# Every round, warm-up none: 50 x N messages, each to N - 1 others by publish.
published = j['rounds'] * n * (n - 1)
print(f"size {j['size']} connections {n}: {j['deliveries']} deliveries, {published} through the "
      f"topic, publish bytes copied {copied}: {copied / published:.2f} per topic delivery")
PY
  ;;
*)
  echo "usage: bash bench/pubsub.sh latency|rss|copied ..." >&2
  exit 2
  ;;
esac
