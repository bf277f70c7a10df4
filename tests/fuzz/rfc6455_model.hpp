// tests/fuzz/rfc6455_model.hpp: a slow, whole-buffer reference decoder of
// what a WebSocket receiver must make of a byte stream (RFC 6455 5.2-5.5,
// 7.4, 8.1), for the fuzz harnesses to hold ws::MessageReader against.
//
// Written from the RFC, sharing nothing with ws/: it walks the stream frame
// by frame with plain arithmetic, unmasks into a copy, and judges UTF-8 with
// tests/core/utf8_reference.hpp. Where the RFC leaves the order of checks
// open, it follows the reader's documented contract (ws/message_reader.hpp,
// ws/frame.hpp):
// - a header is judged once it is whole (only the top bit of a 64-bit length
//   is judged as soon as its byte is there): RSV bits, reserved opcodes,
//   control frame rules, the mask bit for the role, then fragmentation
//   order (all 1002), then the message size limit on the header alone (1009);
// - text is judged as its bytes arrive: an invalid byte fails (1007) even
//   inside an unfinished frame, and a message ending inside a code point
//   fails when its last frame ends;
// - a control frame acts only when whole; a Close ends the stream: 1005 if
//   empty, 1002 for a 1-byte payload or a code not allowed on the wire, 1007
//   for a reason that is not UTF-8;
// - after a close or a failure nothing more is read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tests/core/utf8_reference.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace fuzz::rfc6455 {

enum class EventKind : std::uint8_t { text, binary, ping, pong, close, fail };

struct Event {
  EventKind kind;
  std::uint16_t code = 0;  // close: the peer's code; fail: what to close with
  Bytes payload;           // message or ping/pong payload, or the close reason
  bool operator==(const Event&) const = default;
};

inline std::string describe(const Event& e) {
  static constexpr const char* names[] = {"text", "binary", "ping", "pong", "close", "fail"};
  std::string out = names[static_cast<int>(e.kind)];
  if (e.kind == EventKind::close || e.kind == EventKind::fail) out += ":" + std::to_string(e.code);
  if (e.kind != EventKind::fail) out += ":" + hex(e.payload, 24);
  return out;
}

inline std::string describe(const std::vector<Event>& events) {
  std::string out = "[";
  for (const Event& e : events) out += (out.size() > 1 ? ", " : "") + describe(e);
  return out + "]";
}

struct Config {
  bool server = true;  // the receiver: a server requires masked frames, a client unmasked (5.1)
  std::uint64_t max_message_size = 16 * 1024 * 1024;
  std::uint8_t allowed_rsv = 0;  // RSV1 = 4, RSV2 = 2, RSV3 = 1
};

struct Outcome {
  std::vector<Event> events;
  // Neither closed nor failed, and the stream ends between two frames.
  bool clean_end = false;
  // Payload bytes of the data frames of fragmented messages: what a reader
  // that delivers whole single-frame messages in place must copy.
  std::uint64_t fragment_bytes = 0;
};

