// What wsload sends, and how it checks the echo: every message is a function
// of (connection id, sequence number), so an echo is verified by comparing it
// with the message it should be, which catches corruption, loss, duplication
// and reordering alike.
//
// Layout of a message of `size` bytes:
//   [0, 16)   a stamp: the sequence number, low digits first, in 12 base-32
//             characters, then the connection id in 4. Low digits first so
//             that a message shorter than 16 bytes (the stamp cut short)
//             still changes with every message: its first byte cycles
//             through 32 values.
//   [16, ..)  a fixed filler, the same for every message: printable ASCII
//             for text (valid UTF-8), pseudo-random bytes for binary.
// The stamp is ASCII either way. The filler is built once per thread, so
// sending and checking cost one copy and one memcmp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace wsload {

class PayloadPattern {
 public:
  static constexpr std::size_t stamp_size = 16;
  using Stamp = std::array<std::uint8_t, stamp_size>;

  PayloadPattern(std::size_t size, bool text) : message_(size) {
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (std::size_t i = 0; i < size; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;  // an LCG: any fixed bytes will do
      const auto byte = static_cast<std::uint8_t>(x >> 56);
      message_[i] = text ? static_cast<std::uint8_t>(' ' + byte % 95) : byte;
    }
  }

  std::size_t size() const noexcept { return message_.size(); }

  static Stamp stamp(std::uint32_t connection, std::uint64_t seq) noexcept {
    static constexpr char digits[] = "abcdefghijklmnopqrstuvwxyz234567";
    Stamp s;
    for (std::size_t i = 0; i < 12; ++i) s[i] = static_cast<std::uint8_t>(digits[(seq >> (5 * i)) & 31]);
    for (std::size_t i = 0; i < 4; ++i)
      s[12 + i] = static_cast<std::uint8_t>(digits[(connection >> (5 * i)) & 31]);
    return s;
  }

  // The message (connection, seq), in a buffer owned by the pattern: valid
  // until the next call.
  std::span<const std::uint8_t> message(std::uint32_t connection, std::uint64_t seq) noexcept {
    const Stamp s = stamp(connection, seq);
    if (!message_.empty()) std::memcpy(message_.data(), s.data(), std::min(stamp_size, message_.size()));
    return message_;
  }

  // Whether `bytes` is the part [offset, offset + bytes.size()) of message
  // (connection, seq). Whole messages pass offset 0; a TCP stream checks
  // piece by piece.
  bool matches(std::uint32_t connection, std::uint64_t seq, std::size_t offset,
               std::span<const std::uint8_t> bytes) const noexcept {
    if (offset + bytes.size() > message_.size()) return false;
    std::size_t i = 0;
    if (offset < stamp_size) {
      const Stamp s = stamp(connection, seq);
      for (; i < bytes.size() && offset + i < stamp_size; ++i)
        if (bytes[i] != s[offset + i]) return false;
    }
    if (i == bytes.size()) return true;
    return std::memcmp(bytes.data() + i, message_.data() + offset + i, bytes.size() - i) == 0;
  }

 private:
  std::vector<std::uint8_t> message_;  // the filler, with the last stamp written over [0, 16)
};

}  // namespace wsload
