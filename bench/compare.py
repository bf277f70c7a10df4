#!/usr/bin/python3
"""The peer comparison behind `make compare`.

Runs our server and every peer echo server (bench/peers/) under the
project's load generator, build/wsload: the server pinned to core 0, wsload
to core 1, one thread each, every scenario RUNS times, the median reported.

  A  100 connections, 20-byte text messages, 1 in flight       msgs/s
  B  1,000 connections, 20-byte text messages, 1 in flight     msgs/s
  C  10 connections, 64 KiB binary messages, 1 in flight       MB/s
  D  100 connections, 20-byte text messages, 16 in flight      msgs/s
  E  10,000 idle upgraded connections                          server VmRSS
  F  100 connections, 20-byte text, open loop at 50,000 msg/s  latency p50/p99

Every run gets a freshly started server, and runs are interleaved (round 1
of a scenario on every server, then round 2, ...), so that background load
spreads over all servers instead of spoiling one. A peer that
did not build, or does not echo (bench/peers/smoke.py), is marked missing and
the others still run. Every process started here is killed on exit, also on
Ctrl-C or SIGTERM (and by the kernel if this script itself dies: each child
carries PR_SET_PDEATHSIG).

Output in OUT (build/compare): table.md, results.csv (medians), runs.jsonl
(every run as wsload reported it), chart.png (+ chart.dat, chart.gp).

    bench/compare.py [--duration S] [--warmup S] [--runs N]
                     [--servers a,b] [--scenarios A,B] [--build DIR] [--out DIR]
Python 3 standard library only.
"""
import argparse
import csv
import ctypes
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_CORE, LOAD_CORE = "0", "1"
NOFILE = 65536


# --------------------------------------------------------------------------
# Process hygiene: everything started goes through spawn() and is reaped by
# cleanup(), which runs on every way out of main().

_children = []
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(argv, **kw):
    """Starts argv in its own process group, remembered for cleanup()."""
    p = subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent,
                         cwd=ROOT, **kw)
    _children.append(p)
    return p


def stop(p, grace=3.0):
    """SIGTERM to p's process group, SIGKILL after `grace` seconds."""
    if p.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    else:
        try:  # the leader is gone; its group may not be
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if p in _children:
        _children.remove(p)


def cleanup():
    for p in list(_children):
        stop(p, grace=1.0)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------
# Servers and scenarios

@dataclass
class Server:
    key: str
    label: str
    argv: list          # "{port}" is replaced
    scheme: str = "ws"  # "tcp": raw echo, no WebSocket
    env: dict = field(default_factory=dict)
    ours: bool = False
    peer: bool = True   # counts towards "best peer" (the TCP ceiling does not)
    status: str = "ok"  # or why it is missing

    def command(self, port):
        return [a.replace("{port}", str(port)) for a in self.argv]

    def url(self, port):
        return f"tcp://127.0.0.1:{port}" if self.scheme == "tcp" else f"ws://127.0.0.1:{port}/echo"


def servers(build):
    peers = os.path.join(build, "peers")
    return [
        Server("wsserver", "wsserver (ours)",
               [os.path.join(build, "wsserver"), "--port", "{port}", "--threads", "1"],
               ours=True, peer=False),
        Server("gorilla", "Go gorilla/websocket", [os.path.join(peers, "gorilla-echo"), "{port}"],
               env={"GOMAXPROCS": "1"}),
        Server("beast", "Boost.Beast", [os.path.join(peers, "beast-echo"), "{port}"]),
        Server("websocketpp", "websocketpp", [os.path.join(peers, "websocketpp-echo"), "{port}"]),
        Server("lws", "libwebsockets", [os.path.join(peers, "lws-echo"), "{port}"]),
        Server("node-ws", "Node ws", ["node", "bench/peers/node/echo.mjs", "{port}"]),
        Server("tcp", "plain TCP echo (ceiling)", [os.path.join(peers, "tcp-echo"), "{port}"],
               scheme="tcp", peer=False),
    ]


@dataclass
class Scenario:
    key: str
    title: str
    args: list
    metric: str           # the figure the table shows
    unit: str
    higher_is_better: bool
    idle: bool = False


