#!/usr/bin/python3
"""tools/wscat, end to end: piped and --echo modes against build/wsserver and
against a python3-websockets server in this process, and the interactive
mode in a real terminal (tmux).

    env WSCAT=build/wscat WSSERVER=build/wsserver /usr/bin/python3 tests/interop/wscat_test.py

The test starts its own servers on ephemeral loopback ports: a wsserver
(plain, and one with a throwaway certificate from tools/make_cert.sh for
wss://) and a websockets server on an asyncio loop of its own thread, whose
routes echo, stay silent, close with 4001, drop TCP, refuse the upgrade, or
drive --echo with text and binary messages and check what comes back. It
records each upgrade's headers and subprotocol for -H, --origin and
--subprotocol. Every wait is bounded; every process and the tmux server
(a socket of this test's own) are killed at the end.
"""
import asyncio
import http
import os
import queue
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WSCAT = os.path.abspath(os.environ.get("WSCAT", os.path.join(ROOT, "build", "wscat")))
WSSERVER = os.path.abspath(os.environ.get("WSSERVER", os.path.join(ROOT, "build", "wsserver")))
TIMEOUT = 10  # seconds, for any one step

# What the python server's /check route sends to `wscat --echo`, expecting
# each back with the same type and content.
ECHO_CASES = ["hello", "h\u00e9llo w\u00f6rld \u2713", "", b"\x00\x01\xff", b"",
              bytes(range(256)) * 400, "x" * 70000]


class WsServer:
    """build/wsserver on a free loopback port; `tls_dir` from make_cert.sh for wss://."""

    def __init__(self, tls_dir=None):
        args = [WSSERVER, "--host", "127.0.0.1", "--port", "0"]
        if tls_dir:
            args += ["--tls-cert", os.path.join(tls_dir, "cert.pem"),
                     "--tls-key", os.path.join(tls_dir, "key.pem")]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL, text=True)
        line = read_line(self.process.stdout, TIMEOUT)
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"wsserver did not start: {line!r}")
        self.port = int(match.group(1))

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)


class PythonServer:
    """A websockets server on an asyncio loop of its own thread."""

    def __init__(self):
        self.requests = queue.Queue()  # (path, headers, subprotocol) of each upgrade
        self.echo_checks = queue.Queue()  # /check: a list of mismatches, [] if none
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.call(self.serve())
        self.port = self.server.sockets[0].getsockname()[1]

    async def serve(self):
        return await websockets.serve(self.handler, "127.0.0.1", 0,
                                      subprotocols=["chat", "superchat"],
                                      process_request=self.refuse_forbidden)

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(TIMEOUT)

    def stop(self):
        self.server.close()
        self.call(self.server.wait_closed())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)

    async def refuse_forbidden(self, path, headers):
        if path == "/forbidden":
            return http.HTTPStatus.FORBIDDEN, [], b"no\n"
        return None

    async def handler(self, ws, path=None):
        path = ws.path
        self.requests.put((path, ws.request_headers, ws.subprotocol))  # case-insensitive get()
        route = {"/echo": self.echo, "/silent": self.silent, "/close4001": self.close_4001,
                 "/drop": self.drop, "/check": self.check}.get(path, self.echo)
        await route(ws)

    async def echo(self, ws):
        async for message in ws:
            await ws.send(message)

    async def silent(self, ws):
        async for _ in ws:
            pass

    async def close_4001(self, ws):
        await ws.recv()
        await ws.close(4001, "go away")

    async def drop(self, ws):
        await ws.recv()
        ws.transport.abort()

    async def check(self, ws):
        mismatches = []
        for sent in ECHO_CASES:
            await ws.send(sent)
            back = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if type(back) is not type(sent) or back != sent:
                mismatches.append((sent[:20], back[:20]))
        self.echo_checks.put(mismatches)
        await ws.close(1000)


