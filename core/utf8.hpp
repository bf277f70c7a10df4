// core/utf8.hpp: incremental, fail-fast UTF-8 validation (RFC 3629).
//
// Contract:
// - Valid means RFC 3629 UTF-8: shortest form only, no surrogates
//   (U+D800..U+DFFF), nothing above U+10FFFF. Noncharacters such as U+FFFE
//   are valid (RFC 3629 does not exclude them, and neither does RFC 6455).
// - feed() fails on the chunk holding the first byte after which no
//   continuation could make the text valid (RFC 6455 8.1 lets an endpoint fail
//   a text message as soon as it sees invalid data, so we do, even mid-frame).
// - Never allocates, never throws. The whole state is one byte.
// - The bulk of each chunk goes through a vector kernel (AVX-512, AVX2, SSSE3,
//   or the scalar DFA), chosen once, on first use, from cpu_features().
// - Thread safety: a Utf8Validator is a plain value; use one per message
//   stream, from one thread at a time. is_valid_utf8() is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace core {

// One validation kernel, for tests and benchmarks.
struct Utf8Kernel {
  std::string_view name;  // "scalar", "ssse3", "avx2", "avx512"
  // Whole buffer: true when data[0, size) is valid and complete (ends on a
  // code point boundary). Reads only data[0, size).
  bool (*validate)(const std::uint8_t* data, std::size_t size) noexcept;
};

// Only the kernels this CPU can run, scalar first, then in order of
// preference; the last one is what Utf8Validator and is_valid_utf8() use.
std::span<const Utf8Kernel> available_utf8_kernels() noexcept;

class Utf8Validator {
 public:
  // Feeds the next chunk of a message. Returns false as soon as the bytes fed
  // so far cannot be the prefix of any valid UTF-8 text (E0 80 fails at the 80,
  // ED A0 at the A0, F4 90 at the 90, C0/C1/F5..FF at once): from the chunk
  // that holds that byte on. Once false, stays false until reset().
  bool feed(std::span<const std::uint8_t> chunk) noexcept;

  // The same with a given kernel instead of the one chosen at start-up: for
  // tests and benchmarks. The kernel sees the bulk of the chunk, between the
  // unfinished sequences at either end, when that is 16 bytes or more (the
  // DFA is faster on fewer). (An argument rather than a member, so that the
  // validator stays one byte.)
  bool feed(std::span<const std::uint8_t> chunk, const Utf8Kernel& kernel) noexcept;

  // True when everything fed so far is valid AND ends on a code point boundary.
  // (An empty text is complete.)
  bool complete() const noexcept;

  void reset() noexcept;

 private:
  // A DFA state from utf8.cpp: 0 is "at a code point boundary", 1 is "failed".
  std::uint8_t state_ = 0;
};

// Whole-buffer check (valid and complete).
bool is_valid_utf8(std::span<const std::uint8_t> text) noexcept;

}  // namespace core