SCENARIOS = [
    Scenario("A", "100 conns, 20 B, 1 in flight",
             ["--connections", "100", "--size", "20", "--pipeline", "1", "--text"],
             "messages_per_sec", "msgs/s", True),
    Scenario("B", "1,000 conns, 20 B, 1 in flight",
             ["--connections", "1000", "--size", "20", "--pipeline", "1", "--text",
              "--connect-rate", "5000"],
             "messages_per_sec", "msgs/s", True),
    Scenario("C", "10 conns, 64 KiB binary",
             ["--connections", "10", "--size", "65536", "--pipeline", "1", "--binary"],
             "mb_per_sec", "MB/s", True),
    Scenario("D", "100 conns, 20 B, 16 in flight",
             ["--connections", "100", "--size", "20", "--pipeline", "16", "--text"],
             "messages_per_sec", "msgs/s", True),
    Scenario("E", "RSS, 10,000 idle conns",
             ["--connections", "10000", "--idle", "--connect-rate", "5000"],
             "rss_kib", "MiB", False, idle=True),
    Scenario("F", "latency at 50,000 msg/s, 100 conns",
             ["--connections", "100", "--size", "20", "--text", "--rate", "50000"],
             "p99_us", "µs", False),
]


# --------------------------------------------------------------------------
# Running

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def pinned(core, argv, pin):
    return ["taskset", "-c", core, *argv] if pin else list(argv)


def start_server(srv, pin, log):
    port = free_port()
    env = dict(os.environ, **srv.env)
    proc = spawn(pinned(SERVER_CORE, srv.command(port), pin), env=env,
                 stdout=log, stderr=subprocess.STDOUT)
    if not wait_listening(port, proc):
        stop(proc)
        return None, port
    time.sleep(0.2)  # let the probe connection go away
    return proc, port


def proc_status(pid):
    """(VmRSS in KiB, open fds) of pid, or (None, None) when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), None)
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None, None


def run_wsload(wsload, url, sc, opts, pin, server_pid=None):
    """One wsload run; returns its JSON object (plus our fields) or None."""
    timing = ["--duration", str(opts.idle_hold if sc.idle else opts.duration),
              "--warmup", "0" if sc.idle else str(opts.warmup)]
    argv = pinned(LOAD_CORE, [wsload, url, *sc.args, *timing, "--threads", "1", "--json"], pin)
    budget = opts.duration + opts.warmup + 60
    out_path = os.path.join(opts.out, "wsload.out")
    with open(out_path, "w+") as out, open(os.path.join(opts.out, "wsload.err"), "w+") as err:
        proc = spawn(argv, stdout=out, stderr=err)
        peak = (0, None, None)  # (fds, rss at that moment, baseline rss)
        baseline = proc_status(server_pid)[0] if server_pid else None
        deadline = time.monotonic() + budget
        while proc.poll() is None and time.monotonic() < deadline:
            if server_pid:
                rss, fds = proc_status(server_pid)
                if fds is not None and fds >= peak[0]:
                    peak = (fds, rss, baseline)
            time.sleep(0.1)
        timed_out = proc.poll() is None
        stop(proc)
        out.seek(0)
        text = out.read()
        err.seek(0)
        errtext = err.read().strip()
    result = None
    for line in reversed(text.strip().splitlines()):
        try:
            result = json.loads(line)
            break
        except ValueError:
            continue
    if result is None:
        result = {}
    result["exit"] = "timeout" if timed_out else proc.returncode
    result["ok"] = bool(result) and not timed_out and proc.returncode == 0 and "messages" in result
    if not result["ok"]:
        result["stderr"] = errtext[-400:]
    lat = result.get("latency_us") or {}
    for k in ("p50", "p90", "p99", "p999", "max"):
        result[f"{k}_us"] = lat.get(k)
    if server_pid:
        result["server_fds"], result["rss_kib"], result["baseline_rss_kib"] = peak
    return result


def smoke(srv, port):
    if srv.scheme == "tcp":
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"ping-" * 1000)
                got = b""
                while len(got) < 5000:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            return got == b"ping-" * 1000
        except OSError:
            return False
    p = spawn([sys.executable, os.path.join(ROOT, "bench/peers/smoke.py"), srv.url(port)],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return p.wait(60) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        stop(p)


def summarize(results):
    """The medians of a scenario's runs (failed runs left out) and the counts."""
    good = [r for r in results if r.get("ok")]
    m = {f: median([r.get(f) for r in good]) for f in CSV_FIELDS[4:-1]}
    m.update(runs=len(results), runs_ok=len(good))
    return m


