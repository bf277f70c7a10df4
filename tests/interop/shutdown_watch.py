#!/usr/bin/python3
"""Holds connections open across the server's SIGTERM; used by run.sh.

    /usr/bin/python3 tests/interop/shutdown_watch.py ws://127.0.0.1:PORT/echo

For a wss:// URL, $WS_CA_FILE names the CA certificate to trust.

Opens three connections (one has just echoed a message, two are idle), prints
"ready" on stdout, then waits up to 20 s for the server to close them all. On
SIGTERM the server says it is going away: every connection must get a Close
frame with code 1001 (RFC 6455 section 7.4.1). Prints each connection's close
code and exits 0 only if all are 1001.
"""

import asyncio
import os
import ssl
import sys

import websockets

CONNECTIONS = 3


async def main(url):
    options = {}
    if url.startswith("wss://"):
        options["ssl"] = ssl.create_default_context(cafile=os.environ.get("WS_CA_FILE") or None)
    try:
        conns = await asyncio.wait_for(
            asyncio.gather(*(websockets.connect(url, **options) for _ in range(CONNECTIONS))), 10)
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
        print(f"shutdown_watch: could not open {CONNECTIONS} connections: {e!r}", flush=True)
        return 1
    await asyncio.wait_for(conns[0].send("before shutdown"), 10)
    if await asyncio.wait_for(conns[0].recv(), 10) != "before shutdown":
        print("shutdown_watch: echo before shutdown differs", flush=True)
        return 1
    print("ready", flush=True)
    try:
        await asyncio.wait_for(asyncio.gather(*(ws.wait_closed() for ws in conns)), 20)
    except asyncio.TimeoutError:
        pass
    codes = [ws.close_code for ws in conns]  # None: no close frame received
    print(f"shutdown_watch: close codes {codes}", flush=True)
    return 0 if codes == [1001] * CONNECTIONS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
