#!/usr/bin/python3
"""Interop: the python3-websockets client (Debian 12: websockets 10.4,
asyncio API) against a running wsserver's /echo endpoint.

    /usr/bin/python3 tests/interop/python_client_test.py ws://127.0.0.1:PORT/echo

The URL may also come from $WS_URL. tests/interop/run.sh starts the server and
calls this, once with ws:// and once with wss:// (a server with --tls-cert):
for wss://, $WS_CA_FILE names the CA certificate to trust (else the system's),
and the certificate must name 127.0.0.1. Use Debian's /usr/bin/python3: a pyenv python3 earlier on PATH does
not have the package.

Covers: text and binary echo at the payload-length boundaries of RFC 6455
section 5.2 (0, 1, 125, 126, 127, 65535, 65536) and 4 MiB, text being mixed
1- to 4-byte UTF-8 of exactly that many bytes; ping with a payload answered by
a pong carrying it (5.5.2, 5.5.3); a message the client sends fragmented
(5.4), echoed whole; the closing handshake echoing 1000 (5.5.1, 7.4.1); no
extension negotiated (the server offers none yet, 9.1); 20 connections open at
once, each echoing; /broadcast reaching every client, the sender included.
Every await is bounded by a timeout, so a server that
stalls fails a test instead of hanging the suite.

Content is random; the seed is printed, and WS_SEED=<seed> replays a run.
"""

import asyncio
import json
import os
import random
import ssl
import sys
import unittest

import websockets

URL = os.environ.get("WS_URL", "ws://127.0.0.1:8080/echo")
SEED = int(os.environ.get("WS_SEED", random.SystemRandom().randrange(1 << 32)))

# Payload lengths around the 7-bit / 16-bit / 64-bit length encodings, and one
# far beyond any single read buffer.
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 4 * 1024 * 1024]