def load_runs(path, all_servers, scenarios):
    """Rebuilds the results from a runs.jsonl (--report-only)."""
    runs, status = {}, {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "scenario" in r:
                runs.setdefault((r["server"], r["scenario"]), []).append(r)
            else:
                status[r["server"]] = r["status"]
    for srv in all_servers:
        srv.status = status.get(srv.key, "not run")
    return {k: summarize(v) for k, v in runs.items()}


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------
# Reporting

def fmt(value, sc):
    if value is None:
        return "—"
    if sc.key == "E":
        return f"{value / 1024:.1f}"
    if sc.metric == "mb_per_sec":
        return f"{value:,.0f}"
    if sc.metric == "messages_per_sec":
        return f"{value / 1000:,.0f} k"
    return f"{value:,.0f}"


def cell(srv, sc, res):
    if srv.status != "ok":
        return srv.status
    m = res.get((srv.key, sc.key))
    if not m:
        return "not run"
    if m.get(sc.metric) is None:
        return "failed"
    text = fmt(m[sc.metric], sc)
    if sc.key == "E" and m.get("baseline_rss_kib") is not None:
        per_conn = (m["rss_kib"] - m["baseline_rss_kib"]) * 1024 / 10000
        text += f" ({per_conn / 1024:.1f} KiB/conn)"
    if sc.key == "F":
        text = f"{fmt(m['p50_us'], sc)} / {text}"
        if m.get("messages_per_sec") and m["messages_per_sec"] < 0.95 * 50000:
            text += f" (only {m['messages_per_sec'] / 1000:.0f} k/s)"
    if m["runs_ok"] < m["runs"]:
        text += f" ({m['runs_ok']}/{m['runs']} runs)"
    return text


def ratio_cell(all_servers, sc, res):
    ours = res.get(("wsserver", sc.key), {}).get(sc.metric)
    best = None
    for srv in all_servers:
        v = res.get((srv.key, sc.key), {}).get(sc.metric)
        if srv.peer and srv.status == "ok" and v:
            if best is None or (v > best[1] if sc.higher_is_better else v < best[1]):
                best = (srv.key, v)
    if not ours or not best:
        return "—"
    r = ours / best[1] if sc.higher_is_better else best[1] / ours
    return f"{r:.2f}× vs {best[0]}"


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}"


def versions(build):
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                                  cwd=ROOT).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"

    def deb(pkg):
        return sh(["dpkg-query", "-W", "-f=${Version}", pkg]) or "?"

    ws = "?"
    try:
        with open(os.path.join(ROOT, "bench/peers/node/node_modules/ws/package.json")) as f:
            ws = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    return (f"wsserver {sh(['git', 'rev-parse', '--short', 'HEAD'])}; "
            f"gorilla/websocket {deb('golang-github-gorilla-websocket-dev')} "
            f"({sh(['go', 'version']).replace('go version ', '')}); "
            f"Boost.Beast {deb('libboost-dev')}; websocketpp {deb('libwebsocketpp-dev')}; "
            f"libwebsockets {deb('libwebsockets-dev')}; ws {ws} (Node {sh(['node', '--version'])})")


