#!/usr/bin/python3
"""A python3-websockets (Debian 12: 10.4, asyncio API) server for testing
the project's client (ws::Client through build/client_interop) against a
WebSocket implementation written elsewhere.

    /usr/bin/python3 tests/interop/client_peer_server.py [--cert CERT --key KEY]

Listens on 127.0.0.1, an ephemeral port, any path; with --cert/--key it
speaks wss:// only. Its first stdout line is "listening on PORT" once it
accepts. Runs until killed.

Protocol (the same in client_peer_server.mjs; client_interop.cpp relies on
it). Binary messages are echoed as binary. A text message is one of these
commands, else echoed as text:

  fragment N SIZE [binary] [ping]
      one message of N frames (RFC 6455 5.4), frame i being SIZE bytes:
      text: the letter chr(ord('a') + i % 26) repeated; binary: the bytes
      (i * SIZE + j) % 251. With "ping", a ping ("mid-message") between the
      first and second frames (5.4: control frames may be injected), then
      after the message "pong ok" once its pong came back.
  ping [PAYLOAD]
      pings with PAYLOAD; "pong ok" once a pong carrying it came back,
      "pong timeout" after 5 s.
  close CODE REASON
      starts the closing handshake with CODE and REASON.
  label TOKEN
      names this connection: when it ends, the close the client sent is
      recorded under TOKEN. Answers "label ok".
  close-of TOKEN?
      "CODE REASON" of the close recorded under TOKEN (waiting up to 5 s for
      that connection to end), else "none".
  subprotocol?
      "subprotocol=" followed by the one chosen in the handshake (the server
      supports "chat" and "superchat"), empty if none.
"""

import argparse
import asyncio
import ssl
import sys

import websockets

PONG_TIMEOUT = 5.0
CLOSE_WAIT = 5.0

# TOKEN -> (code, reason) of connections that ended; and events that
# close-of waits on, made by whichever side comes first.
closes = {}
close_events = {}


def close_event(token):
    return close_events.setdefault(token, asyncio.Event())


def fragment_payload(index, size, binary):
    if binary:
        return bytes((index * size + j) % 251 for j in range(size))
    return chr(ord("a") + index % 26) * size


async def send_fragmented(ws, args):
    count, size = int(args[0]), int(args[1])
    binary = "binary" in args[2:]
    with_ping = "ping" in args[2:]
    pong_waiter = None

    async def fragments():
        nonlocal pong_waiter
        for i in range(count):
            yield fragment_payload(i, size, binary)
            if i == 0 and with_ping:
                # Written at once, between this frame and the next: send()
                # is still inside the message.
                pong_waiter = await ws.ping(b"mid-message")

    await ws.send(fragments())
    if with_ping:
        await answer_pong(ws, pong_waiter)


async def answer_pong(ws, waiter):
    try:
        await asyncio.wait_for(waiter, PONG_TIMEOUT)
        await ws.send("pong ok")
    except asyncio.TimeoutError:
        await ws.send("pong timeout")


async def close_of(ws, token):
    try:
        await asyncio.wait_for(close_event(token).wait(), CLOSE_WAIT)
        code, reason = closes[token]
        await ws.send(f"{code} {reason}")
    except asyncio.TimeoutError:
        await ws.send("none")


async def command(ws, text, label):
    """Handles one text message; returns the connection's label."""
    word, _, rest = text.partition(" ")
    if word == "fragment":
        await send_fragmented(ws, rest.split())
    elif word == "ping":
        await answer_pong(ws, await ws.ping(rest.encode()))
    elif word == "close":
        code, _, reason = rest.partition(" ")
        await ws.close(int(code), reason)
    elif word == "label":
        label = rest
        await ws.send("label ok")
    elif word == "close-of" and rest.endswith("?"):
        # Not awaited here: the connection being waited for may need this
        # loop to go on reading.
        asyncio.ensure_future(close_of(ws, rest[:-1]))
    elif text == "subprotocol?":
        await ws.send("subprotocol=" + (ws.subprotocol or ""))
    else:
        await ws.send(text)
    return label


async def handler(ws, path=None):
    label = None
    try:
        async for message in ws:
            if isinstance(message, bytes):
                await ws.send(message)
            else:
                label = await command(ws, message, label)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    if label is not None:
        # close_rcvd: what the client sent, not what we answered.
        rcvd = ws.close_rcvd
        closes[label] = (rcvd.code, rcvd.reason) if rcvd else (1006, "")
        close_event(label).set()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    server = await websockets.serve(
        handler,
        "127.0.0.1",
        0,
        ssl=context,
        subprotocols=["chat", "superchat"],
        max_size=None,  # the client's 1 MiB messages and more
        ping_interval=None,  # only the pings asked for
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {port}", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