def _tls_context():
    """The client TLS context for wss://: $WS_CA_FILE trusted (the system's
    CAs without it), the host name checked; None for ws://."""
    ca = os.environ.get("WS_CA_FILE")
    context = ssl.create_default_context(cafile=ca or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def tls_kwargs(url):
    """websockets.connect's ssl= for a wss:// URL, nothing for ws://."""
    return {"ssl": _tls_context()} if url.startswith("wss://") else {}


IO_TIMEOUT = 20.0  # seconds; generous, the 4 MiB echo is the slowest step.


def random_bytes(rng, n):
    return rng.randbytes(n)


# One code-point range per UTF-8 encoded length (RFC 3629): ASCII, 2-byte,
# 3-byte (surrogates excluded, they are not encodable), 4-byte.
_RANGES = {
    1: [(0x20, 0x7E)],
    2: [(0x80, 0x7FF)],
    3: [(0x800, 0xD7FF), (0xE000, 0xFFFF)],
    4: [(0x10000, 0x10FFFF)],
}


def random_text(rng, n):
    """Random text whose UTF-8 encoding is exactly n bytes, mixing 1- to
    4-byte characters; ASCII fills whatever a wider character cannot.
    Past 128 KiB it strings together random picks from a pool of random
    blocks of uneven lengths: drawing 4 M characters one by one takes seconds."""
    if n > 128 * 1024:
        pool = [_exact_text(rng, rng.randint(3000, 5000)) for _ in range(32)]
        parts, left = [], n
        while left > 8192:
            block = rng.choice(pool)
            parts.append(block)
            left -= len(block.encode("utf-8"))
        parts.append(_exact_text(rng, left))
        text = "".join(parts)
    else:
        text = _exact_text(rng, n)
    assert len(text.encode("utf-8")) == n
    return text


def _exact_text(rng, n):
    chars = []
    left = n
    while left > 0:
        width = rng.randint(1, min(4, left))
        lo, hi = rng.choice(_RANGES[width])
        chars.append(chr(rng.randint(lo, hi)))
        left -= width
    return "".join(chars)


def timed(aw, timeout=IO_TIMEOUT):
    return asyncio.wait_for(aw, timeout)


async def connect():
    # max_size=None: the default 1 MiB limit would refuse the 4 MiB echo.
    # The client offers permessage-deflate by default; the server must decline.
    return await timed(websockets.connect(URL, max_size=None, **tls_kwargs(URL)), 10)


class ServerTestCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        # The test loop runs in debug mode, which logs every step over 0.1 s;
        # making 100 KB of random text is one. Only real stalls matter here.
        asyncio.get_running_loop().slow_callback_duration = 2.0


class EchoTest(ServerTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.rng = random.Random(f"{SEED}:{self.id()}")
        self.ws = await connect()

    async def asyncTearDown(self):
        await timed(self.ws.close(), 15)

    async def assert_echo(self, message):
        await timed(self.ws.send(message))
        reply = await timed(self.ws.recv())
        self.assertIs(type(reply), type(message), "frame type (text/binary) not kept")
        if reply != message:  # Keep the failure message short for 4 MiB.
            self.fail(f"echo differs: sent {len(message)} "
                      f"{type(message).__name__}, got {len(reply)}")

    async def test_text_and_binary_interleaved(self):
        for n in [3, 200, 70000, 5]:
            await self.assert_echo(random_text(self.rng, n))
            await self.assert_echo(random_bytes(self.rng, n))

    async def test_no_extension_negotiated(self):
        self.assertEqual(self.ws.extensions, [])
        await self.assert_echo("after handshake")

    async def test_ping_with_payload_gets_pong(self):
        # The waiter resolves only when a pong with this exact payload arrives.
        for payload in [b"ping-1", random_bytes(self.rng, 125), b""]:
            waiter = await timed(self.ws.ping(payload))
            await timed(waiter, 10)
        await self.assert_echo("still open after pings")

    async def test_fragmented_text_echoed_whole(self):
        parts = [random_text(self.rng, n) for n in [1, 125, 126, 70000, 0, 9]]
        await timed(self.ws.send(parts))
        reply = await timed(self.ws.recv())
        self.assertEqual(reply, "".join(parts))

    async def test_fragmented_binary_echoed_whole(self):
        parts = [random_bytes(self.rng, n) for n in [10, 0, 65536, 300000, 1]]
        await timed(self.ws.send(parts))
        reply = await timed(self.ws.recv())
        self.assertEqual(reply, b"".join(parts))

    async def test_fragmented_from_async_iterator(self):
        parts = [random_bytes(self.rng, 1000) for _ in range(8)]

        async def fragments():
            for p in parts:
                await asyncio.sleep(0.01)  # arrive in separate reads
                yield p

        await timed(self.ws.send(fragments()))
        reply = await timed(self.ws.recv())
        self.assertEqual(reply, b"".join(parts))
        await self.assert_echo("next message after a fragmented one")

    async def test_clean_close_echoes_1000(self):
        await self.assert_echo("bye soon")
        await timed(self.ws.close(1000, "done"), 15)
        self.assertEqual(self.ws.close_code, 1000)


# One test per size and type (test_text_00000125, ...), so that each counts on
# its own in the summary that tests/run_all.sh adds up.
def _add_size_tests():
    for n in SIZES:
        for kind, make in [("text", random_text), ("binary", random_bytes)]:
            async def test(self, n=n, make=make):
                await self.assert_echo(make(self.rng, n))
            test.__name__ = f"test_{kind}_{n:08d}"
            setattr(EchoTest, test.__name__, test)


_add_size_tests()


class ConcurrencyTest(ServerTestCase):
    CONNECTIONS = 20
    ECHOES = 5

    async def test_20_connections_at_once(self):
        # Open all before any echo, so the server holds all twenty together.
        conns = await timed(asyncio.gather(*(connect() for _ in range(self.CONNECTIONS))), 30)
        try:
            async def session(i, ws):
                rng = random.Random(f"{SEED}:conc:{i}")
                for k in range(self.ECHOES):
                    n = rng.choice([0, 1, 126, 4000, 65536, 100000])
                    msg = random_text(rng, n) if k % 2 == 0 else random_bytes(rng, n)
                    await timed(ws.send(msg))
                    reply = await timed(ws.recv())
                    if reply != msg or type(reply) is not type(msg):
                        raise AssertionError(f"connection {i} echo {k} ({n} bytes) differs")
            await timed(asyncio.gather(*(session(i, ws) for i, ws in enumerate(conns))), 60)
        finally:
            await timed(asyncio.gather(*(ws.close() for ws in conns),
                                       return_exceptions=True), 20)
        self.assertEqual([ws.close_code for ws in conns], [1000] * self.CONNECTIONS)


class BroadcastTest(ServerTestCase):
    """/broadcast: every message any client sends reaches every client of
    the route, the sender included, as sent (text stays text)."""
    CLIENTS = 5

    async def test_every_client_gets_every_message(self):
        url = URL.rsplit("/", 1)[0] + "/broadcast"
        conns = await timed(asyncio.gather(
            *(websockets.connect(url, **tls_kwargs(url)) for _ in range(self.CLIENTS))), 30)
        try:
            await asyncio.sleep(0.1)  # every subscription in place first
            for i, ws in enumerate(conns):
                await timed(ws.send(f"from {i}"))
            await timed(conns[0].send(b"\x00binary"))
            expected = {f"from {i}" for i in range(self.CLIENTS)} | {b"\x00binary"}
            for ws in conns:
                got = {await timed(ws.recv()) for _ in range(self.CLIENTS + 1)}
                self.assertEqual(got, expected)
        finally:
            await timed(asyncio.gather(*(ws.close() for ws in conns),
                                       return_exceptions=True), 20)


class ChatTest(ServerTestCase):
    """/chat?name=NICK: python3-websockets clients chat through the server,
    spread over its loops (run.sh starts it with --threads 4): greeting,
    nick refusals, a room message to every member, a whisper to its target
    alone, an error that leaves the connection open."""
    NICKS = [f"py{i}" for i in range(6)]

    def chat_url(self, nick):
        return URL.rsplit("/", 1)[0] + "/chat?name=" + nick

    async def recv_json(self, ws):
        return json.loads(await timed(ws.recv()))

    async def recv_type(self, ws, kind):
        """The next message of this type, past others' comings and goings."""
        for _ in range(100):
            message = await self.recv_json(ws)
            if message["type"] == kind:
                return message
            self.assertIn(message["type"], ("joined", "left", "members"), message)
        self.fail(f"no {kind} in 100 messages")

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.conns = {}
        for nick in self.NICKS:
            ws = await timed(websockets.connect(self.chat_url(nick), **tls_kwargs(URL)), 10)
            self.conns[nick] = ws
            first = await self.recv_json(ws)
            self.assertEqual(first, {"type": "welcome", "name": nick, "rooms": ["lobby"]})
            greeting = await self.recv_type(ws, "members")
            self.assertEqual(greeting["room"], "lobby")
            self.assertIn(nick, greeting["names"])

    async def asyncTearDown(self):
        await timed(asyncio.gather(*(ws.close() for ws in self.conns.values()),
                                   return_exceptions=True), 20)

    async def test_nicks_taken_or_bad_are_refused(self):
        for nick, status in (("py0", 409), ("bad%20nick", 400), ("x" * 33, 400)):
            # InvalidStatusCode (websockets 10, Debian 12's) or InvalidStatus (13+).
            with self.assertRaises(websockets.exceptions.InvalidHandshake) as refused:
                await timed(websockets.connect(self.chat_url(nick), **tls_kwargs(URL)), 10)
            error = refused.exception
            code = getattr(error, "status_code", None) or error.response.status_code
            self.assertEqual(code, status, nick)

    async def test_a_room_message_reaches_every_member(self):
        for ws in self.conns.values():
            await timed(ws.send(json.dumps({"type": "join", "room": "interop"})))
            members = await self.recv_type(ws, "members")
            self.assertEqual(members["room"], "interop")
        sender = self.conns["py2"]
        await timed(sender.send(json.dumps(
            {"type": "say", "room": "interop", "text": "h\u00e9llo \u2603"})))
        for nick, ws in self.conns.items():
            message = await self.recv_type(ws, "message")
            self.assertEqual((message["room"], message["from"], message["text"]),
                             ("interop", "py2", "h\u00e9llo \u2603"), nick)
            self.assertIsInstance(message["ts"], int)

    async def test_a_whisper_reaches_only_its_target(self):
        await timed(self.conns["py1"].send(json.dumps(
            {"type": "whisper", "to": "py5", "text": "psst"})))
        for nick in ("py1", "py5"):
            private = await self.recv_type(self.conns[nick], "private")
            self.assertEqual((private["from"], private["to"], private["text"]),
                             ("py1", "py5", "psst"))
        for nick in ("py0", "py2", "py3", "py4"):  # a who's answer marks the end
            ws = self.conns[nick]
            await timed(ws.send(json.dumps({"type": "who", "room": "lobby"})))
            while (message := await self.recv_json(ws))["type"] != "members" or \
                    len(message["names"]) != len(self.NICKS):
                self.assertNotEqual(message["type"], "private", nick)

    async def test_an_error_leaves_the_connection_open(self):
        ws = self.conns["py3"]
        await timed(ws.send("not json"))
        self.assertEqual((await self.recv_type(ws, "error"))["code"], "bad_json")
        await timed(ws.send(json.dumps({"type": "whisper", "to": "nobody", "text": "x"})))
        self.assertEqual((await self.recv_type(ws, "error"))["code"], "unknown_nick")
        await timed(ws.send(json.dumps({"type": "say", "room": "lobby", "text": "ok"})))
        self.assertEqual((await self.recv_type(ws, "message"))["text"], "ok")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("ws"):
        URL = sys.argv.pop(1)
    print(f"python_client_test: websockets {websockets.__version__}, {URL}, "
          f"WS_SEED={SEED}", file=sys.stderr, flush=True)
    unittest.main(verbosity=2)