def write_table(path, all_servers, scenarios, res, meta):
    head = ["server"] + [f"{sc.key}: {sc.title} ({sc.unit})" if sc.key != "F"
                         else f"F: {sc.title} (p50 / p99 µs)" for sc in scenarios]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for srv in all_servers:
        lines.append("| " + " | ".join([srv.label] + [cell(srv, sc, res) for sc in scenarios]) + " |")
    lines.append("| **ours ÷ best peer** | "
                 + " | ".join(ratio_cell(all_servers, sc, res) for sc in scenarios) + " |")
    text = "\n".join([
        f"# Peer comparison, {meta['date']}",
        "",
        f"Machine: {meta['machine']}.  ",
        (f"Command: `{meta['command']}` ({meta['elapsed']}; load average "
         f"{meta['load_before']} before, {meta['load_after']} after).  "
         if meta["elapsed"] else "Regenerated from runs.jsonl (`--report-only`).  "),
        f"Each cell: median of {meta['runs']} runs of {meta['duration']} s after {meta['warmup']} s "
        f"of warm-up; server pinned to core {SERVER_CORE}, wsload (one thread) to core "
        f"{LOAD_CORE}; every server single-threaded. E is the server's VmRSS holding "
        f"10,000 idle upgraded connections (per connection: over the RSS of the freshly "
        f"started server). F is round-trip latency at a fixed open-loop "
        f"rate (50,000 msg/s over 100 connections).  ",
        f"Versions: {meta['versions']}.",
        "",
        *lines,
        "",
        "The last row is how many times better our figure is than the best peer's "
        "(higher throughput for A–D; lower RSS for E and lower p99 for F), so above "
        "1.00 we lead. The plain TCP echo server is the ceiling (no WebSocket at all), "
        "not a peer.",
        "",
    ])
    with open(path, "w") as f:
        f.write(text)
    return "\n".join(lines)


CSV_FIELDS = ["server", "scenario", "runs", "runs_ok", "messages_per_sec", "mb_per_sec",
              "p50_us", "p90_us", "p99_us", "p999_us", "max_us", "rss_kib", "baseline_rss_kib",
              "server_fds", "errors", "mismatches", "closes", "connect_failures", "status"]


def write_csv(path, all_servers, scenarios, res):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for srv in all_servers:
            for sc in scenarios:
                m = {k: round(x, 1) if isinstance(x, float) else x
                     for k, x in res.get((srv.key, sc.key), {}).items()}
                w.writerow({**m, "server": srv.key, "scenario": sc.key,
                            "status": srv.status if srv.status != "ok" else
                            ("ok" if m.get("runs_ok") else "failed")})