// 7.4.1 and 7.4.2 (with 1012-1014 from the IANA registry of 11.7): the codes
// an endpoint may send. 1004 is reserved, 1005, 1006 and 1015 must never be
// sent, 1016-2999 are kept for future RFCs, 3000-4999 are for libraries and
// applications, and 0-999 and 5000 up are not used.
inline bool wire_close_code_allowed(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// A frame header as 5.2 lays it out.
struct Header {
  bool fin = false;
  std::uint8_t rsv = 0;  // RSV1 = 4, RSV2 = 2, RSV3 = 1
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint8_t key[4] = {};
  std::uint64_t length = 0;
  std::size_t size = 0;  // 2 to 14 bytes
};

// Reads the header at the start of `b`: returns its size, 0 while it is
// incomplete, -1 once the top bit of a 64-bit length is there (5.2).
inline int read_header(std::span<const std::uint8_t> b, Header& h) {
  if (b.size() < 2) return 0;
  // FIN, RSV1-3, opcode; MASK, payload length 7 bits [+16 | +64]; key.
  const std::uint8_t len7 = b[1] & 0x7F;
  const std::size_t len_bytes = len7 == 127 ? 8 : len7 == 126 ? 2 : 0;
  if (len_bytes == 8 && b.size() >= 3 && (b[2] & 0x80)) return -1;
  h.masked = (b[1] & 0x80) != 0;
  h.size = 2 + len_bytes + (h.masked ? 4 : 0);
  if (b.size() < h.size) return 0;
  h.fin = (b[0] & 0x80) != 0;
  h.rsv = (b[0] >> 4) & 7;
  h.opcode = b[0] & 0x0F;
  h.length = len7;
  if (len_bytes > 0) {
    h.length = 0;
    for (std::size_t i = 0; i < len_bytes; ++i) h.length = (h.length << 8) | b[2 + i];
  }
  for (std::size_t i = 0; i < 4; ++i) h.key[i] = h.masked ? b[2 + len_bytes + i] : 0;
  return static_cast<int>(h.size);
}

// The rules a header alone breaks (all 1002): RSV bits no extension allows,
// a reserved opcode (5.2), a control frame over 125 bytes or not final
// (5.5), a mask bit wrong for the receiver (5.1).
inline bool header_breaks_rules(const Header& h, bool server, std::uint8_t allowed_rsv) {
  const bool control = h.opcode >= 8;
  const bool known = h.opcode <= 2 || (h.opcode >= 8 && h.opcode <= 10);
  return (h.rsv & ~allowed_rsv) != 0 || !known || (control && (!h.fin || h.length > 125)) ||
         h.masked != server;
}

inline bool utf8_hopeless(std::span<const std::uint8_t> text) {
  return core::utf8_reference::check(text).first_invalid != core::utf8_reference::npos;
}

inline Outcome decode(std::span<const std::uint8_t> s, const Config& config) {
  Outcome out;
  auto fail = [&](std::uint16_t code) {
    out.events.push_back({EventKind::fail, code, {}});
    return out;
  };
  std::size_t pos = 0;
  bool in_message = false;  // a fragmented message has begun and not ended
  bool message_is_text = false;
  Bytes message;
  for (;;) {
    const std::size_t avail = s.size() - pos;
    if (avail == 0) {
      out.clean_end = true;
      return out;
    }
    Header h;
    const int header_size = read_header(s.subspan(pos), h);
    if (header_size < 0) return fail(1002);
    if (header_size == 0) return out;
    const bool control = h.opcode >= 8;
    if (header_breaks_rules(h, config.server, config.allowed_rsv)) return fail(1002);
    if (!control) {
      if ((h.opcode == 0) != in_message) return fail(1002);  // 5.4
      const std::uint64_t so_far = in_message ? message.size() : 0;
      if (h.length > config.max_message_size - so_far) return fail(1009);
    }

    // The payload, unmasked (5.3), as far as the stream holds it.
    const std::size_t at = pos + h.size;
    const std::size_t have =
        static_cast<std::size_t>(std::min<std::uint64_t>(h.length, avail - h.size));
    Bytes payload(s.begin() + static_cast<std::ptrdiff_t>(at),
                  s.begin() + static_cast<std::ptrdiff_t>(at + have));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= h.key[i % 4];

    if (!control) {
      if (h.opcode != 0) message_is_text = h.opcode == 1;
      const std::size_t before = in_message ? message.size() : 0;
      if (!in_message) message.clear();
      message.insert(message.end(), payload.begin(), payload.end());
      if (message_is_text && utf8_hopeless(message)) return fail(1007);  // 8.1, fail fast
      if (have < h.length) return out;
      if (!h.fin || in_message) out.fragment_bytes += message.size() - before;
      if (!h.fin) {
        in_message = true;
      } else {
        if (message_is_text && !core::utf8_reference::check(message).complete) return fail(1007);
        out.events.push_back({message_is_text ? EventKind::text : EventKind::binary, 0, message});
        in_message = false;
        message.clear();
      }
    } else {
      if (have < h.length) return out;
      if (h.opcode == 9) out.events.push_back({EventKind::ping, 0, payload});
      if (h.opcode == 10) out.events.push_back({EventKind::pong, 0, payload});
      if (h.opcode == 8) {  // 5.5.1
        if (payload.empty()) {
          out.events.push_back({EventKind::close, 1005, {}});
          return out;
        }
        if (payload.size() == 1) return fail(1002);
        const auto code = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
        if (!wire_close_code_allowed(code)) return fail(1002);
        Bytes reason(payload.begin() + 2, payload.end());
        if (!core::utf8_reference::check(reason).complete) return fail(1007);
        out.events.push_back({EventKind::close, code, reason});
        return out;
      }
    }
    pos = at + have;
  }
}

}  // namespace fuzz::rfc6455
