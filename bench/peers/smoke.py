#!/usr/bin/python3
"""Checks that an echo server echoes: text as text, binary as binary, small
and 64 KiB messages, over a few concurrent connections. Used by make compare
before a server is measured, so a broken peer is marked, not measured.

    smoke.py ws://127.0.0.1:PORT/echo     exit 0 when every echo matched
"""
import asyncio
import os
import sys

import websockets


async def one(url, n):
    async with websockets.connect(url, compression=None, max_size=1 << 24) as ws:
        for i in range(n):
            for msg in (f"hello {i} \u00e9\u4e2d", os.urandom(20),
                        os.urandom(65536), "x" * 70000):
                await ws.send(msg)
                echo = await ws.recv()
                if type(echo) is not type(msg) or echo != msg:
                    raise RuntimeError(f"bad echo of a {type(msg).__name__} of {len(msg)}")


async def main(url):
    await asyncio.wait_for(asyncio.gather(*(one(url, 5) for _ in range(4))), 20)


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1]))
    except Exception as e:  # noqa: BLE001 - any failure means "not an echo server"
        print(f"smoke: {sys.argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"smoke: {sys.argv[1]}: ok")