def write_chart(out, all_servers, scenarios, res):
    """chart.png: five panels (A/B msgs/s, D msgs/s, C MB/s, E RSS, F latency)."""
    def v(srv, sc, field, scale=1.0):
        x = res.get((srv.key, sc), {}).get(field)
        return f"{x / scale:.3f}" if isinstance(x, (int, float)) and srv.status == "ok" else "?"

    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        f.write("# server A_kmsgs B_kmsgs D_kmsgs C_MBs E_MiB F_p50_us F_p99_us\n")
        for srv in all_servers:
            name = srv.key + ("*" if srv.status != "ok" else "")
            f.write(" ".join([f'"{name}"', v(srv, "A", "messages_per_sec", 1000),
                              v(srv, "B", "messages_per_sec", 1000),
                              v(srv, "D", "messages_per_sec", 1000), v(srv, "C", "mb_per_sec"),
                              v(srv, "E", "rss_kib", 1024), v(srv, "F", "p50_us"),
                              v(srv, "F", "p99_us")]) + "\n")
    def has(col):  # a panel with no value at all would stop gnuplot
        return any(v(srv, *col) != "?" for srv in all_servers)

    def panel(title, cols, plot, logscale=False):
        head = f'set title "{title}"\n'
        if not any(has(c) for c in cols):
            return (head + "set xrange [0:1]\nset yrange [0:1]\nunset xtics\n"
                    'set label 1 "no data" at 0.5,0.5 center\nplot 2 notitle\n'
                    "unset label 1\nset xtics\nset autoscale x\nset yrange [0:*]\n")
        if logscale:
            return head + f"set logscale y\nset yrange [*:*]\n{plot}\nunset logscale y\n"
        return head + plot + "\n"

    gp = os.path.join(out, "chart.gp")
    script = f"""# Generated by bench/compare.py; `gnuplot chart.gp` draws chart.png.
set terminal pngcairo size 1800,1000 font "DejaVu Sans,11"
set output "{os.path.join(out, 'chart.png')}"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key inside top left horizontal
set offsets 0, 0, graph 0.15, 0
set xtics rotate by -30 noenhanced
set yrange [0:*]
set multiplot layout 2,3 title "wsserver vs peers, one thread each (server on core {SERVER_CORE}, wsload on core {LOAD_CORE}); * = missing"
"""
    script += panel("A and B: 20-byte echoes, 1 in flight (k msgs/s, higher is better)",
                    [("A", "messages_per_sec"), ("B", "messages_per_sec")],
                    f'plot "{dat}" using 2:xtic(1) title "A: 100 conns", '
                    '"" using 3 title "B: 1,000 conns"')
    script += panel("D: 20-byte echoes, 100 conns x 16 in flight (k msgs/s, higher is better)",
                    [("D", "messages_per_sec")],
                    f'plot "{dat}" using 4:xtic(1) notitle lc rgb "#56b4e9"')
    script += panel("C: 64 KiB binary, 10 conns (MB/s, higher is better)", [("C", "mb_per_sec")],
                    f'plot "{dat}" using 5:xtic(1) notitle lc rgb "#4477aa"')
    script += panel("E: RSS holding 10,000 idle connections (MiB, lower is better)",
                    [("E", "rss_kib")], f'plot "{dat}" using 6:xtic(1) notitle lc rgb "#cc6677"')
    script += panel("F: latency at 50,000 msg/s open loop (µs, log scale, lower is better)",
                    [("F", "p50_us"), ("F", "p99_us")],
                    f'plot "{dat}" using 7:xtic(1) title "p50", "" using 8 title "p99"',
                    logscale=True)
    script += "unset multiplot\n"
    with open(gp, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"compare: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=None, help="default BUILD/compare")
    ap.add_argument("--wsload", default=os.environ.get("WSLOAD"))
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--idle-hold", type=float, default=2.0,
                    help="E: seconds wsload holds the idle connections once connected")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--servers", default=None, help="comma-separated keys (default: all)")
    ap.add_argument("--scenarios", default="ABCDEF")
    ap.add_argument("--report-only", action="store_true",
                    help="measure nothing: rebuild table, CSV and chart from OUT/runs.jsonl")
    opts = ap.parse_args()
    os.chdir(ROOT)
    build = opts.build
    opts.out = opts.out or os.path.join(build, "compare")
    wsload = opts.wsload or os.path.join(build, "wsload")
    os.makedirs(opts.out, exist_ok=True)
    started = time.monotonic()
    opts.load_before = load_average()
    all_servers = servers(build)
    scenarios = [sc for sc in SCENARIOS if sc.key in opts.scenarios.upper()]
    if opts.report_only:
        res = load_runs(os.path.join(opts.out, "runs.jsonl"), all_servers, scenarios)
        report(opts, build, all_servers, scenarios, res, 0)
        return

    if not os.access(wsload, os.X_OK):
        sys.exit(f"compare: {wsload} is missing; build it first (make {wsload})")
    # Copies, so that a rebuild during the run cannot swap a binary mid-way.
    snap = os.path.join(opts.out, "bin")
    os.makedirs(snap, exist_ok=True)
    shutil.copy2(wsload, os.path.join(snap, "wsload"))
    wsload = os.path.join(snap, "wsload")
    ours = all_servers[0]
    if os.path.exists(ours.argv[0]):
        shutil.copy2(ours.argv[0], os.path.join(snap, "wsserver"))
        ours.argv[0] = os.path.join(snap, "wsserver")

    try:  # 10,000 connections: each side needs the fds (children inherit this)
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    except (ValueError, OSError):  # no CAP_SYS_RESOURCE: as far as the hard limit goes
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        if hard != resource.RLIM_INFINITY and hard < 10100:
            print(f"compare: RLIMIT_NOFILE is {hard}; scenario E will fail", file=sys.stderr)

    pin = (os.cpu_count() or 1) >= 2 and subprocess.run(
        ["taskset", "-c", "0", "true"], capture_output=True).returncode == 0
    if not pin:
        print("compare: fewer than 2 cores or no taskset: running unpinned", file=sys.stderr)

    wanted = set(opts.servers.split(",")) if opts.servers else None
    runs_log = open(os.path.join(opts.out, "runs.jsonl"), "w")
    res = {}

    ready = [srv for srv in all_servers if check(srv, opts, wanted, pin)]
    for srv in all_servers:
        runs_log.write(json.dumps({"server": srv.key, "status": srv.status}) + "\n")
    for sc in scenarios:
        measure(ready, sc, opts, pin, wsload, runs_log, res)
    runs_log.close()
    report(opts, build, all_servers, scenarios, res, time.monotonic() - started)


