#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses: tests/fuzz/corpus/<harness>/.

    python3 tests/fuzz/make_corpus.py

Each seed is laid out the way its harness reads its input (the header
comment of tests/fuzz/<harness>.cpp): a few parameter bytes, then the
request, frame header, byte stream, text or payload. The requests are the
cases of tests/ws/http_request_test.cpp, tests/ws/upgrade_test.cpp and
tests/conformance/handshake_test.cpp; the streams those of
tests/ws/message_reader_test.cpp, plus each frame kind, length form and
close code; the request paths those of tests/ws/static_path_test.cpp and
the traversal targets of tests/conformance/static_files_test.cpp. Files are
named by content, so running this again rewrites the same files; it first
empties the corpus folders, so a seed taken out of this script goes away.
"""

import hashlib
import pathlib
import re
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"
KEY = b"\x11\x22\x33\x44"  # the mask key of message_reader_test.cpp
ZERO_KEY = b"\x00\x00\x00\x00"


def write(harness, name, data):
    folder = ROOT / harness
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    (folder / f"{name}-{digest}").write_bytes(data)


# ---- frames (RFC 6455 5.2) ----

def header(opcode, length, fin=True, rsv=0, key=None, form=None):
    """A frame header; `form` forces 7, 16 or 64 as the length form."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if key is not None else 0
    form = form or (7 if length <= 125 else 16 if length <= 0xFFFF else 64)
    if form == 7:
        out = bytes([first, mask_bit | length])
    elif form == 16:
        out = bytes([first, mask_bit | 126]) + struct.pack(">H", length)
    else:
        out = bytes([first, mask_bit | 127]) + struct.pack(">Q", length)
    return out + (key or b"")


def frame(opcode, payload=b"", fin=True, rsv=0, key=KEY, form=None):
    masked = payload if key is None else bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return header(opcode, len(payload), fin, rsv, key, form) + masked


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10


# ---- http_request: cut (u16 LE), flags, head ----

