// core/utf8_lookup.hpp: internal to core/utf8*.cpp. The vector UTF-8 kernels:
// their lookup tables, the block layout they share, and their declarations.
//
// The method is the lookup algorithm of Keiser and Lemire, "Validating UTF-8
// In Less Than One Instruction Per Byte" (2021), written afresh from the
// paper's description:
//
// 1. Almost every UTF-8 error shows in a pair of adjacent bytes. For the pair
//    (previous byte, this byte), three 16-entry tables indexed by the previous
//    byte's high nibble, its low nibble and this byte's high nibble each give
//    the set of error classes (one bit each, below) that the nibble is
//    consistent with. The AND of the three sets is the set of errors the pair
//    commits. A byte shuffle (pshufb) is 16, 32 or 64 such lookups at once.
// 2. What a pair cannot see: whether a continuation byte 80..BF is wanted as
//    the 3rd or 4th byte of a sequence. That depends on the byte two back
//    (E0..FF: a 3- or 4-byte lead) or three back (F0..FF). The tables mark
//    every continuation-after-continuation pair with kTwoConts (bit 7), and a
//    saturating subtraction sets bit 7 wherever a 3rd/4th byte is due; the
//    XOR of the two is an error wherever exactly one of them holds (a surplus
//    continuation, or a missing one).
// 3. A block whose bytes, and the three before it, are all ASCII can hold no
//    error (every pair is ASCII-ASCII and no lead is pending), so it is
//    skipped after one OR and one sign-bit test.
//
// Sequences that end in the middle: each kernel checks its input in 64-byte
// blocks, each reading the 3 bytes before it as context. The first block and
// the last (partial, possibly empty) block go through a copy that puts zeros
// in front (the text starts at a code point boundary) and behind (so a
// truncated sequence at the end meets a 00 and fails as "too short" or
// "missing continuation"): a kernel's answer means "valid AND complete".
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace core::utf8_detail {

// Error classes: one bit each. The names say what the pair (previous byte,
// this byte) is; "cont" is a continuation byte 80..BF, "lead" is C0..FF.
enum : std::uint8_t {
  kTooShort = 1 << 0,   // lead, then ASCII or another lead: a continuation is missing
  kTooLong = 1 << 1,    // ASCII, then cont: a continuation nobody asked for
  kOverlong3 = 1 << 2,  // E0, then 80..9F: a 3-byte form of a code point below U+0800
  kTooLarge = 1 << 3,   // F4, then 90..BF; or F5..FF, then 90..BF: above U+10FFFF
  kSurrogate = 1 << 4,  // ED, then A0..BF: U+D800..U+DFFF
  kOverlong2 = 1 << 5,  // C0 or C1, then cont: a 2-byte form of a code point below U+0080
  // F0, then 80..8F: a 4-byte form below U+10000; or F5..FF, then 80..8F
  // (above U+10FFFF). One bit serves both: the low nibble table tells F0
  // from F5..FF, and both are errors with the same following bytes.
  kOverlong4OrTooLarge80 = 1 << 6,
  kTwoConts = 1 << 7,  // cont, then cont: an error unless a 3rd/4th byte is due (step 2)
};
// The classes that depend on the previous byte's high nibble only: every
// low-nibble entry carries them.
inline constexpr std::uint8_t kAnyLowNibble = kTooShort | kTooLong | kTwoConts;

// Indexed by the previous byte's high nibble.
alignas(16) inline constexpr std::uint8_t kPrevHigh[16] = {
    // 0_______ ASCII: a continuation after it is too long
    kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,
    // 10______ continuation
    kTwoConts, kTwoConts, kTwoConts, kTwoConts,
    // 110_____ 2-byte lead (C0, C1 overlong)
    kTooShort | kOverlong2, kTooShort,
    // 1110____ 3-byte lead (E0 overlong, ED surrogate)
    kTooShort | kOverlong3 | kSurrogate,
    // 1111____ 4-byte lead (F0 overlong, F4 too large), F5..FF
    kTooShort | kTooLarge | kOverlong4OrTooLarge80};

// Indexed by the previous byte's low nibble: which lead bytes of the high
// nibble table's classes have this low nibble.
alignas(16) inline constexpr std::uint8_t kPrevLow[16] = {
    kAnyLowNibble | kOverlong2 | kOverlong3 | kOverlong4OrTooLarge80,  // C0, E0, F0
    kAnyLowNibble | kOverlong2,                                        // C1
    kAnyLowNibble,
    kAnyLowNibble,
    kAnyLowNibble | kTooLarge,                                        // F4
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // F5
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // F6
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // F7
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // F8
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // F9
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // FA
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // FB
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // FC
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80 | kSurrogate,  // FD, ED
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // FE
    kAnyLowNibble | kTooLarge | kOverlong4OrTooLarge80,               // FF
};

// Indexed by this byte's high nibble. kContinuation: the classes any
// continuation byte completes, whatever its value.
inline constexpr std::uint8_t kContinuation = kTooLong | kOverlong2 | kTwoConts;
alignas(16) inline constexpr std::uint8_t kThisHigh[16] = {
    // 0_______ ASCII: too short after a lead
    kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
    // 1000____
    kContinuation | kOverlong3 | kOverlong4OrTooLarge80,
    // 1001____
    kContinuation | kOverlong3 | kTooLarge,
    // 101_____
    kContinuation | kSurrogate | kTooLarge, kContinuation | kSurrogate | kTooLarge,
    // 11______ a lead: too short after a lead
    kTooShort, kTooShort, kTooShort, kTooShort};

// Every kernel works in blocks of 64 bytes, each with 3 bytes of context
// before it (the bytes two and three back decide step 2).
inline constexpr std::size_t kBlock = 64;
inline constexpr std::size_t kContext = 3;

// Copies n <= kBlock bytes to a separate buffer. Most calls copy under 64
// bytes of variable length, where a call into the C library's memcpy costs
// more than the copy: a few fixed-size copies that may overlap instead (they
// write the same bytes twice, which is harmless between distinct buffers).
inline void copy_short(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 4) {
    const std::size_t half = n >= 8 ? 8 : 4;  // two halves cover 4..15 bytes
    std::memcpy(dst, src, half);
    std::memcpy(dst + n - half, src + n - half, half);
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// A block that cannot be checked in place, with zeros after its bytes. The
// first block of a text has zeros before it: the text starts at a code point
// boundary. The last, partial block (possibly empty) has the kContext bytes
// before it in front.
class PaddedBlock {
 public:
  // p[0, n), n <= kBlock.
  static PaddedBlock first(const std::uint8_t* p, std::size_t n) noexcept {
    PaddedBlock block;
    copy_short(block.buffer_ + kContext, p, n);
    return block;
  }
  // p[from, to), to - from < kBlock, from >= kContext.
  static PaddedBlock last(const std::uint8_t* p, std::size_t from, std::size_t to) noexcept {
    PaddedBlock block;
    std::memcpy(block.buffer_, p + from - kContext, kContext);
    copy_short(block.buffer_ + kContext, p + from, to - from);
    return block;
  }
  const std::uint8_t* bytes() const noexcept { return buffer_ + kContext; }

 private:
  PaddedBlock() = default;
  alignas(64) std::uint8_t buffer_[kContext + kBlock] = {};
};

#if defined(__x86_64__)
// Whole-buffer checks: true when p[0, n) is valid UTF-8 that ends on a code
// point boundary. Call only when cpu_features() reports the instruction set.
bool validate_ssse3(const std::uint8_t* p, std::size_t n) noexcept;
bool validate_avx2(const std::uint8_t* p, std::size_t n) noexcept;
bool validate_avx512(const std::uint8_t* p, std::size_t n) noexcept;
#endif

}  // namespace core::utf8_detail
