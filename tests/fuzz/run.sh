#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzz-build`, one after another:
#
#   bash tests/fuzz/run.sh [--check] <fuzz-build-dir> <seconds> [harness...]
#
# Each harness <dir>/<name> (from tests/fuzz/<name>.cpp; all of them unless
# named) runs for <seconds> (-max_total_time) with tests/fuzz/<name>.dict when
# there is one, on a copy of its seeds tests/fuzz/corpus/<name>, so the
# committed corpus is never written to (the reproducers in
# tests/fuzz/crashes/<name>-* are copied in with the seeds):
#   make fuzz     <dir>/corpus/<name>: kept between runs (what one run finds,
#                 the next starts from), the seeds copied in again each time;
#   --check       <dir>/check-corpus/<name>: a fresh copy every time, so that
#                 `make test` does not depend on earlier runs.
# A crash, leak, timeout, out-of-memory or sanitizer report fails the
# harness; the input that did it is saved under <dir>/artifacts/, the whole
# output under <dir>/logs/<name>.log. One line per harness:
#
#   fuzz-check: PASS <name> (N execs)
#   fuzz-check: FAIL <name> (<what>; log <path>[; input <path>])
#
# (N is libFuzzer's stat::number_of_executed_units, -print_final_stats=1),
# then "fuzz: all passed" or "fuzz: FAILED", and the exit status says the same.
set -uo pipefail

check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--check] <fuzz-build-dir> <seconds> [harness...]" >&2
  exit 2
fi
dir=${1%/}
seconds=$2
shift 2
cd "$(dirname "$0")/../.." || exit 2

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for src in tests/fuzz/*.cpp; do names+=("$(basename "$src" .cpp)"); done
fi

corpus_root="$dir/corpus"
[ "$check" -eq 1 ] && corpus_root="$dir/check-corpus"
mkdir -p "$dir/logs" "$dir/artifacts" "$corpus_root"

# The first line of any report: a failed harness check, AddressSanitizer or
# LeakSanitizer, UBSan, libFuzzer's own (deadly signal, timeout, out of memory).
report_pattern='FUZZ_CHECK failed|^==[0-9]+== ?ERROR|runtime error:|^ERROR: libFuzzer'

failed=0
results=()
for name in "${names[@]}"; do
  bin="$dir/$name" log="$dir/logs/$name.log" corpus="$corpus_root/$name"
  if [ ! -x "$bin" ]; then
    echo "fuzz-check: FAIL $name (not built: $bin; make fuzz-build)"
    failed=1
    continue
  fi
  [ "$check" -eq 1 ] && rm -rf "$corpus"
  mkdir -p "$corpus"
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  # Reproducers of bugs found (tests/fuzz/crashes/<name>-*) run first with
  # the seeds, so a fixed bug stays fixed.
  for reproducer in tests/fuzz/crashes/"$name"-*; do
    [ -f "$reproducer" ] && cp "$reproducer" "$corpus/"
  done
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=30
        -artifact_prefix="$dir/artifacts/$name-")
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  [ "$check" -eq 1 ] || echo "fuzz: $name for $seconds s ($(find "$corpus" -type f | wc -l) inputs in $corpus)"

  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 </dev/null
  rc=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  report=$(grep -m 1 -E "$report_pattern" "$log")
  if [ "$rc" -eq 0 ] && [ -z "$report" ] && [ -n "$execs" ]; then
    echo "fuzz-check: PASS $name ($execs execs)"
    results+=("$(printf '%-16s %12s execs  clean' "$name" "$execs")")
  else
    what=${report:-"exit $rc"}
    [ -n "$execs" ] || [ -n "$report" ] || what="exit $rc, no final stats"
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    # The report from its first line (the failed check or the sanitizer's
    # headline) on, else the end of the log.
    first=$(grep -n -m 1 -E "$report_pattern" "$log" | cut -d: -f1)
    echo "---- $name: $log ----"
    if [ -n "$first" ]; then
      sed -n "$((first > 2 ? first - 2 : 1)),$((first + 30))p" "$log"
    else
      tail -n 30 "$log"
    fi
    echo "----"
    echo "fuzz-check: FAIL $name (${what//$'\n'/ }; log $log${input:+; input $input})"
    results+=("$(printf '%-16s %12s execs  FAILED' "$name" "${execs:-?}")")
    failed=1
  fi
done

if [ "$check" -eq 0 ] && [ ${#results[@]} -gt 0 ]; then
  echo
  echo "fuzz: executions per harness ($seconds s each)"
  printf '  %s\n' "${results[@]}"
fi
if [ "$failed" -eq 0 ]; then
  echo "fuzz: all passed"
else
  echo "fuzz: FAILED"
fi
exit "$failed"
