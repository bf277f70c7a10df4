#!/usr/bin/env bash
# Interop: runs clients written elsewhere against the real server.
#
#   bash tests/interop/run.sh build/wsserver        (make interop)
#
# Starts the server on an ephemeral port (read from its first stdout line,
# "wsserver: listening on 127.0.0.1:PORT ..."), runs the python3-websockets
# client (python_client_test.py) and the Node ws client (node_client_test.mjs)
# against ws://127.0.0.1:PORT/echo, and the chat page in headless Chromium
# (browser_chat_test.mjs, with a server of its own; then again with
# BROWSER_TLS=1, over https:// and wss://), tls_reload_test.py (SIGHUP's
# certificate swap, on servers of its own), then sends SIGTERM with
# connections still open (shutdown_watch.py): each must get close code 1001
# and the server must exit 0.
#
# Then the same over wss://: a certificate from tools/make_cert.sh (a CA and
# a certificate for localhost and 127.0.0.1, in a temporary directory), a
# second server with --tls-cert/--tls-key, `openssl s_client` checks (TLS 1.3
# and TLS 1.2 with ALPN http/1.1 and a verified certificate, TLS 1.1
# refused), the python and Node clients against wss://127.0.0.1:PORT/echo
# trusting the CA (WS_CA_FILE), and the SIGTERM check again. Exits non-zero
# if anything failed.
#
# Besides the clients' own summaries ("Ran N tests" / "OK" / "FAILED (...)" from
# unittest, "# pass N" / "# fail N" from node --test), this script's own checks
# print one line each, "interop-check: PASS|FAIL <what>", which
# tests/run_all.sh counts as test cases.
#
# Every step is bounded in time; the server and any client still running are
# killed on any exit, including Ctrl-C.
#
# Environment:
#   INTEROP_CLIENT_TIMEOUT  seconds allowed to each client (default 300)
#   INTEROP_SERVER_ARGS     extra server arguments (default "--threads 4", so that
#                           /broadcast and /chat clients meet across loops)
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <server-binary>" >&2
  exit 2
fi
server=$1
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3 # Debian's: a pyenv python3 on PATH lacks websockets
client_timeout=${INTEROP_CLIENT_TIMEOUT:-300}
read -r -a server_args <<<"${INTEROP_SERVER_ARGS:---threads 4}"

tmp=$(mktemp -d)
server_pid=""
bg_pids=() # clients, watchers and tails still to kill on exit
failures=0
results=()

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "interop: interrupted" >&2; exit 130' INT
trap 'echo "interop: terminated" >&2; exit 143' TERM

check() { # check PASS|FAIL <what>
  echo "interop-check: $1 $2"
  results+=("$1  $2")
  [ "$1" = PASS ] || failures=$((failures + 1))
}

# finish: prints the summary and exits, 0 only if nothing failed. The last
# line is "interop: all passed" or "interop: FAILED" (tests/run_all.sh reads it).
finish() {
  [ "$failures" -eq 0 ] || dump_server_stderr
  echo
  echo "==== interop summary ===="
  printf '  %s\n' "${results[@]}"
  if [ "$failures" -eq 0 ]; then
    echo "interop: all passed"
    exit 0
  fi
  echo "interop: FAILED"
  exit 1
}

dump_server_stderr() {
  local err
  for err in "$tmp"/server-*.err; do
    [ -s "$err" ] || continue
    echo "---- $(basename "$err" .err) stderr (last 80 lines) ----"
    tail -n 80 "$err"
    echo "---- end of server stderr ----"
  done
}

# run_client <name> <command...>: runs the command in the background, bounded
# by the timeout, streaming its output as it comes; the trap can kill it
# (a foreground child would hold off Ctrl-C until it ended).
run_client() {
  local name=$1 log="$tmp/$1.log" rc tail_pid
  shift
  echo
  echo "==== interop: $name ===="
  : >"$log"
  timeout -k 5 "$client_timeout" "$@" >"$log" 2>&1 </dev/null &
  client_pid=$!
  bg_pids+=("$client_pid")
  tail -n +1 -f --pid="$client_pid" "$log" &
  tail_pid=$!
  bg_pids+=("$tail_pid")
  wait "$client_pid"
  rc=$?
  wait "$tail_pid"
  if [ "$rc" -eq 0 ]; then
    results+=("ok    $name")
  else
    echo
    failures=$((failures + 1))
    results+=("FAIL  $name (exit $rc)")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      check FAIL "$name: killed after the ${client_timeout} s timeout"
    elif ! grep -Eq '^(Ran [0-9]+ tests?|# pass [0-9]+)' "$log"; then
      check FAIL "$name: exited $rc without a test summary"
    fi
  fi
}

