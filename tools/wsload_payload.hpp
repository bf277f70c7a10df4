// What wsload sends, and how it checks what comes back: every message is a
// function of (connection id, sequence number), so a message is verified by
// comparing it with the message it should be, which catches corruption,
// loss, duplication and reordering alike.
//
// Layout of a message of `size` bytes:
//   [0, 16)   a stamp: the sequence number, low digits first, in 12 base-32
//             characters, then the connection id in 4. Low digits first so
//             that a message shorter than 16 bytes (the stamp cut short)
//             still changes with every message: its first byte cycles
//             through 32 values.
//   [16, 20)  --broadcast only: a check, 20 bits of a hash of (id, sequence)
//             in 4 base-32 characters. A broadcast receiver does not know
//             whose message comes next: it reads (sender, round) from the
//             stamp, and the check tells a corrupted stamp (which would
//             otherwise read as some other sender's or round's message,
//             i.e. as a loss or a duplicate) from a misdelivered message.
//   [.., ..)  a fixed filler, the same for every message: printable ASCII
//             for text (valid UTF-8), pseudo-random bytes for binary.
// The header is ASCII either way. The filler is built once per thread, so
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
  static constexpr std::size_t checked_stamp_size = 20;  // the stamp and its check
  using Header = std::array<std::uint8_t, checked_stamp_size>;

  // `checked`: the --broadcast layout, for messages of at least
  // checked_stamp_size bytes.
  PayloadPattern(std::size_t size, bool text, bool checked = false)
      : message_(size), header_size_(checked ? checked_stamp_size : stamp_size) {
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (std::size_t i = 0; i < size; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;  // an LCG: any fixed bytes will do
      const auto byte = static_cast<std::uint8_t>(x >> 56);
      message_[i] = text ? static_cast<std::uint8_t>(' ' + byte % 95) : byte;
    }
  }

  std::size_t size() const noexcept { return message_.size(); }

  // The first header_size_ bytes of message (connection, seq).
  Header header(std::uint32_t connection, std::uint64_t seq) const noexcept {
    Header h{};
    put_digits(h.data(), seq, 12);
    put_digits(h.data() + 12, connection, 4);
    if (header_size_ == checked_stamp_size) {
      const std::uint64_t mix =
          (seq * 0x9E3779B97F4A7C15ull) ^ (connection * 0xC2B2AE3D27D4EB4Full);
      put_digits(h.data() + 16, mix >> 44, 4);
    }
    return h;
  }

  // Reads (connection, seq) back from a stamp; false if `bytes` is shorter
  // than one or holds a character no stamp has. The check is not looked at:
  // matches() does that.
  static bool parse_stamp(std::span<const std::uint8_t> bytes, std::uint32_t& connection,
                          std::uint64_t& seq) noexcept {
    std::uint64_t id = 0;
    if (bytes.size() < stamp_size || !parse_digits(bytes.data(), 12, seq) ||
        !parse_digits(bytes.data() + 12, 4, id))
      return false;
    connection = static_cast<std::uint32_t>(id);
    return true;
  }

  // `count` base-32 digits of `value`, low digits first (the stamp's form).
  static void put_digits(std::uint8_t* out, std::uint64_t value, std::size_t count) noexcept {
    static constexpr char digits[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (std::size_t i = 0; i < count; ++i)
      out[i] = static_cast<std::uint8_t>(digits[(value >> (5 * i)) & 31]);
  }
  // Reads them back; false on a character put_digits never writes.
  static bool parse_digits(const std::uint8_t* in, std::size_t count,
                           std::uint64_t& value) noexcept {
    value = 0;
    for (std::size_t i = count; i-- > 0;) {
      const std::uint8_t c = in[i];
      const int digit = c >= 'a' && c <= 'z' ? c - 'a' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
      if (digit < 0) return false;
      value = (value << 5) | static_cast<std::uint64_t>(digit);
    }
    return true;
  }

  // The message (connection, seq), in a buffer owned by the pattern: valid
  // until the next call.
  std::span<const std::uint8_t> message(std::uint32_t connection, std::uint64_t seq) noexcept {
    const Header h = header(connection, seq);
    if (!message_.empty())
      std::memcpy(message_.data(), h.data(), std::min(header_size_, message_.size()));
    return message_;
  }

  // Whether `bytes` is the part [offset, offset + bytes.size()) of message
  // (connection, seq). Whole messages pass offset 0; a TCP stream checks
  // piece by piece.
  bool matches(std::uint32_t connection, std::uint64_t seq, std::size_t offset,
               std::span<const std::uint8_t> bytes) const noexcept {
    if (offset + bytes.size() > message_.size()) return false;
    std::size_t i = 0;
    if (offset < header_size_) {
      const Header h = header(connection, seq);
      for (; i < bytes.size() && offset + i < header_size_; ++i)
        if (bytes[i] != h[offset + i]) return false;
    }
    return filler_matches(offset + i, bytes.subspan(i));
  }

  // Whether `bytes` is the filler at [offset, offset + bytes.size()), for an
  // offset past every header (a layout of the caller's own, as pubsub's).
  bool filler_matches(std::size_t offset, std::span<const std::uint8_t> bytes) const noexcept {
    if (offset + bytes.size() > message_.size()) return false;
    return bytes.empty() || std::memcmp(bytes.data(), message_.data() + offset, bytes.size()) == 0;
  }

 private:
  std::vector<std::uint8_t> message_;  // the filler, with the last header written over its start
  std::size_t header_size_;            // stamp_size, or checked_stamp_size (--broadcast)
};

}  // namespace wsload