def http_requests():
    def lines(*ls):
        return ("\r\n".join(ls) + "\r\n\r\n").encode("latin-1")

    rfc = ["GET /chat HTTP/1.1", "Host: server.example.com", "Upgrade: websocket",
           "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
           "Origin: http://server.example.com", "Sec-WebSocket-Version: 13"]
    std = ["GET /echo HTTP/1.1", "Host: 127.0.0.1:9001", "Upgrade: websocket",
           "Connection: Upgrade", "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
           "Sec-WebSocket-Version: 13"]

    def with_header(base, name, *values):
        kept = [l for l in base if not l.lower().startswith(name.lower() + ":")]
        return kept + [f"{name}:{' ' if v else ''}{v}" for v in values]

    yield "rfc_sample", lines(*rfc)
    yield "browser", lines("GET /chat?room=1 HTTP/1.1", "Host: server.example.com",
                           "Upgrade: websocket", "Connection: keep-alive, Upgrade",
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                           "Origin: http://example.com", "Sec-WebSocket-Protocol: chat, superchat",
                           "Sec-WebSocket-Version: 13")
    yield "standard", lines(*std)
    yield "lowercase_names", lines(std[0], *[l.split(":")[0].lower() + ":" + l.split(":", 1)[1]
                                             for l in std[1:]])
    yield "uppercase_names", lines(std[0], *[l.split(":")[0].upper() + ":" + l.split(":", 1)[1]
                                             for l in std[1:]])
    for name, value in [("Upgrade", "WebSocket"), ("Upgrade", "WEBSOCKET"),
                        ("Connection", "upgrade"), ("Connection", "keep-alive, Upgrade"),
                        ("Connection", "Upgrade, keep-alive"), ("Connection", "keep-alive,Upgrade"),
                        ("Connection", "Keep-Alive ,  upgrade "), ("Upgrade", "  websocket  "),
                        ("Sec-WebSocket-Version", " 13 "),
                        ("Sec-WebSocket-Key", "  x3JJHMbDL1EzLkh9GBhXDw==\t"),
                        ("Origin", "http://127.0.0.1:9001"), ("Origin", "http://example.com"),
                        ("Origin", "http://evil.example"),
                        ("Sec-WebSocket-Protocol", "chat, superchat"),
                        ("Sec-WebSocket-Protocol", "superchat"), ("Host", "127.0.0.1"),
                        ("Host", ""), ("Sec-WebSocket-Version", "12"),
                        ("Sec-WebSocket-Key", "short=="), ("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="),
                        ("Content-Length", "0"), ("Content-Length", "5"),
                        ("Sec-WebSocket-Extensions", "permessage-deflate")]:
        yield f"{name}_{value}", \
            lines(*with_header(std, name, value))
    yield "key_first", lines(std[0], *(std[4:] + std[1:4]))
    yield "browser_like", lines(*std, "User-Agent: Mozilla/5.0 (conformance test)", "Accept: */*",
                                "Accept-Language: en-US,en;q=0.5",
                                "Accept-Encoding: gzip, deflate, br", "Pragma: no-cache",
                                "Cache-Control: no-cache", "Cookie: a=b; c=d",
                                "Origin: http://127.0.0.1:9001")
    yield "padding", lines(*std, "X-Padding: " + "p" * 2000)
    yield "many_headers", lines(*std, *[f"X-Header-{i}: value {i}" for i in range(50)])
    yield "too_many_headers", lines("GET / HTTP/1.1", *[f"X-H{i}: v" for i in range(65)])
    for request_line in ["POST /chat HTTP/1.1", "get /chat HTTP/1.1", "GET /chat HTTP/1.0",
                         "GET /chat HTTP/1.2", "GET /no/such/path?x=1 HTTP/1.1",
                         "GET http://example.com:9001/echo?x=1 HTTP/1.1", "GET * HTTP/1.1",
                         "GET  / HTTP/1.1", "GET / HTTP/1.1 ", " GET / HTTP/1.1", "GET /",
                         "GET / HTTP/2.0", "GET / HTTP/1.10", "GET / HTTP/1.", "GET / http/1.1",
                         "M-SEARCH * HTTP/1.1"]:
        yield "line_" + request_line, \
            lines(request_line, *std[1:])
    for name in ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"]:
        yield "without_" + name, lines(*with_header(std, name))
        value = [l for l in std if l.startswith(name + ":")][0].split(": ", 1)[1]
        yield "twice_" + name, lines(*with_header(std, name, value, value))
    yield "values_trimmed", lines("GET / HTTP/1.1", "A:  \t a  b \t ", "B:x", "C:", "D: \t ")
    yield "utf8_value", "GET / HTTP/1.1\r\nX-Name: caf\u00e9\r\n\r\n".encode("utf-8")
    yield "leading_crlf", b"\r\nGET / HTTP/1.1\r\n\r\n"
    yield "crlf_only", b"\r\n\r\n\r\n\r"
    yield "minimal", b"GET / HTTP/1.1\r\n\r\n"
    yield "frames_after_head", lines(*rfc) + b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
    yield "incomplete", lines(*rfc)[:-2]
    yield "words", b"hello there\r\n\r\n"
    yield "binary_noise", b"\x01\x02\x03\xff\xfe\x00garbage\r\n\r\n"
    yield "tls_client_hello", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x42" * 64 + b"\r\n\r\n"
    yield "no_target", b"GET\r\nHost: x\r\n\r\n"
    yield "header_without_colon", b"GET /echo HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"
    yield "space_before_colon", lines(*[l.replace("Upgrade:", "Upgrade :") for l in std])
    yield "bare_lf", b"GET / HTTP/1.1\nHost: a\n\n"
    yield "bare_lf_mixed", b"GET / HTTP/1.1\r\nHost: a\n\r\n"
    yield "bare_cr", b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"
    yield "obs_fold", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"
    yield "nul_in_value", b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n"


