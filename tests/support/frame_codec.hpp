// tests/support/frame_codec.hpp: a small, independent RFC 6455 frame
// encoder/decoder for the conformance suite. It shares no code with the server
// on purpose: a bug in the server's codec must not be able to hide behind the
// same bug here.
//
// The encoder writes anything, including frames the RFC forbids (RSV bits,
// reserved opcodes, unmasked client frames, non-minimal lengths, lengths that
// lie about the payload), because the suite needs to send those. The decoder
// reads server frames and reports what it saw (mask bit, length form) so the
// tests can assert the server's frames are well formed (RFC 6455 5.1, 5.2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wstest {

// Opcodes, RFC 6455 5.2. Plain numbers, not an enum: the tests send the
// reserved values too.
inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xA;

std::string opcode_name(std::uint8_t opcode);

// How the payload length is written, RFC 6455 5.2. kMinimal picks the
// shortest form; the others force 16-bit (126) or 64-bit (127) extended
// lengths even when a shorter one would do.
enum class LengthForm { kMinimal, k7Bit, k16Bit, k64Bit };

std::string length_form_name(LengthForm form);

// Everything the encoder may write. Defaults describe a valid, masked,
// final text frame.
struct FrameSpec {
  bool fin = true;
  std::uint8_t rsv = 0;  // 3 bits: RSV1 = 4, RSV2 = 2, RSV3 = 1
  std::uint8_t opcode = kText;
  std::string payload;
  bool masked = true;
  std::optional<std::array<std::uint8_t, 4>> mask_key;  // random if unset
  LengthForm length_form = LengthForm::kMinimal;
  // Written in the header instead of payload.size() when set; the payload
  // bytes that are sent are still exactly `payload`.
  std::optional<std::uint64_t> announced_length;
};

// Header only (2..14 bytes), for tests that send a header and then withhold
// or trickle the payload. `mask_key` is filled with the key used.
std::string encode_header(const FrameSpec& spec, std::array<std::uint8_t, 4>& mask_key);

// Header plus (masked) payload.
std::string encode_frame(const FrameSpec& spec);

// A masked frame: the common case when building pipelines of frames.
std::string frame_bytes(std::uint8_t opcode, std::string_view payload = {}, bool fin = true,
                        std::uint8_t rsv = 0);

// XORs `data` in place with `key`, starting at key offset `key_offset`.
void apply_mask(std::string& data, const std::array<std::uint8_t, 4>& key,
                std::size_t key_offset = 0);

// A frame as received from the server, with the wire details the tests
// check.
struct Frame {
  bool fin = false;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  bool minimal_length = true;  // false if a shorter length form would do
  std::string payload;         // unmasked
};

std::string describe(const Frame& frame);

enum class DecodeStatus { kFrame, kNeedMore, kInvalid };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kNeedMore;
  std::size_t consumed = 0;  // bytes of `input` the frame used (kFrame only)
  std::string error;         // kInvalid only
};

// Decodes one frame from the front of `input`. Never allocates more than the
// frame needs; rejects 64-bit lengths with the most significant bit set.
DecodeResult decode_frame(std::string_view input, Frame& out);

// Big-endian 2-byte close code followed by the reason (RFC 6455 5.5.1).
std::string close_payload(std::uint16_t code, std::string_view reason = {});

// Printable, bounded rendering of bytes for failure messages.
std::string hex_preview(std::string_view bytes, std::size_t max_bytes = 48);

}  // namespace wstest
