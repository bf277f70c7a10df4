#!/usr/bin/env bash
# The whole suite (make test): nine stages, in order, each run even when an
# earlier one failed, each streamed to the console as it runs. The server's
# suites run on its default backend (auto: io_uring where the kernel allows
# it, which the first lines say) and again on epoll (the -epoll stages, with
# WSTEST_BACKEND=epoll / --backend epoll):
#
#   unit         <build>/unit_tests                            (gtest)
#   conformance  WSSERVER=<build>/wsserver <build>/conformance_tests   (gtest)
#   conformance-tls  the same binary, every case over wss://: the certificate
#                from tools/make_cert.sh <build>/cert, and WSTEST_TLS_CA,
#                WSTEST_TLS_CERT, WSTEST_TLS_KEY set (tests/support/tls_client.hpp)
#   client-conformance <build>/client_conformance_tests        (gtest)
#                (ws::Client against crafted servers of raw bytes)
#   interop      tests/interop/run.sh <build>/wsserver         (ws:// and wss://)
#                (python unittest, node --test, and run.sh's own checks)
#   conformance-epoll, conformance-tls-epoll, interop-epoll: the same on epoll
#   fuzz         tests/fuzz/run.sh --check <fuzz-build> 3
#                (each libFuzzer harness for 3 s on a fresh copy of its seeds)
#
#   bash tests/run_all.sh build
#
# Then a per-stage summary, and last a line in exactly this form:
#
#   tests: N passed, M failed
#
# N and M count individual test cases over all stages, read from each tool's
# own summary: gtest's "[  PASSED  ] N tests." / "[  FAILED  ] N tests, listed
# below:", unittest's "Ran N tests" / "FAILED (failures=a, errors=b)", node's
# "# pass N" / "# fail N" / "# cancelled N", and run.sh's "interop-check:
# PASS|FAIL" lines, and tests/fuzz/run.sh's "fuzz-check: PASS|FAIL" lines (one
# per harness). Skipped tests count in neither. A stage that crashes
# before its summary counts the cases it had finished plus one failure; a
# stage that exits non-zero without reporting any failing case (a sanitizer's
# report at exit, a missing binary) counts one failure. Exits non-zero if
# anything failed.
#
# Environment: TESTS_STAGE_TIMEOUT, seconds per stage (default 900);
# FUZZ_BUILD, where the harnesses are (default build/fuzz: make fuzz-build);
# FUZZ_CHECK_SECONDS, seconds per harness (default 3).
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <build-dir>" >&2
  exit 2
fi
build=${1%/}
root=$(cd "$(dirname "$0")/.." && pwd)
stage_timeout=${TESTS_STAGE_TIMEOUT:-900}
# Under AddressSanitizer (make test SANITIZE=1) freed memory waits in a
# quarantine of up to 256 MiB before reuse, and stays resident: the suites
# that bound the server's RSS (backpressure) would read it as growth (33 MiB
# over a TLS flood, where records churn buffers). 16 MiB still catches a
# use after free of anything recent; other builds ignore the variable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}

tmp=$(mktemp -d)
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "run_all: interrupted" >&2; exit 130' INT
trap 'echo "run_all: terminated" >&2; exit 143' TERM

total_passed=0
total_failed=0
summary=()
any_failed=0

# count_cases <kind> <log>: prints "passed failed skipped complete", where
# complete is 1 when the tool's final summary was found.
count_cases() {
  awk -v kind="$1" '
    function num(s) { gsub(/[^0-9]/, "", s); return s + 0 }
    kind == "gtest" && /^\[  PASSED  \] [0-9]+ tests?\./         { sp = num($4); done = 1 }
    kind == "gtest" && /^\[  FAILED  \] [0-9]+ tests?, listed/    { sf = num($4) }
    kind == "gtest" && /^\[  SKIPPED \] [0-9]+ tests?[.,]/        { ss = num($4) }
    # Per-case lines, used only when the run died before its summary.
    kind == "gtest" && /^\[       OK \] /                          { ok++ }
    kind == "gtest" && /^\[  FAILED  \] .* \([0-9]+ ms\)$/         { bad++ }
    kind == "gtest" && /^\[  SKIPPED \] .* \([0-9]+ ms\)$/         { skip++ }

    # python unittest: "Ran N tests", then "OK (skipped=1)" or
    # "FAILED (failures=1, errors=2, skipped=1, unexpected successes=1)".
    kind == "interop" && /^Ran [0-9]+ tests? in / { ran = $2 + 0; py = 1 }
    kind == "interop" && py && /^(OK|FAILED)( \(.*\))?$/ {
      pf = 0; ps = 0
      n = split($0, kv, /[(),] ?/)
      for (i = 1; i <= n; i++) {
        split(kv[i], p, "=")
        if (p[1] ~ /^(failures|errors|unexpected successes)$/) pf += p[2]
        if (p[1] == "skipped") ps += p[2]
      }
      ip += ran - pf - ps; if_ += pf; is += ps; py = 0
    }
    # node --test (TAP): top-level "# pass N", "# fail N", "# cancelled N".
    kind == "interop" && /^# pass [0-9]+$/      { ip += $3 }
    kind == "interop" && /^# fail [0-9]+$/      { if_ += $3 }
    kind == "interop" && /^# cancelled [0-9]+$/ { if_ += $3 }
    kind == "interop" && /^# skipped [0-9]+$/   { is += $3 }
    # tests/interop/run.sh: its own checks.
    kind == "interop" && /^interop-check: PASS / { ip++ }
    kind == "interop" && /^interop-check: FAIL / { if_++ }
    kind == "interop" && /^interop: (all passed|FAILED)$/ { done = 1 }
    # tests/fuzz/run.sh: one line per harness, then its verdict.
    kind == "fuzz" && /^fuzz-check: PASS / { ip++ }
    kind == "fuzz" && /^fuzz-check: FAIL / { if_++ }
    kind == "fuzz" && /^fuzz: (all passed|FAILED)$/ { done = 1 }

    END {
      if (kind == "gtest") {
        if (done) print sp + 0, sf + 0, ss + 0, 1
        else      print ok + 0, bad + 0, skip + 0, 0
      } else {
        print ip + 0, if_ + 0, is + 0, done + 0
      }
    }' "$2"
}