def http_request_seeds():
    for i, (name, head) in enumerate(http_requests()):
        cut = len(head) // 2 if i % 3 else len(head) - 2
        write("http_request", name, struct.pack("<H", cut) + bytes([i % 8]) + head)


# ---- frame_header: the header bytes ----

def frame_header_seeds():
    for opcode in [CONT, TEXT, BINARY, 3, CLOSE, PING, PONG, 0xB, 0xF]:
        write("frame_header", f"op{opcode}_masked", header(opcode, 5, key=KEY))
        write("frame_header", f"op{opcode}_unmasked_nofin", header(opcode, 5, fin=False))
    for length in [0, 1, 125, 126, 127, 65535, 65536, 2**32, 2**63 - 1]:
        write("frame_header", f"len{length}", header(BINARY, length, key=KEY))
        write("frame_header", f"len{length}_unmasked", header(BINARY, length))
    write("frame_header", "len5_as_16", header(TEXT, 5, key=KEY, form=16))
    write("frame_header", "len5_as_64", header(TEXT, 5, form=64))
    write("frame_header", "ping126", header(PING, 126, key=KEY))
    write("frame_header", "msb_set", bytes([0x82, 0xFF, 0x80]) + b"\x00" * 7 + KEY)
    write("frame_header", "msb_set_short", bytes([0x82, 0x7F, 0x80]))
    for rsv in range(1, 8):
        write("frame_header", f"rsv{rsv}", header(TEXT, 3, rsv=rsv, key=KEY))
    for size in [0, 1, 3, 5, 9, 13]:
        write("frame_header", f"truncated{size}", header(BINARY, 70000, key=KEY)[:size])


# ---- message_reader: 18-byte prefix, then the stream ----

def reader_prefix(client=False, limit=None, allowed_rsv=None, cuts=()):
    flags = (1 if client else 0) | (0x10 if limit is not None else 0)
    if allowed_rsv is not None:
        flags |= 0x20 | (allowed_rsv << 1)
    slots = list(cuts)[:7] + [0] * (7 - len(cuts))
    return (bytes([flags]) + struct.pack("<H", limit or 0) + bytes([len(cuts)]) +
            b"".join(struct.pack("<H", c) for c in slots))