# start_server <label> <extra flags...>: starts a server on an ephemeral port
# (output in $tmp/server-<label>.out/.err) and sets server_pid, port and
# line (its first stdout line); returns 1, after a FAIL check, if it does not
# print its port within 10 s.
start_server() {
  local label=$1
  shift
  "$server" --host 127.0.0.1 --port 0 "${server_args[@]}" "$@" \
    >"$tmp/server-$label.out" 2>"$tmp/server-$label.err" &
  server_pid=$!
  port=""
  line=""
  for _ in $(seq 100); do # up to 10 s
    line=$(head -n 1 "$tmp/server-$label.out")
    if [[ $line =~ listening\ on\ [^[:space:]]*:([0-9]+) ]]; then
      port=${BASH_REMATCH[1]}
      break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    check FAIL "$label: server starts and prints 'listening on HOST:PORT' within 10 s (first line: '${line:-}')"
    return 1
  fi
  echo "interop: $line"
  return 0
}

# shutdown_check <label> <url> [env assignments...]: SIGTERM with connections
# open (shutdown_watch.py): close 1001 to each, then the server exits 0.
shutdown_check() {
  local label=$1 url=$2 watch_pid watch_rc exited status
  shift 2
  echo
  echo "==== interop: shutdown on SIGTERM ($label) ===="
  kill -0 "$server_pid" 2>/dev/null || check FAIL "$label: server still running after the clients"
  timeout -k 5 60 env "$@" "$python" "$here/shutdown_watch.py" "$url" \
    >"$tmp/watch-$label.out" 2>&1 </dev/null &
  watch_pid=$!
  bg_pids+=("$watch_pid")
  for _ in $(seq 100); do # up to 10 s for the watcher to connect
    grep -q '^ready$' "$tmp/watch-$label.out" && break
    kill -0 "$watch_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ready$' "$tmp/watch-$label.out" ||
    echo "interop: the watcher never got ready; sending SIGTERM anyway"

  kill -TERM "$server_pid" 2>/dev/null
  exited=""
  for _ in $(seq 150); do # up to 15 s to drain and exit
    if ! kill -0 "$server_pid" 2>/dev/null; then
      exited=yes
      break
    fi
    sleep 0.1
  done
  if [ -n "$exited" ]; then
    wait "$server_pid"
    status=$?
    server_pid=""
    if [ "$status" -eq 0 ]; then
      check PASS "$label: server exits 0 on SIGTERM"
    else
      check FAIL "$label: server exits 0 on SIGTERM (exit status $status)"
    fi
  else
    check FAIL "$label: server exits 0 on SIGTERM (still running after 15 s; killed)"
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi

  wait "$watch_pid"
  watch_rc=$?
  cat "$tmp/watch-$label.out"
  if [ "$watch_rc" -eq 0 ]; then
    check PASS "$label: SIGTERM sends close 1001 on every open connection"
  else
    check FAIL "$label: SIGTERM sends close 1001 on every open connection (watcher exit $watch_rc)"
  fi
}

# s_client_check <what> <expected-regex...> -- <openssl s_client flags...>:
# one handshake with the wss:// server (nothing sent), its output must match
# every regex.
s_client_check() {
  local what=$1 out missing="" re
  shift
  local res=()
  while [ "$1" != "--" ]; do
    res+=("$1")
    shift
  done
  shift
  out=$(timeout -k 2 10 openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null 2>&1)
  for re in "${res[@]}"; do
    grep -Eq -- "$re" <<<"$out" || missing+=" '$re'"
  done
  if [ -z "$missing" ]; then
    check PASS "wss: $what"
  else
    check FAIL "wss: $what (no$missing in the s_client output)"
    printf '%s\n' "$out" | tail -n 25
  fi
}

# ---- ws:// --------------------------------------------------------------------
if [ ! -x "$server" ]; then
  echo "interop: no server binary at $server" >&2
  check FAIL "server binary exists: $server"
  finish