def check(srv, opts, wanted, pin):
    """Whether srv can be measured: built, starts, echoes. Sets srv.status."""
    if wanted and srv.key not in wanted:
        srv.status = "not run"
        return False
    exe = srv.argv[0] if srv.argv[0] != "node" else "bench/peers/node/node_modules/ws"
    if not os.path.exists(exe):
        srv.status = "missing (build)"
        print(f"compare: {srv.key}: {exe} is missing; marked missing", file=sys.stderr)
        return False
    with open(os.path.join(opts.out, f"{srv.key}.log"), "w") as log:
        proc, port = start_server(srv, pin, log)
        ok = proc is not None and smoke(srv, port)
        if proc:
            stop(proc)
    if not ok:
        srv.status = "missing (no echo)"
        print(f"compare: {srv.key}: does not start or echo (see {log.name}); marked missing",
              file=sys.stderr)
    return ok


def measure(ready, sc, opts, pin, wsload, runs_log, res):
    """opts.runs rounds of one scenario; each round runs every server once, on
    a freshly started server, so that a burst of background load lands on
    one round of every server rather than on every round of one server."""
    results = {srv.key: [] for srv in ready}
    for run in range(opts.runs):
        for srv in ready:
            r = measure_once(srv, sc, opts, pin, wsload)
            results[srv.key].append(r)
            runs_log.write(json.dumps({"server": srv.key, "scenario": sc.key,
                                       "run": run + 1, **r}) + "\n")
            runs_log.flush()
            shown = r.get(sc.metric)
            print(f"compare: {sc.key} run {run + 1} {srv.key:12} "
                  + (f"{fmt(shown, sc)} {sc.unit}" if shown is not None else "—")
                  + ("" if r["ok"] else f"  FAILED: {r.get('exit')} {r.get('stderr', '')}"),
                  file=sys.stderr, flush=True)
    for srv in ready:
        res[(srv.key, sc.key)] = summarize(results[srv.key])


def measure_once(srv, sc, opts, pin, wsload):
    """One run of a scenario against a server started for it alone."""
    with open(os.path.join(opts.out, f"{srv.key}.log"), "a") as log:
        proc, port = start_server(srv, pin, log)
        if proc is None:
            return {"ok": False, "exit": "server did not start"}
        try:
            r = run_wsload(wsload, srv.url(port), sc, opts, pin,
                           server_pid=proc.pid if sc.idle else None)
            if proc.poll() is not None:
                r.update(ok=False, exit=f"server died ({proc.returncode})")
            if sc.idle and r.get("connect_failures"):
                r["ok"] = False
            return r
        finally:
            stop(proc)


def report(opts, build, all_servers, scenarios, res, elapsed):
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": "make compare",
        "elapsed": f"measuring took {elapsed / 60:.1f} min" if not opts.report_only else "",
        "load_before": getattr(opts, "load_before", "?"), "load_after": load_average(),
        "runs": opts.runs, "duration": opts.duration, "warmup": opts.warmup,
        "versions": versions(build),
    }
    table = write_table(os.path.join(opts.out, "table.md"), all_servers, scenarios, res, meta)
    write_csv(os.path.join(opts.out, "results.csv"), all_servers, scenarios, res)
    write_chart(opts.out, all_servers, scenarios, res)
    print(table)
    print(f"\ncompare: {opts.out}/table.md, results.csv, runs.jsonl, chart.png "
          f"({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    try:
        main()
    except KeyboardInterrupt:
        print("\ncompare: interrupted; stopping every process it started", file=sys.stderr)
        sys.exit(130)
    finally:
        cleanup()
