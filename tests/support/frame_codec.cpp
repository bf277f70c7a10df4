// tests/support/frame_codec.cpp: the test-side frame encoder and decoder.
#include "tests/support/frame_codec.hpp"

#include <cstdio>
#include <random>

namespace wstest {
namespace {

std::array<std::uint8_t, 4> random_mask_key() {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte(
      1, 255);  // never 0: a key of zeros would hide a missing unmask
  return {static_cast<std::uint8_t>(byte(rng)), static_cast<std::uint8_t>(byte(rng)),
          static_cast<std::uint8_t>(byte(rng)), static_cast<std::uint8_t>(byte(rng))};
}

LengthForm minimal_form(std::uint64_t length) {
  if (length <= 125) return LengthForm::k7Bit;
  if (length <= 0xFFFF) return LengthForm::k16Bit;
  return LengthForm::k64Bit;
}

}  // namespace

std::string opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case kContinuation:
      return "continuation";
    case kText:
      return "text";
    case kBinary:
      return "binary";
    case kClose:
      return "close";
    case kPing:
      return "ping";
    case kPong:
      return "pong";
    default:
      return "reserved-0x" + std::string(1, "0123456789ABCDEF"[opcode & 0xF]);
  }
}

std::string length_form_name(LengthForm form) {
  switch (form) {
    case LengthForm::kMinimal:
      return "minimal";
    case LengthForm::k7Bit:
      return "len7";
    case LengthForm::k16Bit:
      return "len16";
    case LengthForm::k64Bit:
      return "len64";
  }
  return "?";
}

void apply_mask(std::string& data, const std::array<std::uint8_t, 4>& key, std::size_t key_offset) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>(static_cast<std::uint8_t>(data[i]) ^ key[(i + key_offset) & 3]);
  }
}

std::string encode_header(const FrameSpec& spec, std::array<std::uint8_t, 4>& mask_key) {
  const std::uint64_t length = spec.announced_length.value_or(spec.payload.size());
  LengthForm form =
      spec.length_form == LengthForm::kMinimal ? minimal_form(length) : spec.length_form;
  std::string out;
  out.push_back(
      static_cast<char>((spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) | (spec.opcode & 0x0F)));
  const std::uint8_t mask_bit = spec.masked ? 0x80 : 0;
  switch (form) {
    case LengthForm::k7Bit:
      // A forced 7-bit form with a longer length truncates: callers only
      // force it for lengths <= 125.
      out.push_back(static_cast<char>(mask_bit | (length & 0x7F)));
      break;
    case LengthForm::k16Bit:
      out.push_back(static_cast<char>(mask_bit | 126));
      out.push_back(static_cast<char>((length >> 8) & 0xFF));
      out.push_back(static_cast<char>(length & 0xFF));
      break;
    case LengthForm::k64Bit:
    case LengthForm::kMinimal:
      out.push_back(static_cast<char>(mask_bit | 127));
      for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((length >> shift) & 0xFF));
      break;
  }
  if (spec.masked) {
    mask_key = spec.mask_key.value_or(random_mask_key());
    for (std::uint8_t b : mask_key) out.push_back(static_cast<char>(b));
  }
  return out;
}

std::string encode_frame(const FrameSpec& spec) {
  std::array<std::uint8_t, 4> key{};
  std::string out = encode_header(spec, key);
  std::string body = spec.payload;
  if (spec.masked) apply_mask(body, key);
  out += body;
  return out;
}

std::string frame_bytes(std::uint8_t opcode, std::string_view payload, bool fin, std::uint8_t rsv) {
  FrameSpec spec;
  spec.opcode = opcode;
  spec.payload = std::string(payload);
  spec.fin = fin;
  spec.rsv = rsv;
  return encode_frame(spec);
}

DecodeResult decode_frame(std::string_view input, Frame& out) {
  DecodeResult result;
  if (input.size() < 2) return result;
  const auto b0 = static_cast<std::uint8_t>(input[0]);
  const auto b1 = static_cast<std::uint8_t>(input[1]);
  std::size_t pos = 2;
  std::uint64_t length = b1 & 0x7F;
  bool minimal = true;
  if (length == 126) {
    if (input.size() < 4) return result;
    length = (std::uint64_t{static_cast<std::uint8_t>(input[2])} << 8) |
             static_cast<std::uint8_t>(input[3]);
    minimal = length > 125;
    pos = 4;
  } else if (length == 127) {
    if (input.size() < 10) return result;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(input[2 + i]);
    if (length >> 63) {
      result.status = DecodeStatus::kInvalid;
      result.error = "64-bit length with the most significant bit set";
      return result;
    }
    minimal = length > 0xFFFF;
    pos = 10;
  }
  const bool masked = (b1 & 0x80) != 0;
  std::array<std::uint8_t, 4> key{};
  if (masked) {
    if (input.size() < pos + 4) return result;
    for (int i = 0; i < 4; ++i) key[i] = static_cast<std::uint8_t>(input[pos + i]);
    pos += 4;
  }
  if (input.size() - pos < length) return result;
  out.fin = (b0 & 0x80) != 0;
  out.rsv = (b0 >> 4) & 7;
  out.opcode = b0 & 0x0F;
  out.masked = masked;
  out.minimal_length = minimal;
  out.payload.assign(input.substr(pos, length));
  if (masked) apply_mask(out.payload, key);
  result.status = DecodeStatus::kFrame;
  result.consumed = pos + length;
  return result;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out += reason;
  return out;
}

std::string hex_preview(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<std::uint8_t>(bytes[i]));
    if (i) out += ' ';
    out += buf;
  }
  if (bytes.size() > max_bytes) out += " ... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

std::string describe(const Frame& frame) {
  std::string out = opcode_name(frame.opcode) + " fin=" + (frame.fin ? "1" : "0") +
                    " rsv=" + std::to_string(frame.rsv) + (frame.masked ? " MASKED" : "") +
                    (frame.minimal_length ? "" : " NON-MINIMAL-LENGTH") +
                    " len=" + std::to_string(frame.payload.size());
  if (frame.opcode == kClose && frame.payload.size() >= 2) {
    const unsigned code = (static_cast<std::uint8_t>(frame.payload[0]) << 8) |
                          static_cast<std::uint8_t>(frame.payload[1]);
    out += " code=" + std::to_string(code);
  }
  if (!frame.payload.empty()) out += " [" + hex_preview(frame.payload, 24) + "]";
  return out;
}

}  // namespace wstest