def read_line(stream, timeout):
    """One line of a text pipe, or "" if none arrives in time."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wscat(*args, input="", timeout=TIMEOUT):
    """Runs wscat with piped stdin; killed if it takes longer than `timeout`."""
    stdin = subprocess.DEVNULL if input is None else None
    return subprocess.run([WSCAT, *args], input=input, stdin=stdin, capture_output=True,
                          text=True, timeout=timeout)


servers = {}


def setUpModule():
    # unittest skips tearDownModule when this fails: stop what started here.
    try:
        servers["tls_dir"] = tempfile.mkdtemp(prefix="wscat-test-")
        subprocess.run(["bash", os.path.join(ROOT, "tools", "make_cert.sh"), servers["tls_dir"]],
                       check=True, stdout=subprocess.DEVNULL, timeout=TIMEOUT)
        servers["plain"] = WsServer()
        servers["tls"] = WsServer(servers["tls_dir"])
        servers["python"] = PythonServer()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for name in ("plain", "tls", "python"):
        if name in servers:
            servers[name].stop()
    shutil.rmtree(servers.get("tls_dir", ""), ignore_errors=True)


def wsserver_url(path="/echo"):
    return f"ws://127.0.0.1:{servers['plain'].port}{path}"


def python_url(path="/echo"):
    return f"ws://127.0.0.1:{servers['python'].port}{path}"


def wss_url(path="/echo"):
    return f"wss://127.0.0.1:{servers['tls'].port}{path}"


class PipedTest(unittest.TestCase):
    def assert_clean(self, result, stdout):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, stdout)
        self.assertIn("closed: 1000", result.stderr)

    def test_echo_hello_against_wsserver(self):
        self.assert_clean(wscat(wsserver_url(), input="hello\n"), "hello\n")

    def test_echo_hello_against_python(self):
        self.assert_clean(wscat(python_url(), input="hello\n"), "hello\n")

    def test_lines_come_back_in_order(self):
        lines = "".join(f"line {i}\n" for i in range(200))
        for url in (wsserver_url(), python_url()):
            with self.subTest(url=url):
                self.assert_clean(wscat(url, input=lines), lines)

    def test_a_last_line_without_newline_and_an_empty_line_are_sent(self):
        self.assert_clean(wscat(wsserver_url(), input="a\n\nb"), "a\n\nb\n")

    def test_a_long_line(self):
        line = "0123456789" * 20000 + "\n"
        self.assert_clean(wscat(wsserver_url(), input=line), line)

    def test_binary_lines_print_as_hex_previews(self):
        self.assert_clean(wscat("--binary", wsserver_url(), input="hello\n"),
                          "[binary, 5 bytes] 68 65 6c 6c 6f\n")
        long = wscat("--binary", python_url(), input="a" * 40 + "\n")
        self.assert_clean(long, "[binary, 40 bytes]" + " 61" * 32 + " ...\n")

    def test_end_of_input_waits_at_most_wait_seconds_for_answers(self):
        start = time.monotonic()
        result = wscat("--wait", "0.5", python_url("/silent"), input="one\ntwo\n")
        elapsed = time.monotonic() - start
        self.assert_clean(result, "")
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 5)

    def test_sigint_closes_with_1000(self):
        process = subprocess.Popen([WSCAT, wsserver_url()], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("connected", read_line(process.stderr, TIMEOUT))
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(TIMEOUT), 0)
            self.assertIn("closed: 1000", process.stderr.read())
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(TIMEOUT)
            for stream in (process.stdin, process.stdout, process.stderr):
                stream.close()


class FailureTest(unittest.TestCase):
    def test_refused_upgrade_shows_the_status_line(self):
        result = wscat(wsserver_url("/no-such-route"), input="hello\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("HTTP/1.1 404 Not Found", result.stderr)
        self.assertEqual(result.stdout, "")
        result = wscat(python_url("/forbidden"), input="hello\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("403 Forbidden", result.stderr)

    def test_connection_refused(self):
        result = wscat(f"ws://127.0.0.1:{free_port()}/", input="hello\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Connection refused", result.stderr)

    def test_bad_usage_exits_2(self):
        for args in ([], ["--no-such-flag", python_url()], ["http//nope"],
                     ["-H", "no colon", python_url()], ["--wait", "-1", python_url()],
                     [python_url(), python_url()]):
            with self.subTest(args=args):
                result = wscat(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("wscat:", result.stderr)

    def test_help_exits_0(self):
        result = wscat("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("usage: wscat", result.stdout)

    def test_a_close_with_another_code_from_the_server_is_abnormal(self):
        result = wscat(python_url("/close4001"), input="hello\n")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("closed: 4001", result.stderr)
        self.assertIn("go away", result.stderr)

    def test_tcp_ending_without_a_close_is_abnormal(self):
        result = wscat(python_url("/drop"), input="hello\n")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("closed: 1006", result.stderr)


class TlsTest(unittest.TestCase):
    def test_ca_verifies_the_server(self):
        result = wscat("--ca", os.path.join(servers["tls_dir"], "ca.pem"), wss_url(),
                       input="secret\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "secret\n")

    def test_without_the_ca_verification_fails(self):
        result = wscat(wss_url(), input="secret\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("certificate verify failed", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_insecure_skips_verification(self):
        result = wscat("--insecure", wss_url(), input="secret\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "secret\n")

    def test_an_unreadable_ca_is_a_usage_error(self):
        result = wscat("--ca", "/nonexistent/ca.pem", wss_url(), input="secret\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("/nonexistent/ca.pem", result.stderr)


class HandshakeOptionsTest(unittest.TestCase):
    def setUp(self):
        self.path = f"/record-{uuid.uuid4().hex}"

    def recorded(self):
        """The python server's record of this test's upgrade."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            path, headers, subprotocol = servers["python"].requests.get(timeout=TIMEOUT)
            if path == self.path:
                return headers, subprotocol
        self.fail(f"no upgrade to {self.path}")

    def test_headers_and_origin_reach_the_server(self):
        result = wscat("-H", "X-Test: one two", "--header", "Authorization: Bearer t0ken",
                       "--origin", "http://example.test", python_url(self.path), input="hi\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        headers, _ = self.recorded()
        self.assertEqual(headers.get("X-Test"), "one two")
        self.assertEqual(headers.get("Authorization"), "Bearer t0ken")
        self.assertEqual(headers.get("Origin"), "http://example.test")

    def test_subprotocol_is_negotiated(self):
        result = wscat("--subprotocol", "nope", "--subprotocol", "superchat",
                       python_url(self.path), input="hi\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("subprotocol superchat", result.stderr)
        headers, subprotocol = self.recorded()
        self.assertEqual(subprotocol, "superchat")
        self.assertEqual(headers.get("Sec-WebSocket-Protocol"), "nope, superchat")

    def test_no_subprotocol_in_common(self):
        result = wscat("--subprotocol", "nope", python_url(self.path), input="hi\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("subprotocol", result.stderr)
        self.assertEqual(self.recorded()[1], None)


class EchoModeTest(unittest.TestCase):
    def test_every_message_comes_back_identical(self):
        result = wscat("--echo", python_url("/check"), input=None)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(servers["python"].echo_checks.get(timeout=TIMEOUT), [])
        self.assertIn("closed: 1000", result.stderr)
        self.assertEqual(result.stdout, "")


class TerminalTest(unittest.TestCase):
    """wscat at a prompt in a tmux pane: keys in, the screen read back."""

    def setUp(self):
        # make deps installs it: missing, the test fails rather than skips.
        self.assertIsNotNone(shutil.which("tmux"), "tmux is not installed (run: make deps)")
        self.session = f"wscat{uuid.uuid4().hex[:8]}"
        # A tmux server of this test's own, its socket in a directory removed after.
        self.socket_dir = tempfile.mkdtemp(prefix="wscat-tmux-")
        self.socket = os.path.join(self.socket_dir, "tmux")

    def tearDown(self):
        self.tmux("kill-session", "-t", self.session, check=False)
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def tmux(self, *args, check=True):
        # The pane's environment is the tmux server's, made here: no NO_COLOR.
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args],
                              check=check, capture_output=True, text=True, timeout=TIMEOUT,
                              env=env)

    def start(self, *args):
        command = " ".join(shlex.quote(a) for a in (WSCAT, *args))
        # The pane outlives wscat, to show its exit status.
        self.tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", self.session,
                  f"{command}; echo wscat-exit=$?; sleep 600")
        self.wait_for(r"connected to")
        self.wait_for(r"^>")

    def type(self, text):
        self.tmux("send-keys", "-t", self.session, "-l", text)
        self.tmux("send-keys", "-t", self.session, "Enter")

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []),
                         "-t", self.session).stdout

    def wait_for(self, pattern, escapes=False):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            screen = self.screen(escapes)
            if re.search(pattern, screen, re.MULTILINE):
                return screen
            time.sleep(0.05)
        self.fail(f"{pattern!r} not on the screen:\n{self.screen()}")

    def test_type_ping_binary_close(self):
        self.start(wsserver_url())
        self.type("hello")
        self.wait_for(r"^< hello$")
        self.type("/ping hi")
        self.wait_for(r"pong: hi$")
        self.type("/binary 0102ff")
        self.wait_for(r"^< \[binary, 3 bytes\] 01 02 ff$")
        self.type("//slash")
        self.wait_for(r"^< /slash$")
        self.type("/close 4000 bye")
        self.wait_for(r"closed: 4000")
        self.wait_for(r"^wscat-exit=0$")

    def test_a_bad_command_is_reported_and_the_session_goes_on(self):
        self.start(python_url())
        self.type("/binary xyz")
        self.wait_for(r"/binary wants hex digits")
        self.type("/nope")
        self.wait_for(r"unknown command /nope")
        self.type("/close 1005")
        self.wait_for(r"close code must be")
        self.type("still here")
        self.wait_for(r"^< still here$")
        self.type("/quit")
        self.wait_for(r"closed: 1000")
        self.wait_for(r"^wscat-exit=0$")

    def test_control_characters_from_the_server_are_escaped(self):
        self.start("--no-color", wsserver_url())
        self.type("a\x1b[2Jb")
        self.wait_for(r"^< a\\x1b\[2Jb$")
        self.assertNotIn("\x1b", self.screen(escapes=True))

    def test_colors_unless_no_color(self):
        self.start(wsserver_url())
        self.type("colored")
        self.wait_for(r"\x1b\[32m< ", escapes=True)

    def test_ctrl_c_closes_with_1000(self):
        self.start(wsserver_url())
        self.tmux("send-keys", "-t", self.session, "C-c")
        self.wait_for(r"closed: 1000")
        self.wait_for(r"^wscat-exit=0$")

    def test_ctrl_d_closes_with_1000(self):
        self.start(python_url())
        self.tmux("send-keys", "-t", self.session, "C-d")
        self.wait_for(r"closed: 1000")
        self.wait_for(r"^wscat-exit=0$")


if __name__ == "__main__":
    for path, what in ((WSCAT, "WSCAT"), (WSSERVER, "WSSERVER")):
        if not os.access(path, os.X_OK):
            sys.exit(f"wscat_test: {what}={path} is not an executable (build it first)")
    unittest.main(verbosity=2)
