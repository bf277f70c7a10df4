#!/usr/bin/env python3
"""SIGHUP re-reads the TLS certificate: python3-websockets clients against a
wsserver of this test's own, over wss://.

    /usr/bin/python3 tests/interop/tls_reload_test.py build/wsserver

Two throwaway authorities (tools/make_cert.sh, each a CA and a localhost
certificate it signed). The server starts with A's certificate; a client
that trusts A connects and stays. Then A's files are replaced by B's and the
server gets SIGHUP: a new client must now trust B (one that trusts only A
fails verification), and the client from before still echoes, on A's
session, untouched. Then the key file is made unreadable garbage: SIGHUP
keeps B's certificate and says why on stderr. Last, SIGTERM: the client
from the start gets close 1001. And --tls-sni: each SNI name its certificate.
"""
import asyncio
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = os.environ.get("WSSERVER", os.path.join(ROOT, "build", "wsserver"))
TIMEOUT = 10


def make_authority(directory):
    subprocess.run(["bash", os.path.join(ROOT, "tools", "make_cert.sh"), directory],
                   check=True, stdout=subprocess.DEVNULL)


def trusting(authority):
    return ssl.create_default_context(cafile=os.path.join(authority, "ca.pem"))


def make_self_signed(directory, name):
    """A self-signed certificate for `name` (its own CA), for --tls-sni."""
    os.makedirs(directory, exist_ok=True)
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Server:
    """wsserver on a free port with the certificate and key in `live`."""

    def __init__(self, live, extra=()):
        self.process = subprocess.Popen(
            [SERVER, "--port", "0", "--threads", "2",
             "--tls-cert", os.path.join(live, "cert.pem"),
             "--tls-key", os.path.join(live, "key.pem"), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on [^\s]*:(\d+) .*TLS", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"no TLS start-up line: {line!r}")
        self.port = int(match.group(1))

    def url(self):
        return f"wss://localhost:{self.port}/echo"

    def reload(self):
        self.process.send_signal(signal.SIGHUP)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class TlsReloadTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tls-reload-")
        self.a = os.path.join(self.tmp, "a")
        self.b = os.path.join(self.tmp, "b")
        self.live = os.path.join(self.tmp, "live")
        make_authority(self.a)
        make_authority(self.b)
        os.mkdir(self.live)
        self.install(self.a)
        self.server = Server(self.live)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def install(self, authority):
        for name in ("cert.pem", "key.pem"):
            shutil.copy(os.path.join(authority, name), os.path.join(self.live, name))

    async def echo(self, ws, text):
        await asyncio.wait_for(ws.send(text), TIMEOUT)
        self.assertEqual(await asyncio.wait_for(ws.recv(), TIMEOUT), text)

    async def connect(self, authority):
        return await asyncio.wait_for(
            websockets.connect(self.server.url(), ssl=trusting(authority)), TIMEOUT)

    def wait_for_output(self, stream, pattern):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = stream.readline()
            if re.search(pattern, line):
                return line
        self.fail(f"no line matching {pattern!r}")

    async def test_sighup_swaps_the_certificate_for_new_connections_only(self):
        before = await self.connect(self.a)
        await self.echo(before, "on A")

        self.install(self.b)
        self.server.reload()
        self.wait_for_output(self.server.process.stdout, "certificate reloaded")
        after = await self.connect(self.b)
        await self.echo(after, "on B")
        with self.assertRaises(ssl.SSLCertVerificationError):
            await self.connect(self.a)
        await self.echo(before, "still on A")

        with open(os.path.join(self.live, "key.pem"), "w") as key:
            key.write("not a key\n")
        self.server.reload()
        line = self.wait_for_output(self.server.process.stderr, "kept the old certificate")
        self.assertIn("key.pem", line)
        again = await self.connect(self.b)
        await self.echo(again, "B kept")

        self.server.process.send_signal(signal.SIGTERM)
        with self.assertRaises(websockets.exceptions.ConnectionClosed):
            await asyncio.wait_for(before.recv(), TIMEOUT)
        self.assertEqual(before.close_code, 1001)
        for ws in (after, again):
            await ws.close()


class SniTest(unittest.IsolatedAsyncioTestCase):
    """--tls-sni CERT,KEY: a client asking for that name (SNI) gets that
    certificate; one asking for localhost gets --tls-cert's."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tls-sni-")
        self.main = os.path.join(self.tmp, "main")
        make_authority(self.main)
        self.other_cert, other_key = make_self_signed(os.path.join(self.tmp, "other"),
                                                      "other.test")
        self.server = Server(self.main, ["--tls-sni", f"{self.other_cert},{other_key}"])

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def echo_as(self, server_name, cafile):
        context = ssl.create_default_context(cafile=cafile)
        url = f"wss://127.0.0.1:{self.server.port}/echo"
        async with websockets.connect(url, ssl=context, server_hostname=server_name) as ws:
            await asyncio.wait_for(ws.send(server_name), TIMEOUT)
            self.assertEqual(await asyncio.wait_for(ws.recv(), TIMEOUT), server_name)

    async def test_each_name_gets_its_certificate(self):
        await self.echo_as("localhost", os.path.join(self.main, "ca.pem"))
        await self.echo_as("other.test", self.other_cert)
        with self.assertRaises(ssl.SSLCertVerificationError):
            await self.echo_as("other.test", os.path.join(self.main, "ca.pem"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
