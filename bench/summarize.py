#!/usr/bin/python3
"""Summarize Google Benchmark JSON files (make bench writes build/bench/micro.json).

    python3 bench/summarize.py [build/bench/micro.json]
    python3 bench/summarize.py run1.json run2.json run3.json

Prints Markdown: the machine, a table of medians, then the issue's target
ratios, each marked met or missed.

- Within one file, a benchmark's figure is the median of its repetitions:
  Google Benchmark's "median" aggregate when the run reported aggregates,
  else the median of the per-repetition rows.
- Given several files (several runs of make bench), each figure and each
  ratio is the median over the runs, with the lowest and highest run shown
  as the spread.
- Throughputs are Google Benchmark's own: bytes (or items) over CPU time.

Standard library only. Exits 1 if a file is missing or unreadable; a missed
target is reported, not an error.
"""

import json
import statistics
import sys

# (label, numerator, denominator, target): numerator and denominator are
# (benchmark family, kernel, size or corpus). The kernel is None for a
# benchmark without one, "best" for the fastest available kernel, or
# "best-simd" for the fastest kernel other than scalar.
TARGETS = [
    ("in-place unmask vs memcpy, 16 KiB",
     ("BM_Unmask", "best", "16384"), ("BM_Memcpy", None, "16384"), 0.5),
    ("best SIMD unmask vs scalar unmask, 16 KiB",
     ("BM_Unmask", "best-simd", "16384"), ("BM_Unmask", "scalar", "16384"), 4.0),
    ("UTF-8 ascii 64 KiB, best kernel vs memcpy 64 KiB",
     ("BM_Utf8", "best", "ascii"), ("BM_Memcpy", None, "65536"), 0.5),
    ("UTF-8 mixed, best kernel vs scalar",
     ("BM_Utf8", "best", "mixed"), ("BM_Utf8", "scalar", "mixed"), 5.0),
    ("UTF-8 cjk, best kernel vs scalar",
     ("BM_Utf8", "best", "cjk"), ("BM_Utf8", "scalar", "cjk"), 5.0),
]

TIME_SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def medians(benchmarks):
    """One run's rows -> {run_name: {"cpu_ns", "bytes", "items", "error"}} in run order."""
    order, aggregates, repetitions = [], {}, {}
    for row in benchmarks:
        name = row.get("run_name", row["name"])
        if name not in order:
            order.append(name)
        if row.get("error_occurred"):
            aggregates[name] = row
        elif row.get("run_type") == "aggregate":
            if row.get("aggregate_name") == "median":
                aggregates[name] = row
        else:
            repetitions.setdefault(name, []).append(row)
    out = {}
    for name in order:
        rows = [aggregates[name]] if name in aggregates else repetitions.get(name, [])
        if not rows:
            continue
        if rows[0].get("error_occurred"):
            out[name] = {"error": rows[0].get("error_message", "error")}
            continue

        def median_of(field):
            values = [r[field] for r in rows if field in r]
            return statistics.median(values) if values else None

        scale = TIME_SCALE[rows[0].get("time_unit", "ns")]
        out[name] = {
            "cpu_ns": median_of("cpu_time") * scale,
            "bytes": median_of("bytes_per_second"),
            "items": median_of("items_per_second"),
        }
    return out


def format_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.1f} ns"


def format_bytes(rate):
    return f"{rate / 2**30:.2f} GiB/s" if rate >= 2**30 / 100 else f"{rate / 2**20:.1f} MiB/s"


def lookup(run, family, kernel, tail):
    """(kernel name, bytes/s) for one side of a ratio in one run, or None."""
    if kernel is None:
        row = run.get(f"{family}/{tail}")
        return ("", row["bytes"]) if row and row.get("bytes") else None
    candidates = []
    for name, row in run.items():
        parts = name.split("/")
        if len(parts) != 3 or parts[0] != family or parts[2] != tail or not row.get("bytes"):
            continue
        if kernel == "best" or (kernel == "best-simd" and parts[1] != "scalar") or parts[1] == kernel:
            candidates.append((row["bytes"], parts[1]))
    if not candidates:
        return None
    rate, name = max(candidates)
    return (name, rate)


