#!/usr/bin/env python3
"""The memory attack of issue 8, as a measurement: CONNECTIONS clients each
send a SIZE-byte message minus its last byte to /echo and hold it there; the
server's resident set is read while they hold, and each client reports
whether the server closed it (and with which code).

    python3 bench/memory_attack.py [--connections 200] [--size 16M] [-- SERVER FLAGS...]

Starts build/wsserver on a free loopback port with the given flags (add
--max-memory 0 to see the attack without the budget), pinned to CPU 0 when
taskset exists, and prints one line: peak and settled RSS, closes by code,
and clients still holding. Traffic stays on 127.0.0.1.
"""
import argparse
import base64
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time


def size_arg(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def upgrade(port):
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("no 101")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    return sock


def held_message(size):
    """A masked binary frame header for `size` bytes, and size - 1 payload
    bytes (an all-zero mask key, so the payload is sent as is)."""
    header = bytes([0x82, 0xFF]) + struct.pack(">Q", size) + b"\0\0\0\0"
    return header, b"a" * (size - 1)


def attack(port, header, payload, results, index, held):
    try:
        sock = upgrade(port)
        held.append(sock)  # open until the process ends: the server must hold or close it
        sock.sendall(header)
        view = memoryview(payload)
        while view:
            sent = sock.send(view[:1 << 20])
            view = view[sent:]
        results[index] = "holding"
        sock.settimeout(30)
        frame = sock.recv(4)
        if len(frame) >= 4 and frame[0] == 0x88:
            results[index] = f"close {struct.unpack('>H', frame[2:4])[0]}"
        elif not frame:
            results[index] = "closed"
    except (ConnectionError, OSError) as error:
        if results[index] is None:
            results[index] = f"error {type(error).__name__}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--size", type=size_arg, default=16 << 20)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to hold after sending")
    parser.add_argument("server_flags", nargs="*")
    args = parser.parse_args()

    pin = ["taskset", "-c", "0"] if os.cpu_count() > 1 and os.path.exists("/usr/bin/taskset") else []
    server = subprocess.Popen(pin + ["build/wsserver", "--port", "0"] + args.server_flags,
                              stdout=subprocess.PIPE, text=True)
    banner = server.stdout.readline()
    port = int(re.search(r":(\d+) ", banner).group(1))
    rss_before = status_kib(server.pid, "VmRSS")

    header, payload = held_message(args.size)
    results = [None] * args.connections
    held = []
    threads = [threading.Thread(target=attack, args=(port, header, payload, results, i, held),
                                daemon=True)
               for i in range(args.connections)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    peak = 0
    while any(t.is_alive() for t in threads) and time.monotonic() - start < 60:
        peak = max(peak, status_kib(server.pid, "VmRSS"))
        if all(r is not None for r in results):
            break
        time.sleep(0.05)
    time.sleep(args.settle)
    settled = status_kib(server.pid, "VmRSS")
    peak = max(peak, settled, status_kib(server.pid, "VmHWM"))
    outcomes = {}
    for result in results:
        outcomes[result] = outcomes.get(result, 0) + 1
    server.terminate()
    server.wait(timeout=10)
    print(f"memory_attack: {args.connections} x {args.size} B held, flags {args.server_flags or 'default'}: "
          f"RSS before {rss_before} KiB, peak {peak} KiB, after {args.settle:g} s {settled} KiB; "
          f"outcomes {dict(sorted((str(k), v) for k, v in outcomes.items()))}")


if __name__ == "__main__":
    sys.exit(main())
