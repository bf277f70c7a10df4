#!/usr/bin/env bash
# TLS (issue 10) against plain, same server binary, same run: servers pinned
# to core 0, wsload and openssl to core 1 (docs/BENCHMARKS.md, "TLS (issue
# 10)"). Loopback only; every load is bounded in time and connections.
#
#   bash bench/tls.sh echo RUNS
#       scenarios A (100 connections, 20 B text, --pipeline 1) and C (10
#       connections, 64 KiB binary), ws:// and wss:// interleaved (A plain,
#       A TLS, C plain, C TLS, then the next run), each --warmup 1
#       --duration 5 against its own server process (one plain, one with
#       --tls-cert): msg/s, and msg per server CPU-second (utime + stime from
#       /proc/PID/stat read around the wsload run, ramp-up and handshakes
#       included). One line per run and scenario, then the medians and the
#       ratios TLS/plain.
#   bash bench/tls.sh handshakes RUNS
#       openssl s_time -new (full handshakes) and -reuse (resumed), -tls1_3
#       and -tls1_2, -time 5 -www / each, against the TLS server (s_time
#       sends "GET /", the static files answer): connections per second of
#       wall clock, and how many s_time saw resumed; medians.
#   bash bench/tls.sh rss CONNECTIONS [CONNECT_RATE]
#       VmRSS of each server before, and with CONNECTIONS idle connections
#       (wsload --idle at CONNECT_RATE connects/s, default 5000; sampled 2 s
#       after wsload says all are open; then SIGINT ends it): bytes per
#       connection, plain and TLS.
#
# WSSERVER and WSLOAD name the binaries (build/wsserver, build/wsload);
# CERT_DIR the make_cert.sh directory (made in a temporary one if unset).
set -euo pipefail
what=${1:-}
shift || true
wsserver=${WSSERVER:-build/wsserver} wsload=${WSLOAD:-build/wsload}
server_pin=() load_pin=()
if [ "$(nproc)" -gt 1 ]; then server_pin=(taskset -c 0) load_pin=(taskset -c 1); fi
out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
cert=${CERT_DIR:-$out/cert}
bash "$(dirname "$0")/../tools/make_cert.sh" "$cert" >/dev/null

# start NAME ARGS...: a server, its pid in pid_NAME and its port in port_NAME.
start() {
  local name=$1
  shift
  "${server_pin[@]}" "$wsserver" --port 0 "$@" >"$out/$name.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do grep -q listening "$out/$name.log" && break; sleep 0.1; done
  printf -v "pid_$name" %s "$pid"
  printf -v "port_$name" %s "$(sed -n 's/.*:\([0-9]*\) (.*/\1/p' "$out/$name.log")"
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

start plain
start tls --tls-cert "$cert/cert.pem" --tls-key "$cert/key.pem"
grep -q TLS "$out/tls.log" || { echo "bench/tls.sh: the TLS server did not say TLS" >&2; exit 1; }
url() { # url plain|tls
  if [ "$1" = tls ]; then echo "wss://127.0.0.1:$port_tls/echo"; else echo "ws://127.0.0.1:$port_plain/echo"; fi
}
tls_flags() { if [ "$1" = tls ]; then echo "--ca $cert/ca.pem"; fi; }

case $what in
echo)
  runs=${1:-3}
  : >"$out/echo.txt"
  for run in $(seq "$runs"); do
    for scenario in A C; do
      case $scenario in
      A) flags=(--connections 100 --size 20 --pipeline 1 --text) ;;
      C) flags=(--connections 10 --size 65536 --pipeline 1 --binary) ;;
      esac
      for kind in plain tls; do
        pid_var=pid_$kind
        pid=${!pid_var}
        before=$(cpu "$pid")
        # shellcheck disable=SC2046
        "${load_pin[@]}" "$wsload" "$(url $kind)" $(tls_flags $kind) "${flags[@]}" --warmup 1 \
          --duration 5 --threads 1 --json | tail -1 >"$out/load.json"
        after=$(cpu "$pid")
        python3 - "$out/load.json" "$before" "$after" "$run" "$scenario" "$kind" <<'PY' | tee -a "$out/echo.txt"
import json, sys
j = json.load(open(sys.argv[1]))
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / 100.0
# The window's messages over the CPU of the whole run (warm-up 1 s of 6 s
# included): msg/s divided by the server's CPU share per second of run.
per_cpu = j['messages_per_sec'] * 6.0 / cpu if cpu > 0 else 0
hs = j.get('handshake_us', {})
print(f"run {sys.argv[4]} {sys.argv[5]} {sys.argv[6]:5s} {j['messages_per_sec']:9.0f} msg/s "
      f"{j['mb_per_sec']:8.1f} MB/s  server CPU {cpu:5.2f} s  {per_cpu:9.0f} msg/CPU-s  "
      f"p50 {j['latency_us']['p50']:.0f} us p99 {j['latency_us']['p99']:.0f} us  "
      f"{j.get('tls_protocol', '')} handshake p50 {hs.get('p50', 0):.0f} us p99 {hs.get('p99', 0):.0f} us  "
      f"errors {j['errors'] + j['mismatches'] + j['connect_failures']}")
PY
      done
    done
  done
  python3 - "$out/echo.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    key = (f[2], f[3])
    rows.setdefault(key, []).append((float(f[4]), float(f[6]), float(f[12])))