def spread(values, fmt):
    return f"{fmt(min(values))} .. {fmt(max(values))}" if len(values) > 1 else "-"


def main(argv):
    paths = argv[1:] or ["build/bench/micro.json"]
    runs, contexts = [], []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as error:
            print(f"summarize: cannot read {path}: {error}", file=sys.stderr)
            return 1
        contexts.append(data.get("context", {}))
        runs.append(medians(data.get("benchmarks", [])))

    many = len(runs) > 1
    print(f"## Microbenchmarks ({', '.join(paths)})")
    print()
    for path, context in zip(paths, contexts):
        load = ", ".join(f"{x:.2f}" for x in context.get("load_avg", []))
        print(f"- {path}: {context.get('date', '?')}, {context.get('num_cpus', '?')} CPUs at "
              f"{context.get('mhz_per_cpu', '?')} MHz, load average {load}; "
              f"unmask kernels {context.get('unmask_kernels', '?')}, "
              f"UTF-8 kernels {context.get('utf8_kernels', '?')}")
    print()
    if many:
        print(f"Each figure: the median over {len(runs)} runs of each run's median "
              f"(of its repetitions); the spread is the lowest .. highest run.")
        print()
        print("| benchmark | CPU time | throughput | throughput spread over runs |")
        print("|---|---:|---:|---:|")
    else:
        print("| benchmark | median CPU time | median throughput |")
        print("|---|---:|---:|")
    names = []
    for run in runs:
        names += [n for n in run if n not in names]
    for name in names:
        rows = [run[name] for run in runs if name in run]
        errors = [r["error"] for r in rows if "error" in r]
        if errors:
            print(f"| {name} | error: {errors[0]} | | |" if many else f"| {name} | error: {errors[0]} | |")
            continue
        cpu = statistics.median(r["cpu_ns"] for r in rows)
        parts, ranges = [], []
        byte_rates = [r["bytes"] for r in rows if r.get("bytes")]
        item_rates = [r["items"] for r in rows if r.get("items")]
        if byte_rates:
            parts.append(format_bytes(statistics.median(byte_rates)))
            ranges.append(spread(byte_rates, format_bytes))
        if item_rates:
            fmt = lambda v: f"{v / 1e6:.3f} M items/s"  # noqa: E731
            parts.append(fmt(statistics.median(item_rates)))
            ranges.append(spread(item_rates, fmt))
        line = f"| {name} | {format_time(cpu)} | {', '.join(parts) or '-'}"
        print(line + (f" | {'; '.join(ranges)} |" if many else " |"))

    print()
    print("| target ratio (throughput) | measured | target | verdict |" +
          (" spread over runs |" if many else ""))
    print("|---|---:|---:|---|" + ("---:|" if many else ""))
    for label, numerator, denominator, target in TARGETS:
        ratios, kernels = [], set()
        for run in runs:
            top, bottom = lookup(run, *numerator), lookup(run, *denominator)
            if top and bottom:
                ratios.append(top[1] / bottom[1])
                if top[0]:
                    kernels.add(top[0])
        if not ratios:
            print(f"| {label} | n/a | >= {target:g}x | not measured |" + (" |" if many else ""))
            continue
        ratio = statistics.median(ratios)
        who = f" ({', '.join(sorted(kernels))})" if kernels else ""
        verdict = "met" if ratio >= target else f"MISSED by {(1 - ratio / target) * 100:.0f}%"
        line = f"| {label}{who} | {ratio:.2f}x | >= {target:g}x | {verdict} |"
        print(line + (f" {spread(ratios, lambda v: f'{v:.2f}x')} |" if many else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
