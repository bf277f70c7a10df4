#!/usr/bin/env python3
"""Writes the seed corpora of the client's fuzz harnesses:
tests/fuzz/corpus/client_handshake/ and tests/fuzz/corpus/client_reader/.

    python3 tests/fuzz/make_client_corpus.py

Each seed is laid out the way its harness reads its input (the header
comment of tests/fuzz/client_handshake.cpp and client_reader.cpp). The
responses are valid 101s and near misses of each check the client makes
(the cases of tests/client_conformance/handshake_test.cpp); the streams are
server frames (unmasked) of every kind, and the failures of
tests/client_conformance/: masked frames, RSV bits, reserved opcodes, bad
UTF-8, bad close codes, the read limit. Frame helpers come from
make_corpus.py; files are named by content, and the two folders are
emptied first, so a seed taken out of this script goes away.
"""

import shutil
import struct

from make_corpus import (BINARY, CLOSE, CONT, KEY, PING, PONG, ROOT, TEXT, close_payload,
                         frame, header, write)

# The RFC's example key (4.2.2) and its accept: the harnesses' request.
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


# ---- client_handshake: flags, cut (u16 LE), response ----

def response(status=b"HTTP/1.1 101 Switching Protocols", lines=None, extra=()):
    if lines is None:
        lines = [b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Accept: " + ACCEPT]
    return status + b"\r\n" + b"".join(l + b"\r\n" for l in list(lines) + list(extra)) + b"\r\n"


def responses():
    """(name, bytes, offer subprotocols)."""
    std = [b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Accept: " + ACCEPT]
    yield "valid", response(), False
    yield "valid_offered_none_chosen", response(), True
    yield "valid_chat", response(extra=[b"Sec-WebSocket-Protocol: chat"]), True
    yield "valid_superchat", response(extra=[b"Sec-WebSocket-Protocol: superchat"]), True
    yield "valid_lower_case", response(lines=[b"upgrade: WebSocket", b"connection: upgrade",
                                              b"sec-websocket-accept: " + ACCEPT]), False
    yield "valid_token_list", response(lines=[b"Upgrade: websocket",
                                              b"Connection: keep-alive, Upgrade",
                                              b"Sec-WebSocket-Accept:  " + ACCEPT + b" \t"]), False
    yield "valid_no_reason", response(status=b"HTTP/1.1 101"), False
    yield "valid_extra_headers", response(extra=[b"Server: crafted", b"Date: today",
                                                 b"X-Empty:"]), False
    yield "valid_then_frame", response() + frame(TEXT, b"hi", key=None), False
    yield "truncated", response()[:40], False
    yield "wrong_accept", response(lines=std[:2] + [b"Sec-WebSocket-Accept: " + b"A" * 27 + b"="]), False
    yield "accept_missing", response(lines=std[:2]), False
    yield "accept_twice", response(extra=[b"Sec-WebSocket-Accept: " + ACCEPT]), False
    yield "upgrade_missing", response(lines=std[1:]), False
    yield "upgrade_h2c", response(lines=[b"Upgrade: h2c"] + std[1:]), False
    yield "connection_missing", response(lines=[std[0], std[2]]), False
    yield "connection_keep_alive", response(lines=[std[0], b"Connection: keep-alive", std[2]]), False
    yield "extension", response(extra=[b"Sec-WebSocket-Extensions: permessage-deflate"]), False
    yield "protocol_not_offered", response(extra=[b"Sec-WebSocket-Protocol: chat"]), False
    yield "protocol_other", response(extra=[b"Sec-WebSocket-Protocol: mqtt"]), True
    yield "protocol_twice", response(extra=[b"Sec-WebSocket-Protocol: chat",
                                            b"Sec-WebSocket-Protocol: chat"]), True
    yield "protocol_list", response(extra=[b"Sec-WebSocket-Protocol: chat, superchat"]), True
    yield "status_200", response(status=b"HTTP/1.1 200 OK"), False
    yield "status_403", b"HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\nforbidden\n", False
    yield "redirect_302", b"HTTP/1.1 302 Found\r\nLocation: ws://other/x\r\n\r\n", False
    yield "redirect_308_relative", b"HTTP/1.1 308 Permanent Redirect\r\nLocation: /y\r\n\r\n", False
    yield "http_1_0", response(status=b"HTTP/1.0 101 Switching Protocols"), False
    yield "status_two_digits", response(status=b"HTTP/1.1 10 Switching"), False
    yield "status_no_space", response(status=b"HTTP/1.1 101Switching"), False
    yield "no_colon", response(extra=[b"no colon here"]), False
    yield "space_before_colon", response(extra=[b"X-Bad : 1"]), False
    yield "obs_fold", response(extra=[b"X-Folded: a", b" b"]), False
    yield "bare_lf", b"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n", False
    yield "empty_line_first", b"\r\n\r\n", False
    yield "too_large", response(extra=[b"X-Padding: " + b"p" * 9000]), False
    yield "at_the_limit", response(extra=[b"X-Padding: " + b"p" * (8192 - len(response()) - 13)]), False


def client_handshake_seeds():
    for name, data, offer in responses():
        for cut in (0, len(data) // 2, len(data) - 1):
            write("client_handshake", f"{name}_cut{cut}",
                  bytes([1 if offer else 0]) + struct.pack("<H", max(cut, 0)) + data)


# ---- client_reader: flags, limit, cuts, stream ----

def reader_prefix(limit=None, behind_101=False, cuts=()):
    flags = (1 if limit is not None else 0) | (2 if behind_101 else 0)
    slots = list(cuts)[:15] + [0] * (15 - len(cuts))
    return (bytes([flags]) + struct.pack("<H", limit or 0) + bytes([len(cuts)]) +
            b"".join(struct.pack("<H", c) for c in slots))


def plain(opcode, payload=b"", fin=True, rsv=0, form=None):
    """A server frame: unmasked (5.1)."""
    return frame(opcode, payload, fin, rsv, key=None, form=form)


def streams():
    """(name, stream bytes, options)."""
    yield "text_binary", plain(TEXT, b"hello") + plain(BINARY, b"\x01\x02"), {}
    yield "empty_text", plain(TEXT), {}
    yield "fragmented_with_ping", (plain(TEXT, b"frag", False) + plain(PING, b"p") +
                                   plain(CONT, b"men", False) + plain(CONT, b"", False) +
                                   plain(CONT, b"ted")), {}
    yield "ping_pong", plain(PING, b"are you there") + plain(PONG) + plain(PONG, b"x"), {}
    for size in (125, 126, 300):
        yield f"length_{size}", plain(TEXT, bytes(97 + i % 26 for i in range(size))), {}
    yield "length_64_form", plain(BINARY, b"abc", form=64) + plain(TEXT, b"x", form=16), {}
    yield "split_code_point", plain(TEXT, b"\xe2\x82", False) + plain(CONT, b"\xac"), {}
    yield "ends_inside_code_point", plain(TEXT, b"\xe2\x82", False) + plain(CONT), {}
    yield "invalid_utf8", plain(TEXT, b"ok \xc0 and more"), {}
    yield "surrogate_in_fragment", plain(TEXT, b"\xed\xa0\x80", False), {}
    yield "binary_not_utf8", plain(BINARY, b"\xff"), {}
    yield "utf8_text", plain(TEXT, "caf\u00e9 \u20ac \U0001F600".encode()), {}
    yield "close_bye", plain(CLOSE, close_payload(1000, b"bye")), {}
    yield "close_empty_then_late", plain(CLOSE) + plain(TEXT, b"late"), {}
    yield "close_bad_reason", plain(CLOSE, close_payload(1000, b"\xff")), {}
    for code in (999, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 5000):
        yield f"close_{code}", plain(CLOSE, close_payload(code)), {}
    yield "close_one_byte", plain(CLOSE, b"\x03"), {}
    yield "masked_text", frame(TEXT, b"masked", key=KEY), {}
    yield "masked_after_good", plain(TEXT, b"ok") + frame(PING, b"", key=KEY) + plain(TEXT, b"never"), {}
    yield "masked_zero_key", frame(CLOSE, close_payload(1000), key=b"\x00" * 4), {}
    yield "reserved_opcode_3", plain(3), {}
    yield "reserved_opcode_f", plain(0xF, b"x"), {}
    yield "continuation_first", plain(CONT, b"x"), {}
    yield "text_inside_text", plain(TEXT, b"a", False) + plain(TEXT, b"b"), {}
    yield "ping_126", plain(PING, bytes(126)), {}
    yield "ping_not_final", plain(PING, b"", False), {}
    yield "rsv1", plain(TEXT, b"x", rsv=4), {}
    yield "rsv3_on_close", plain(CLOSE, close_payload(1000), rsv=1), {}
    yield "msb_set", bytes([0x82, 0x7F, 0x80]) + bytes(7), {}
    yield "header_over_limit", header(BINARY, 101), {"limit": 100}
    yield "at_limit", plain(BINARY, bytes(100)), {"limit": 100}
    yield "fragments_over_limit", plain(BINARY, bytes(60), False) + plain(CONT, bytes(41)), {"limit": 100}
    yield "behind_101", plain(TEXT, b"first") + plain(PING), {"behind_101": True}
    yield "behind_101_crlf_payload", plain(BINARY, b"\r\n\r\n"), {"behind_101": True}


def client_reader_seeds():
    for name, stream, options in streams():
        n = len(stream)
        plans = {"whole": (), "cut": (n // 2,), "cuts": tuple(range(1, min(n, 16)))}
        for plan, cuts in plans.items():
            write("client_reader", f"{name}_{plan}", reader_prefix(cuts=cuts, **options) + stream)


def main():
    for harness in ["client_handshake", "client_reader"]:
        shutil.rmtree(ROOT / harness, ignore_errors=True)
    client_handshake_seeds()
    client_reader_seeds()
    for harness in ["client_handshake", "client_reader"]:
        print(f"tests/fuzz/corpus/{harness}: {len(list((ROOT / harness).iterdir()))} seeds")


if __name__ == "__main__":
    main()
