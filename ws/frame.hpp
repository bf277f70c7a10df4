// ws/frame.hpp: the WebSocket frame header codec (RFC 6455 5.2).
//
// Contract, in the manner of picohttpparser:
// - Stateless, never allocates, reads and writes only the caller's buffer.
// - parse_frame_header() returns the header size (> 0), 0 for "need more
//   bytes", or -1 for "malformed"; `out` is written only when it returns > 0.
// - parse decodes and check_frame_header() judges, so a caller can answer a
//   bad frame with a Close frame knowing exactly what it received.
// - Rules that need connection state (continuation order, UTF-8, close
//   handshake, message size limits) live with the reader, not here.
// - Thread safety: pure functions, safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ws/close_code.hpp"

namespace ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// 5.5: control frames are those whose opcode has the high bit set.
constexpr bool is_control_opcode(std::uint8_t op) noexcept { return (op & 0x8) != 0; }

constexpr std::size_t max_frame_header_size = 14;  // 2 + 8 (length) + 4 (mask)
constexpr std::size_t max_control_payload = 125;   // 5.5

struct FrameHeader {
  bool fin = false;
  std::uint8_t rsv = 0;     // RSV1..3 as a 3-bit number: RSV1 = 4, RSV2 = 2, RSV3 = 1
  std::uint8_t opcode = 0;  // raw 4 bits, may be a reserved value
  bool masked = false;
  std::array<std::uint8_t, 4> mask{};  // in wire order
  std::uint64_t payload_length = 0;
  std::uint8_t header_size = 0;  // 2..14
};

enum class Role : std::uint8_t { server, client };  // who is RECEIVING

// Parses the header at the start of `bytes`. Returns header size (> 0) and
// fills `out`; 0 = need more bytes; -1 = malformed (a 64-bit length with its
// most significant bit set, 5.2). That bit is judged as soon as its byte is
// present, so -1 may come before the whole header has arrived.
// Non-minimal length encodings are accepted (the minimal-encoding rule binds
// the sender). Reserved opcodes and RSV bits are decoded, not judged.
int parse_frame_header(std::span<const std::uint8_t> bytes, FrameHeader& out) noexcept;

// The state-free RFC checks for a receiver in `role`: returns CloseCode::none
// or CloseCode::protocol_error. Fails on:
// - RSV bits that no negotiated extension allows (5.2); `allowed_rsv` is a mask
//   in the same 3-bit form. It applies to every opcode: per-opcode extension
//   rules (RFC 7692 6.1: no RSV1 on control frames) are the extension's job.
// - reserved opcodes 3-7 and B-F (5.2),
// - a control frame with payload > 125 or fin == false (5.5),
// - a server receiving an unmasked frame, a client receiving a masked one (5.1).
CloseCode check_frame_header(const FrameHeader& h, Role role,
                             std::uint8_t allowed_rsv = 0) noexcept;

// Writes a header in the minimal length form into `out` (room for at least
// max_frame_header_size bytes) and returns its size. RSV bits are 0.
// mask == nullptr: unmasked; otherwise the 4 mask bytes, in wire order.
// payload_length must be below 2^63 (5.2); asserted.
std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, bool fin,
                               std::uint64_t payload_length,
                               const std::uint8_t* mask = nullptr) noexcept;

}  // namespace ws