# run_stage <name> <kind> <needed-file> <command...>: runs the command in the
# background (so Ctrl-C reaches the trap at once), bounded in time, its output
# streamed and logged; then counts its cases.
run_stage() {
  local name=$1 kind=$2 needed=$3 log="$tmp/$1.log"
  local rc pid tail_pid passed failed skipped complete note=""
  shift 3
  echo
  echo "======== $name: $* ========"
  if [ ! -f "$needed" ]; then
    echo "run_all: $needed is missing (build it first: make all)"
    rc=127
    passed=0 failed=0 skipped=0 complete=1
  else
    : >"$log"
    timeout -k 10 "$stage_timeout" "$@" >"$log" 2>&1 </dev/null &
    pid=$!
    bg_pids+=("$pid")
    tail -n +1 -f --pid="$pid" "$log" &
    tail_pid=$!
    bg_pids+=("$tail_pid")
    wait "$pid"
    rc=$?
    wait "$tail_pid"
    read -r passed failed skipped complete < <(count_cases "$kind" "$log")
  fi

  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    note="killed after the ${stage_timeout} s timeout; +1 failure"
    failed=$((failed + 1))
  elif [ "$rc" -eq 127 ]; then
    note="not run; +1 failure"
    failed=$((failed + 1))
  elif [ "$complete" -eq 0 ]; then
    note="ended (exit $rc) before its summary; +1 failure"
    failed=$((failed + 1))
  elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    note="exit $rc without a failing case; +1 failure"
    failed=1
  fi

  local verdict=ok
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    verdict=FAILED
    any_failed=1
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  local line
  printf -v line '%-18s %-7s %4d passed, %d failed' "$name" "$verdict" "$passed" "$failed"
  [ "$skipped" -eq 0 ] || line+=", $skipped skipped"
  [ -z "$note" ] || line+="  ($note)"
  summary+=("$line")
}

cd "$root" || exit 2
# Thousands of parametrized cases: print failures and summaries, not every OK
# (GTEST_BRIEF=0 make test shows them all).
export GTEST_BRIEF="${GTEST_BRIEF:-1}"
run_stage unit gtest "$build/unit_tests" "$build/unit_tests"
export WSSERVER="$build/wsserver"
# Which backend auto picks here, said once (the start-up line names it).
[ ! -x "$build/wsserver" ] ||
  timeout -s INT 1 "$build/wsserver" --port 0 </dev/null 2>&1 | head -n 1 | sed 's/^/run_all: /'

run_stage conformance gtest "$build/conformance_tests" "$build/conformance_tests"
# The same cases over TLS. A certificate that cannot be made leaves ca.pem
# missing, and the stage counts as not run (+1 failure). Left out, by name:
# Wsload.* (wsload drives a wsserver at a ws:// URL of its own making) and
# WsloadTls.* (wss:// already, with certificates of its own); the rest of
# wsload_test.cpp runs (its fake servers are plain, in-process).
cert="$build/cert"
bash tools/make_cert.sh "$cert" || echo "run_all: tools/make_cert.sh $cert failed"
run_stage conformance-tls gtest "$cert/ca.pem" env WSTEST_TLS_CA="$cert/ca.pem" \
  WSTEST_TLS_CERT="$cert/cert.pem" WSTEST_TLS_KEY="$cert/key.pem" \
  "$build/conformance_tests" --gtest_filter='-Wsload.*:WsloadTls.*'
# The client's side: ws::Client against crafted servers (raw bytes).
run_stage client-conformance gtest "$build/client_conformance_tests" \
  "$build/client_conformance_tests"
run_stage interop interop tests/interop/run.sh bash tests/interop/run.sh "$build/wsserver"
# The same server suites on the other backend.
run_stage conformance-epoll gtest "$build/conformance_tests" env WSTEST_BACKEND=epoll \
  "$build/conformance_tests"
run_stage conformance-tls-epoll gtest "$cert/ca.pem" env WSTEST_BACKEND=epoll \
  WSTEST_TLS_CA="$cert/ca.pem" WSTEST_TLS_CERT="$cert/cert.pem" WSTEST_TLS_KEY="$cert/key.pem" \
  "$build/conformance_tests" --gtest_filter='-Wsload.*:WsloadTls.*'
run_stage interop-epoll interop tests/interop/run.sh env \
  INTEROP_SERVER_ARGS="${INTEROP_SERVER_ARGS:---threads 4} --backend epoll" \
  bash tests/interop/run.sh "$build/wsserver"
run_stage fuzz fuzz tests/fuzz/run.sh \
  bash tests/fuzz/run.sh --check "${FUZZ_BUILD:-build/fuzz}" "${FUZZ_CHECK_SECONDS:-3}"

echo
echo "======== summary ========"
printf '  %s\n' "${summary[@]}"
echo "tests: $total_passed passed, $total_failed failed"
[ "$any_failed" -eq 0 ] && [ "$total_failed" -eq 0 ]
