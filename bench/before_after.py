#!/usr/bin/env python3
"""Before and after, in one run: two wsserver binaries under the same wsload
scenarios, rounds interleaved (A1 B1 A2 B2 ...) so that background load falls
on both alike; server pinned to core 0, wsload to core 1; medians and the
ratio after/before per scenario.

    python3 bench/before_after.py BEFORE_WSSERVER AFTER_WSSERVER [--rounds 5] [--duration 3]

Scenarios (compare.py's names): A 100 connections x 20 B text, pipeline 1;
C 10 x 64 KiB binary; D 100 x 20 B text, pipeline 16; G 10 x 256 KiB
binary (messages larger than one read: the copying path and its budget).
"""
import argparse
import json
import os
import re
import statistics
import subprocess

SCENARIOS = {
    "A": (["--connections", "100", "--size", "20", "--pipeline", "1", "--text"], "messages_per_sec"),
    "C": (["--connections", "10", "--size", "65536", "--pipeline", "1", "--binary"], "mb_per_sec"),
    "D": (["--connections", "100", "--size", "20", "--pipeline", "16", "--text"], "messages_per_sec"),
    "G": (["--connections", "10", "--size", "262144", "--pipeline", "1", "--binary"], "mb_per_sec"),
}


def pinned(core, argv):
    return (["taskset", "-c", str(core)] + argv) if os.cpu_count() > 1 else argv


def start(binary):
    proc = subprocess.Popen(pinned(0, [binary, "--port", "0"]), stdout=subprocess.PIPE, text=True)
    port = int(re.search(r":(\d+) ", proc.stdout.readline()).group(1))
    return proc, port


def run(wsload, port, args, duration):
    out = subprocess.run(pinned(1, [wsload, f"ws://127.0.0.1:{port}/echo", *args, "--duration",
                                    str(duration), "--warmup", "1", "--threads", "1", "--json"]),
                         capture_output=True, text=True, timeout=duration + 60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--wsload", default="build/wsload")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--scenarios", default="ACDG")
    opts = parser.parse_args()

    results = {(s, b): [] for s in opts.scenarios for b in ("before", "after")}
    for round_ in range(opts.rounds):
        for name in opts.scenarios:
            args, metric = SCENARIOS[name]
            for label, binary in (("before", opts.before), ("after", opts.after)):
                proc, port = start(binary)
                try:
                    results[(name, label)].append(run(opts.wsload, port, args, opts.duration)[metric])
                finally:
                    proc.terminate()
                    proc.wait(timeout=10)
        print(f"round {round_ + 1}/{opts.rounds} done", flush=True)
    print(f"| scenario | metric | before (median of {opts.rounds}) | after | after/before |")
    print("|---|---|---|---|---|")
    for name in opts.scenarios:
        metric = SCENARIOS[name][1]
        before = statistics.median(results[(name, "before")])
        after = statistics.median(results[(name, "after")])
        print(f"| {name} | {metric} | {before:,.0f} | {after:,.0f} | {after / before:.3f} |")


if __name__ == "__main__":
    main()