def reader_streams():
    """(name, frames as (opcode, payload, fin, rsv) tuples or raw bytes, options)."""
    fragmented = [(TEXT, b"frag", False), (PING, b"p"), (CONT, b"men", False),
                  (CONT, b"", False), (CONT, b"ted")]
    yield "text_binary", [(TEXT, b"hello"), (BINARY, b"\x01\x02")], {}
    yield "empty_text", [(TEXT, b"")], {}
    yield "fragmented_with_ping", fragmented, {}
    yield "ping_pong", [(PING, b"are you there"), (PONG, b""), (PONG, b"unsolicited")], {}
    for size in [125, 126, 300]:
        yield f"length_{size}", [(TEXT, bytes(97 + i % 26 for i in range(size))),
                                 (BINARY, bytes(size))], {}
    yield "length_64_form", [frame(BINARY, b"abc", form=64), frame(TEXT, b"x", form=16)], {}
    yield "split_code_point", [(TEXT, b"\xe2\x82", False), (CONT, b"\xac")], {}
    yield "ends_inside_code_point", [(TEXT, b"\xe2\x82", False), (CONT, b"")], {}
    yield "invalid_utf8_mid_frame", [(TEXT, b"ok \xc0 and more")], {}
    yield "surrogate_in_fragment", [(TEXT, b"\xed\xa0\x80", False)], {}
    yield "binary_not_utf8", [(BINARY, b"\xff")], {}
    yield "utf8_text", [(TEXT, "caf\u00e9 \u20ac \U0001F600".encode())], {}
    yield "close_empty_then_late", [(CLOSE, b""), (TEXT, b"late")], {}
    yield "close_bye", [(CLOSE, close_payload(1000, b"bye"))], {}
    yield "close_4999", [(CLOSE, close_payload(4999))], {}
    yield "close_bad_reason", [(CLOSE, close_payload(1000, b"\xff"))], {}
    yield "close_mid_message", [(TEXT, b"a", False), (CLOSE, close_payload(1001))], {}
    for code in [999, 1005, 2999, 5000]:
        yield f"close_{code}", [(CLOSE, close_payload(code))], {}
    yield "close_one_byte", [(CLOSE, b"\x03")], {}
    yield "unmasked_to_server", [frame(TEXT, b"x", key=None)], {}
    yield "reserved_opcode_3", [(3, b"")], {}
    yield "reserved_opcode_b", [(0xB, b"")], {}
    yield "continuation_first", [(CONT, b"x")], {}
    yield "ping_126", [(PING, bytes(126))], {}
    yield "ping_nofin", [(PING, b"", False)], {}
    yield "text_inside_text", [(TEXT, b"a", False), (TEXT, b"b")], {}
    yield "rsv1", [(TEXT, b"x", True, 4)], {}
    yield "rsv1_allowed", [(TEXT, b"x", True, 4)], {"allowed_rsv": 4}
    yield "msb_set", [bytes([0x82, 0xFF, 0x80]) + bytes(7) + KEY], {}
    yield "oversized_header_only", [header(BINARY, 101, key=KEY)], {"limit": 100}
    yield "at_limit", [(BINARY, bytes(100))], {"limit": 100}
    yield "oversized_fragments", [(BINARY, bytes(60), False), (CONT, bytes(41))], {"limit": 100}
    yield "zero_limit", [(TEXT, b""), (PING, b"p"), (TEXT, b"x")], {"limit": 0}
    yield "zero_key", [frame(TEXT, b"plain", key=ZERO_KEY)], {}
    yield "client_unmasked", [frame(TEXT, b"hi", key=None), frame(PING, b"", key=None)], \
        {"client": True}
    yield "client_fragmented", [frame(o, p, fin, key=None) for o, p, fin in
                                [(TEXT, b"frag", False), (CONT, b"ment", True)]], {"client": True}
    yield "client_masked", [(TEXT, b"x")], {"client": True}
    yield "client_close", [frame(CLOSE, close_payload(1000, b"done"), key=None)], {"client": True}


