// tests/core/utf8_reference.hpp: a deliberately simple UTF-8 decoder, for tests only.
//
// It shares nothing with core/utf8.cpp: no byte classes, no tables. It decodes
// one code point at a time from the bit patterns of RFC 3629 section 3 and
// judges each code point by its VALUE (shortest form, not a surrogate, at most
// U+10FFFF). To find where a fail-fast validator must stop, after each byte it
// asks whether any completion of the code point so far could still be valid:
// the unknown low bits span [lo, hi], and that range must meet the legal
// values for this sequence length outside the surrogates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace core::utf8_reference {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

struct Verdict {
  std::size_t first_invalid = npos;  // index of the byte that makes the text hopeless
  bool complete = true;              // valid and ending on a code point boundary
};

// Sequence length announced by a lead byte, 0 if it cannot start one.
inline int sequence_length(std::uint8_t b) {
  if (b < 0x80) return 1;            // 0xxxxxxx
  if ((b & 0xE0) == 0xC0) return 2;  // 110xxxxx
  if ((b & 0xF0) == 0xE0) return 3;  // 1110xxxx
  if ((b & 0xF8) == 0xF0) return 4;  // 11110xxx
  return 0;                          // 10xxxxxx or 11111xxx
}

// Could a `len`-byte sequence whose value lies somewhere in [lo, hi] be valid?
inline bool could_be_valid(std::uint32_t lo, std::uint32_t hi, int len) {
  constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};  // shortest form
  constexpr std::uint32_t kMax[] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  lo = std::max(lo, kMin[len]);
  hi = std::min(hi, kMax[len]);
  if (lo > hi) return false;
  const bool all_surrogates = lo >= 0xD800 && hi <= 0xDFFF;
  return !all_surrogates;
}

inline Verdict check(std::span<const std::uint8_t> text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const int len = sequence_length(text[i]);
    if (len == 0) return {i, false};
    // Value bits of the lead byte: 7, 5, 4 or 3 of them.
    std::uint32_t cp = text[i] & (0xFFu >> (len == 1 ? 1 : len + 1));
    for (int k = 0; k < len; ++k) {
      const std::size_t at = i + static_cast<std::size_t>(k);
      if (at == text.size()) return {npos, false};  // a valid but unfinished prefix
      if (k > 0) {
        if ((text[at] & 0xC0) != 0x80) return {at, false};
        cp = (cp << 6) | (text[at] & 0x3Fu);
      }
      const int unknown_bits = 6 * (len - 1 - k);
      const std::uint32_t lo = cp << unknown_bits;
      const std::uint32_t hi = lo | ((1u << unknown_bits) - 1);
      if (!could_be_valid(lo, hi, len)) return {at, false};
    }
    i += static_cast<std::size_t>(len);
  }
  return {npos, true};
}

// Appends the shortest-form encoding of `cp` (which the caller keeps a
// scalar value): how tests build valid text to damage or split.
inline void append_code_point(std::vector<std::uint8_t>& text, std::uint32_t cp) {
  auto tail = [](std::uint32_t v) { return static_cast<std::uint8_t>(0x80 | (v & 0x3F)); };
  if (cp < 0x80) {
    text.push_back(static_cast<std::uint8_t>(cp));
  } else if (cp < 0x800) {
    text.push_back(static_cast<std::uint8_t>(0xC0 | (cp >> 6)));
    text.push_back(tail(cp));
  } else if (cp < 0x10000) {
    text.push_back(static_cast<std::uint8_t>(0xE0 | (cp >> 12)));
    text.push_back(tail(cp >> 6));
    text.push_back(tail(cp));
  } else {
    text.push_back(static_cast<std::uint8_t>(0xF0 | (cp >> 18)));
    text.push_back(tail(cp >> 12));
    text.push_back(tail(cp >> 6));
    text.push_back(tail(cp));
  }
}

}  // namespace core::utf8_reference
