// ws/frame.cpp: the frame header codec of RFC 6455 5.2.
//
//   byte 0: FIN | RSV1 | RSV2 | RSV3 | opcode (4 bits)
//   byte 1: MASK | payload len (7 bits): 0..125 literal, 126 -> 16-bit length
//           follows, 127 -> 64-bit length follows (network byte order)
//   then the extended length, then the 4-byte masking key if MASK is set.
#include "ws/frame.hpp"

#include <cassert>
#include <cstring>

namespace ws {
namespace {

constexpr std::uint8_t kFinBit = 0x80;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLength16 = 126;
constexpr std::uint8_t kLength64 = 127;

std::uint64_t read_big_endian(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void write_big_endian(std::uint8_t* p, std::uint64_t v, std::size_t n) noexcept {
  for (std::size_t i = n; i-- > 0; v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// 5.2: 0-2 are data, 8-A control; the rest are "reserved for further ...
// frames" and no extension we support defines them.
bool is_defined_opcode(std::uint8_t op) noexcept { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

int parse_frame_header(std::span<const std::uint8_t> bytes, FrameHeader& out) noexcept {
  if (bytes.size() < 2) return 0;
  const std::uint8_t len7 = bytes[1] & 0x7F;
  const bool masked = (bytes[1] & kMaskBit) != 0;
  const std::size_t length_bytes = len7 == kLength64 ? 8 : len7 == kLength16 ? 2 : 0;
  // 5.2: in the 64-bit form "the most significant bit MUST be 0". Judged as
  // soon as that byte arrives: no point waiting on a peer that is already wrong.
  if (length_bytes == 8 && bytes.size() > 2 && (bytes[2] & 0x80) != 0) return -1;
  const std::size_t size = 2 + length_bytes + (masked ? 4 : 0);
  if (bytes.size() < size) return 0;

  FrameHeader h;
  h.fin = (bytes[0] & kFinBit) != 0;
  h.rsv = (bytes[0] >> 4) & 0x7;
  h.opcode = bytes[0] & 0xF;
  h.masked = masked;
  // Non-minimal lengths (say 5 in the 16-bit form) are taken as they are: the
  // "minimal number of bytes MUST be used" rule of 5.2 is on the sender.
  h.payload_length = length_bytes == 0 ? len7 : read_big_endian(&bytes[2], length_bytes);
  if (masked) std::memcpy(h.mask.data(), &bytes[2 + length_bytes], 4);
  h.header_size = static_cast<std::uint8_t>(size);
  out = h;
  return static_cast<int>(size);
}

CloseCode check_frame_header(const FrameHeader& h, Role role, std::uint8_t allowed_rsv) noexcept {
  // 5.2: RSV1-3 "MUST be 0 unless an extension is negotiated that defines
  // meanings for non-zero values".
  if ((h.rsv & ~allowed_rsv) != 0) return CloseCode::protocol_error;
  // 5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail
  // the WebSocket Connection_."
  if (!is_defined_opcode(h.opcode)) return CloseCode::protocol_error;
  // 5.5: "All control frames MUST have a payload length of 125 bytes or less
  // and MUST NOT be fragmented."
  if (is_control_opcode(h.opcode) && (!h.fin || h.payload_length > max_control_payload))
    return CloseCode::protocol_error;
  // 5.1: a server MUST close on an unmasked frame; a client MUST close on a
  // masked one.
  const bool must_be_masked = role == Role::server;
  if (h.masked != must_be_masked) return CloseCode::protocol_error;
  return CloseCode::none;
}

std::size_t write_frame_header(std::uint8_t* out, Opcode opcode, bool fin,
                               std::uint64_t payload_length, const std::uint8_t* mask) noexcept {
  // Trips when a caller asks for a frame no receiver may accept (5.2: the
  // 64-bit length has its top bit clear).
  assert((payload_length >> 63) == 0 && "payload_length must be below 2^63");
  const std::uint8_t mask_bit = mask != nullptr ? kMaskBit : 0;
  out[0] = static_cast<std::uint8_t>((fin ? kFinBit : 0) | static_cast<std::uint8_t>(opcode));
  std::size_t size = 2;
  // 5.2: "the minimal number of bytes MUST be used to encode the length".
  if (payload_length <= 125) {
    out[1] = static_cast<std::uint8_t>(mask_bit | payload_length);
  } else if (payload_length <= 0xFFFF) {
    out[1] = mask_bit | kLength16;
    write_big_endian(out + 2, payload_length, 2);
    size += 2;
  } else {
    out[1] = mask_bit | kLength64;
    write_big_endian(out + 2, payload_length, 8);
    size += 8;
  }
  if (mask != nullptr) {
    std::memcpy(out + size, mask, 4);
    size += 4;
  }
  return size;
}

}  // namespace ws