def med(key, i):
    return statistics.median(r[i] for r in rows[key])
for s in ("A", "C"):
    p, t = (s, "plain"), (s, "tls")
    print(f"median {s}: plain {med(p, 0):.0f} msg/s ({med(p, 1):.1f} MB/s, {med(p, 2):.0f} msg/CPU-s), "
          f"TLS {med(t, 0):.0f} msg/s ({med(t, 1):.1f} MB/s, {med(t, 2):.0f} msg/CPU-s); "
          f"TLS/plain {med(t, 0) / med(p, 0):.2f} msg/s, {med(t, 2) / med(p, 2):.2f} per CPU-s "
          f"({len(rows[p])} runs)")
    # Each TLS run against the plain run just before it: the pairs share the
    # machine's load of the moment.
    pairs = list(zip(rows[p], rows[t]))
    print(f"  paired TLS/plain, median (each run): msg/s "
          f"{statistics.median(b[0] / a[0] for a, b in pairs):.2f} "
          f"{[round(b[0] / a[0], 2) for a, b in pairs]}, per CPU-s "
          f"{statistics.median(b[2] / a[2] for a, b in pairs):.2f} "
          f"{[round(b[2] / a[2], 2) for a, b in pairs]}")
PY
  ;;
handshakes)
  runs=${1:-3}
  : >"$out/hs.txt"
  for run in $(seq "$runs"); do
    for version in -tls1_3 -tls1_2; do
      for mode in -new -reuse; do
        # -www /: s_time sends a GET and reads the answer (a static file);
        # without a read a TLS 1.3 client never sees the server's ticket, and
        # -reuse would make full handshakes. It prints * per full handshake
        # and r per resumed one; the wall clock is taken here.
        c0=$(cpu "$pid_tls") t0=$(date +%s.%N)
        "${load_pin[@]}" openssl s_time -connect "127.0.0.1:$port_tls" "$mode" "$version" -time 5 \
          -www / -CAfile "$cert/ca.pem" >"$out/s_time" 2>&1 || true
        t1=$(date +%s.%N) c1=$(cpu "$pid_tls")
        python3 - "$out/s_time" "$t0" "$t1" "$run" "$version" "$mode" "$c0" "$c1" <<'PY' | tee -a "$out/hs.txt"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) connections in ([\d.]+)s; ([\d.]+) connections/user sec", text)
marks = "".join(l for l in text.splitlines() if re.fullmatch(r"[*r]+", l))
n = int(m.group(1)) if m else 0
wall = float(sys.argv[3]) - float(sys.argv[2])
server_cpu = (int(sys.argv[8]) - int(sys.argv[7])) / 100.0
print(f"run {sys.argv[4]} {sys.argv[5]} {sys.argv[6]} {n / wall:.0f} handshakes/s wall "
      f"{float(m.group(3)) if m else 0:.0f} per-client-CPU-s {marks.count('r')} resumed "
      f"{marks.count('*')} full {n / server_cpu if server_cpu > 0 else 0:.0f} per-server-CPU-s")
PY
      done
    done
  done
  python3 - "$out/hs.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault((f[2], f[3]), []).append(
        (float(f[4]), float(f[7]), int(f[9]), int(f[11]), float(f[13])))
for key, v in rows.items():
    print(f"median {key[0]} {key[1]}: {statistics.median(x[0] for x in v):.0f} handshakes/s "
          f"(wall clock, s_time -time 5 plus its start), "
          f"{statistics.median(x[4] for x in v):.0f} per server CPU-second, "
          f"{statistics.median(x[1] for x in v):.0f} per s_time CPU-second; "
          f"{sum(x[2] for x in v)} resumed, {sum(x[3] for x in v)} full ({len(v)} runs)")
PY
  ;;
rss)
  connections=${1:-10000} rate=${2:-5000}
  for kind in plain tls; do
    pid_var=pid_$kind
    pid=${!pid_var}
    idle=$(rss "$pid")
    # Idle for at most 60 s; sampled 2 s after wsload says all are open (a
    # TLS ramp is bounded by the server's handshakes/s, not by --connect-rate).
    # shellcheck disable=SC2046
    "${load_pin[@]}" "$wsload" "$(url $kind)" $(tls_flags $kind) --idle --connections "$connections" \
      --connect-rate "$rate" --duration 60 --json >"$out/load.json" 2>"$out/load.err" &
    load=$!
    t0=$(date +%s)
    for _ in $(seq 600); do grep -q "connections open" "$out/load.err" && break; sleep 0.1; done
    ramp=$(( $(date +%s) - t0 ))
    sleep 2
    loaded=$(rss "$pid")
    kill -INT "$load"
    wait "$load" || true
    echo "$kind connections $connections at $rate/s: RSS $idle KiB before, $loaded KiB with them:" \
      "$(( (loaded - idle) * 1024 / connections )) bytes each (ramp ~${ramp} s);" \
      "wsload: $(grep -o '[0-9]* of [0-9]* connections open' "$out/load.err")"
    sleep 3  # the previous connections' close
  done
  ;;
*)
  echo "usage: bash bench/tls.sh echo RUNS | handshakes RUNS | rss CONNECTIONS" >&2
  exit 2
  ;;
esac