def message_reader_seeds():
    for name, frames, options in reader_streams():
        stream = b"".join(f if isinstance(f, bytes) else frame(*f) for f in frames)
        n = len(stream)
        plans = {"whole": (), "cut": (n // 2,), "cuts": (1, 2, n // 3, n // 3, n - 1)}
        for plan, cuts in plans.items():
            write("message_reader", f"{name}_{plan}", reader_prefix(cuts=cuts, **options) + stream)


# ---- utf8: alignment, chunk seed, text ----

def utf8_texts():
    yield "ascii", b"hello, world"
    yield "ascii_long", bytes(32 + i % 95 for i in range(200))
    yield "two_byte", "\u00e9\u00df\u07ff".encode()
    yield "three_byte", "\u0800\u20ac\uffff\ufffe".encode()
    yield "four_byte", "\U00010000\U0001F600\U0010FFFF".encode()
    yield "mixed_long", ("a" * 30 + "\u00e9\u20ac\U0001F600" * 10 + "z" * 40).encode()
    yield "empty", b""
    for name, bad in [("overlong_c0", b"\xc0\x80"), ("overlong_e0", b"\xe0\x80\x80"),
                      ("overlong_f0", b"\xf0\x80\x80\x80"), ("surrogate", b"\xed\xa0\x80"),
                      ("above_max", b"\xf4\x90\x80\x80"), ("f5", b"\xf5"), ("ff", b"\xff"),
                      ("lone_continuation", b"\x80"), ("truncated_3", b"\xe2\x82"),
                      ("truncated_4", b"\xf0\x9f\x98")]:
        yield name, bad
        yield name + "_in_long", ("x" * 40).encode() + bad + ("y" * 40).encode()


def utf8_seeds():
    for i, (name, text) in enumerate(utf8_texts()):
        write("utf8", name, bytes([i % 64, i * 37 % 256]) + text)


# ---- unmask: phase, key, offsets, shift, payload ----

def unmask_seeds():
    for i, size in enumerate([0, 1, 3, 4, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
                              255, 256, 300, 1000]):
        prefix = bytes([i % 4]) + bytes([0x37, 0xFA, 0x21, 0x3D]) + bytes([i * 7 % 64, i * 13 % 64,
                                                                           2 + i % 14])
        write("unmask", f"size{size}", prefix + bytes(j * 31 % 256 for j in range(size)))


# ---- close_payload: flags, key, payload ----

def close_seeds():
    codes = list(range(999, 1017)) + [0, 2999, 3000, 3999, 4000, 4999, 5000, 65535]
    for code in codes:
        write("close_payload", f"code{code}", b"\x00" + KEY + close_payload(code))
    for name, payload, flags in [("empty", b"", 0), ("one_byte", b"\x03", 0),
                                 ("reason", close_payload(1000, b"bye"), 0),
                                 ("utf8_reason", close_payload(1001, "caf\u00e9".encode()), 2),
                                 ("bad_reason", close_payload(1000, b"\xff"), 0),
                                 ("truncated_reason", close_payload(1000, b"ab\xe2\x82"), 0),
                                 ("surrogate_reason", close_payload(4000, b"\xed\xa0\x80"), 2),
                                 ("max_reason", close_payload(1000, b"r" * 123), 0),
                                 ("over_max", close_payload(1000, b"r" * 124), 0),
                                 ("client", close_payload(1000, b"bye"), 1),
                                 ("client_fragment", close_payload(3000), 3)]:
        write("close_payload", name, bytes([flags]) + KEY + payload)


# ---- static_path: the request path ----

def static_path_seeds():
    """The cases of tests/ws/static_path_test.cpp and the traversal targets of
    tests/conformance/static_files_test.cpp, plus the names in the harness's tree."""
    paths = ["/", "/index.html", "/a/b.txt", "/in", "/up", "/abs", "/dir_up/secret.txt",
             "/css/site.css", "/my%20page.html", "/caf%C3%A9.txt", "/%61/%62.txt",
             "/%252e%252e", "/100%25", "/AZaz09-._~!$&'()*+,;=:@", "/x..y",
             "/..", "/../secret.txt", "/a/../../secret.txt", "/./index.html", "/%2e%2e",
             "/%2E%2E/secret.txt", "/.%2e", "/%2e.", "/..%2fsecret.txt", "/a%2Fb",
             "/..%5c..%5csecret.txt", "/a\\b", "/a%00b", "/index.html%00.png", "/a\x00b",
             "/a%01b", "/a%7f", "/a%0d%0ab", "/a b", "/a#b", "/a?b", "/%", "/%4", "/%zz",
             "", "*", "index.html", "http://example.com/", "//", "/a//b", "/a/", "/.git/config",
             "/.%2e/secret.txt", "/sub%2f..%2f..%2fsecret.txt", "/index.html%00/../../secret.txt"]
    for path in paths:
        write("static_path", path or "empty", path.encode("latin-1"))


def main():
    for harness in ["http_request", "frame_header", "message_reader", "utf8", "unmask",
                    "close_payload", "static_path"]:
        shutil.rmtree(ROOT / harness, ignore_errors=True)
    http_request_seeds()
    frame_header_seeds()
    message_reader_seeds()
    utf8_seeds()
    unmask_seeds()
    close_seeds()
    static_path_seeds()
    for folder in sorted(ROOT.iterdir()):
        print(f"{folder.relative_to(ROOT.parent.parent.parent)}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()
