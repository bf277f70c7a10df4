#!/usr/bin/python3
"""Interop for the client side: the project's client (ws::Client, through
build/client_interop's scenarios) against servers written elsewhere.

    env CLIENT_INTEROP=build/client_interop WSSERVER=build/wsserver \\
        /usr/bin/python3 tests/interop/client_interop_test.py

(tests/interop/run.sh runs it so.) Makes a certificate with
tools/make_cert.sh in a temporary directory, then starts, each on an
ephemeral loopback port:
  - client_peer_server.py (python3-websockets) and client_peer_server.mjs
    (Node ws), ws:// and wss://, and runs every client_interop scenario
    against each of the four (one test case each): every size class, pings
    both ways, fragmented messages from the server, closes both ways, the
    subprotocol;
  - build/wsserver, ws:// and wss://: echo, sizes and pings (it has no
    commands);
and checks that wss:// without the CA fails verification with the reason,
that wss://localhost (name, not IP, verified; ::1 tried first may be
refused) works, and that the client goes through an HTTP proxy with CONNECT
(the proxy here, which records what it was asked) for ws:// and wss://, and
reports a proxy's refusal.

Every wait is bounded; every process started is killed when its test class
ends. Use Debian's /usr/bin/python3 (a pyenv python3 lacks websockets).
"""

import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLIENT = os.path.abspath(os.environ.get("CLIENT_INTEROP", "build/client_interop"))
WSSERVER = os.path.abspath(os.environ.get("WSSERVER", "build/wsserver"))
PYTHON = "/usr/bin/python3"

START_TIMEOUT = 10.0  # seconds for a server to print its port
CLIENT_TIMEOUT = 60.0  # seconds for one scenario (1 MiB echoes over TLS included)

SCENARIOS = [
    "echo",
    "sizes",
    "fragmented",
    "server-ping",
    "client-ping",
    "close-from-client",
    "close-from-server",
    "subprotocol",
]

cert_dir = None  # made once, in setUpModule


def setUpModule():
    global cert_dir
    cert_dir = tempfile.TemporaryDirectory(prefix="client-interop-")
    subprocess.run(
        ["bash", os.path.join(ROOT, "tools", "make_cert.sh"), cert_dir.name],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=30,
    )


def tearDownModule():
    cert_dir.cleanup()


def cert(name):
    return os.path.join(cert_dir.name, name)


