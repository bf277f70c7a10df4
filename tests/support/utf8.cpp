// tests/support/utf8.cpp: the test-side UTF-8 encoder and prefix validator (table 3-7).
#include "tests/support/utf8.hpp"

namespace wstest {

std::string utf8_encode(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

namespace {

// Bounds of the second byte for a lead byte (table 3-7); later bytes are
// always 80..BF. Returns the sequence length, 0 for a byte that cannot lead.
int sequence_shape(std::uint8_t lead, std::uint8_t& lo, std::uint8_t& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead < 0x80) return 1;
  if (lead < 0xC2) return 0;  // continuation bytes, and C0/C1 (always overlong)
  if (lead < 0xE0) return 2;
  if (lead == 0xE0) {
    lo = 0xA0;
    return 3;
  }  // no overlong 3-byte forms
  if (lead == 0xED) {
    hi = 0x9F;
    return 3;
  }  // no surrogates D800..DFFF
  if (lead < 0xF0) return 3;
  if (lead == 0xF0) {
    lo = 0x90;
    return 4;
  }  // no overlong 4-byte forms
  if (lead < 0xF4) return 4;
  if (lead == 0xF4) {
    hi = 0x8F;
    return 4;
  }          // nothing above U+10FFFF
  return 0;  // F5..FF
}

}  // namespace

std::size_t utf8_first_invalid(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::uint8_t lo, hi;
    const int length = sequence_shape(static_cast<std::uint8_t>(bytes[i]), lo, hi);
    if (length == 0) return i;
    for (int k = 1; k < length; ++k) {
      if (i + k >= bytes.size()) return std::string_view::npos;  // ends inside a sequence
      const auto b = static_cast<std::uint8_t>(bytes[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i + k;
    }
    i += length;
  }
  return std::string_view::npos;
}

bool utf8_valid(std::string_view bytes) {
  if (utf8_first_invalid(bytes) != std::string_view::npos) return false;
  // A valid prefix is complete if the last sequence is whole.
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::uint8_t lo, hi;
    i += sequence_shape(static_cast<std::uint8_t>(bytes[i]), lo, hi);
  }
  return i == bytes.size();
}

std::string utf8_text_payload(std::size_t size) {
  static const std::string pattern = "Hello, " + utf8_encode(0x3BA) + utf8_encode(0x1F600) + " " +
                                     utf8_encode(0x20AC) + utf8_encode(0x10FFFF) + " world " +
                                     utf8_encode(0x7FF) + utf8_encode(0x800) + utf8_encode(0xFFFF) +
                                     "\n";
  std::string out;
  out.reserve(size);
  while (out.size() + pattern.size() <= size) out += pattern;
  out.append(size - out.size(), 'x');
  return out;
}

std::string binary_payload(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761u + 12345u;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xFF);
  }
  return out;
}

}  // namespace wstest