fi
if start_server ws; then
  check PASS "server starts and prints its port"
  url="ws://127.0.0.1:$port/echo"

  run_client python-websockets "$python" "$here/python_client_test.py" "$url"

  if [ -d "$here/node_modules/ws" ]; then
    run_client node-ws env WS_URL="$url" node --test --test-reporter=tap "$here/node_client_test.mjs"
  else
    check FAIL "node-ws: tests/interop/node_modules/ws missing (run: make deps)"
  fi

  # The chat page (static/) in headless Chromium through playwright-core. It
  # starts a wsserver of its own, since it kills and restarts it.
  if [ ! -d "$here/node_modules/playwright-core" ]; then
    check FAIL "browser-chat: tests/interop/node_modules/playwright-core missing (run: make deps)"
  elif [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    check FAIL "browser-chat: no Chromium at ${CHROMIUM:-/usr/bin/chromium} (run: make deps)"
  else
    run_client browser-chat env WSSERVER="$server" node --test --test-reporter=tap "$here/browser_chat_test.mjs"
    # The same over https:// and wss:// (its own certificate and TLS server).
    run_client browser-chat-tls env BROWSER_TLS=1 WSSERVER="$server" node --test --test-reporter=tap "$here/browser_chat_test.mjs"
  fi
  # SIGHUP swaps the certificate for new connections only (its own servers).
  run_client tls-reload env WSSERVER="$server" "$python" "$here/tls_reload_test.py"

  shutdown_check ws "$url"
fi

# ---- wss:// -------------------------------------------------------------------
echo
echo "==== interop: wss:// ===="
cert="$tmp/cert"
if ! bash "$here/../../tools/make_cert.sh" "$cert"; then
  check FAIL "wss: tools/make_cert.sh makes a certificate"
elif start_server wss --tls-cert "$cert/cert.pem" --tls-key "$cert/key.pem"; then
  if [[ $line == *", TLS)"* ]]; then
    check PASS "wss: server starts and says TLS in its start-up line"
  else
    check FAIL "wss: server starts and says TLS in its start-up line (got '$line')"
  fi
  url="wss://127.0.0.1:$port/echo"
  verify=(-CAfile "$cert/ca.pem" -verify_return_error -verify_ip 127.0.0.1)
  s_client_check "openssl s_client -tls1_3 -alpn http/1.1: TLSv1.3, ALPN http/1.1, certificate verified" \
    'New, TLSv1\.3,' '^ALPN protocol: http/1\.1$' 'Verify return code: 0 \(ok\)' -- \
    -tls1_3 -alpn http/1.1 "${verify[@]}"
  s_client_check "openssl s_client -tls1_2 -alpn http/1.1: TLSv1.2, ALPN http/1.1, certificate verified" \
    'New, TLSv1\.2,' '^ALPN protocol: http/1\.1$' 'Verify return code: 0 \(ok\)' -- \
    -tls1_2 -alpn http/1.1 "${verify[@]}"
  # TLS 1.1 must be refused by the server: the client offers it (security
  # level 0 lets OpenSSL 3 offer it at all) and gets no session.
  out=$(timeout -k 2 10 openssl s_client -connect "127.0.0.1:$port" -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' "${verify[@]}" </dev/null 2>&1)
  # (Its "Protocol : TLSv1.1" line shows what was asked, even with no session.)
  if grep -Eq 'New, TLSv1\.1,' <<<"$out"; then
    check FAIL "wss: openssl s_client -tls1_1 refused (a TLS 1.1 session was made)"
  elif grep -q 'no protocols available' <<<"$out"; then
    check FAIL "wss: openssl s_client -tls1_1 refused (this openssl cannot offer TLS 1.1: not tested)"
  else
    check PASS "wss: openssl s_client -tls1_1 refused ($(grep -Eo 'alert [a-z ]+|unsupported protocol|unexpected eof' <<<"$out" | head -n 1))"
  fi

  run_client python-websockets-wss env WS_CA_FILE="$cert/ca.pem" \
    "$python" "$here/python_client_test.py" "$url"
  if [ -d "$here/node_modules/ws" ]; then
    run_client node-ws-wss env WS_URL="$url" WS_CA_FILE="$cert/ca.pem" \
      node --test --test-reporter=tap "$here/node_client_test.mjs"
  else
    check FAIL "node-ws-wss: tests/interop/node_modules/ws missing (run: make deps)"
  fi

  shutdown_check wss "$url" WS_CA_FILE="$cert/ca.pem"
fi

# ---- the client's side ----------------------------------------------------------
# ws::Client (through build/client_interop) against python3-websockets' and
# Node ws's servers, ws:// and wss://; and wscat, piped and in tmux.
build_dir=$(dirname "$server")
run_client client-interop env CLIENT_INTEROP="$build_dir/client_interop" \
  WSSERVER="$server" "$python" "$here/client_interop_test.py"
run_client wscat env WSCAT="$build_dir/wscat" WSSERVER="$server" \
  "$python" "$here/wscat_test.py"

finish