class Process:
    """A server started with `argv`, its port read from its first stdout
    line ("listening on PORT" from the peers, "wsserver: listening on
    127.0.0.1:PORT (...)" from wsserver)."""

    def __init__(self, argv):
        self.argv = argv
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL
        )
        line = self._first_line()
        match = re.search(r"listening on (?:\S*:)?(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"{argv[0]}: no port in its first line {line!r}: {self.errors()}")
        self.port = int(match.group(1))

    def _first_line(self):
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 1)
            if not chunk:
                break
            line += chunk
        return line.decode(errors="replace")

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-2000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def run_client(scenario, url, *flags):
    """Runs client_interop; (exit code, its stdout and stderr together)."""
    try:
        done = subprocess.run(
            [CLIENT, scenario, url, *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=CLIENT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        return -1, f"killed after {CLIENT_TIMEOUT} s\n{out}"
    return done.returncode, done.stdout.decode(errors="replace")


class PeerCase(unittest.TestCase):
    """Starts one server per class; subclasses say which (server_argv), and
    whether it speaks TLS."""

    tls = False
    server = None

    @classmethod
    def server_argv(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.server = Process(cls.server_argv())

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def url(self, host="127.0.0.1"):
        return f"{'wss' if self.tls else 'ws'}://{host}:{self.server.port}/client-interop"

    def ca_flags(self):
        return ["--ca", cert("ca.pem")] if self.tls else []

    def assertScenario(self, scenario, *flags, url=None):
        code, out = run_client(scenario, url or self.url(), *self.ca_flags(), *flags)
        if code != 0:
            self.fail(
                f"client_interop {scenario} exited {code}:\n{out}"
                f"---- server stderr ----\n{self.server.errors()}"
            )
        return out


def scenario_test(scenario):
    def test(self):
        flags = []
        if scenario == "subprotocol":
            # "superchat" is the only one both peers support.
            flags = ["--subprotocol", "nonesuch", "--subprotocol", "superchat"]
        out = self.assertScenario(scenario, *flags)
        if scenario == "subprotocol":
            self.assertIn('subprotocol() is "superchat"', out)

    test.__name__ = "test_" + scenario.replace("-", "_")
    test.__doc__ = f"client_interop {scenario}"
    return test


class PeerScenarios:
    """Every scenario, one test case each (a mixin: not run on its own)."""


for _scenario in SCENARIOS:
    setattr(PeerScenarios, "test_" + _scenario.replace("-", "_"), scenario_test(_scenario))


def tls_args(flag_cert, flag_key):
    return [flag_cert, cert("cert.pem"), flag_key, cert("key.pem")]


class PythonWs(PeerScenarios, PeerCase):
    @classmethod
    def server_argv(cls):
        return [PYTHON, os.path.join(HERE, "client_peer_server.py")]


class PythonWss(PeerScenarios, PeerCase):
    tls = True

    @classmethod
    def server_argv(cls):
        return [PYTHON, os.path.join(HERE, "client_peer_server.py"), *tls_args("--cert", "--key")]

    def test_localhost_name_verified(self):
        """wss://localhost: the certificate's DNS name checked; if localhost
        resolves to ::1 first, that refused address is passed over."""
        self.assertScenario("echo", url=self.url("localhost"))

    def test_no_ca_fails_verification(self):
        code, out = run_client("echo", self.url())
        self.assertEqual(code, 3, out)
        self.assertRegex(out.lower(), r"certificate|verif", out)


class NodeWs(PeerScenarios, PeerCase):
    @classmethod
    def server_argv(cls):
        return ["node", os.path.join(HERE, "client_peer_server.mjs")]


class NodeWss(PeerScenarios, PeerCase):
    tls = True

    @classmethod
    def server_argv(cls):
        return ["node", os.path.join(HERE, "client_peer_server.mjs"), *tls_args("--cert", "--key")]

    def test_no_ca_fails_verification(self):
        code, out = run_client("echo", self.url())
        self.assertEqual(code, 3, out)
        self.assertRegex(out.lower(), r"certificate|verif", out)


class WsserverScenarios:
    """build/wsserver's /echo: the scenarios that need no commands (a mixin)."""

    def url(self, host="127.0.0.1"):
        return f"{'wss' if self.tls else 'ws'}://{host}:{self.server.port}/echo"

    def test_echo(self):
        self.assertScenario("echo")

    def test_sizes(self):
        self.assertScenario("sizes")

    def test_client_ping(self):
        self.assertScenario("client-ping")


class WsserverWs(WsserverScenarios, PeerCase):
    @classmethod
    def server_argv(cls):
        return [WSSERVER, "--host", "127.0.0.1", "--port", "0"]


class WsserverWss(WsserverScenarios, PeerCase):
    tls = True

    @classmethod
    def server_argv(cls):
        return [
            WSSERVER,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *tls_args("--tls-cert", "--tls-key"),
        ]


class ConnectProxy:
    """An HTTP proxy that knows only CONNECT (RFC 9110 9.3.6), to loopback
    targets: reads the request head, connects, answers 200 (or `refuse`'s
    status line instead), then relays bytes both ways until either side
    closes. `requests` holds each request line seen."""

    def __init__(self, refuse=None):
        self.refuse = refuse
        self.requests = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closed = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.closed.set()
        self.listener.close()
        for t in self.threads:
            t.join(timeout=5)

    def _accept(self):
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, client):
        client.settimeout(10)
        with client:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 8192:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            head, _, early = head.partition(b"\r\n\r\n")
            line = head.split(b"\r\n")[0].decode(errors="replace")
            self.requests.append(line)
            method, target, _ = (line.split(" ") + ["", ""])[:3]
            host, _, port = target.rpartition(":")
            if self.refuse or method != "CONNECT" or host not in ("127.0.0.1", "localhost"):
                client.sendall(f"HTTP/1.1 {self.refuse or '403 Forbidden'}\r\n\r\n".encode())
                return
            upstream = socket.create_connection((host, int(port)), timeout=10)
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if early:
                    upstream.sendall(early)
                self._relay(client, upstream)

    def _relay(self, a, b):
        peers = {a: b, b: a}
        while not self.closed.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.5)
            for s in readable:
                data = s.recv(65536)
                if not data:
                    # One side ended: pass the end on, and stop.
                    try:
                        peers[s].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                peers[s].sendall(data)


class ThroughProxy(unittest.TestCase):
    """The client dials through ConnectProxy: the python peer, ws:// and wss://."""

    @classmethod
    def setUpClass(cls):
        cls.ws = Process([PYTHON, os.path.join(HERE, "client_peer_server.py")])
        cls.wss = Process(
            [PYTHON, os.path.join(HERE, "client_peer_server.py"), *tls_args("--cert", "--key")]
        )

    @classmethod
    def tearDownClass(cls):
        cls.ws.stop()
        cls.wss.stop()

    def setUp(self):
        self.proxy = None

    def tearDown(self):
        if self.proxy:
            self.proxy.close()

    def check_through_proxy(self, scheme, server, *flags):
        self.proxy = ConnectProxy()
        url = f"{scheme}://127.0.0.1:{server.port}/via-proxy"
        code, out = run_client("sizes", url, "--proxy", self.proxy.url(), *flags)
        self.assertEqual(code, 0, out)
        self.assertIn(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1", self.proxy.requests, out)

    def test_ws_through_proxy(self):
        self.check_through_proxy("ws", self.ws)

    def test_wss_through_proxy(self):
        self.check_through_proxy("wss", self.wss, "--ca", cert("ca.pem"))

    def test_proxy_refusal_reported(self):
        self.proxy = ConnectProxy(refuse="407 Proxy Authentication Required")
        url = f"ws://127.0.0.1:{self.ws.port}/via-proxy"
        code, out = run_client("echo", url, "--proxy", self.proxy.url())
        self.assertEqual(code, 3, out)
        self.assertIn("407", out)
        self.assertEqual(len(self.proxy.requests), 1, self.proxy.requests)


if __name__ == "__main__":
    for path in (CLIENT, WSSERVER):
        if not os.access(path, os.X_OK):
            print(f"client_interop_test: no executable at {path}", file=sys.stderr)
            sys.exit(2)
    unittest.main(verbosity=2)
