// tests/fuzz/fuzz_support.hpp: what every harness in tests/fuzz/ shares.
//
// - FUZZ_CHECK(condition, message): a failed invariant prints what was
//   expected and aborts, which libFuzzer reports as a crash and saves the
//   input under build/fuzz/artifacts/.
// - InputReader: takes a harness's parameters (a role, a cut point, a key)
//   off the front of the fuzzer's input; past the end it yields zeros, so
//   every input is usable.
// - ExactCopy: bytes copied into a heap block of exactly their size (after
//   an optional offset, to vary alignment), so that a read or write past
//   either end is an AddressSanitizer report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

using Bytes = std::vector<std::uint8_t>;

[[noreturn]] inline void fail_check(const char* condition, const std::string& message,
                                    const char* file, int line) {
  std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d: %s\n  %s\n", file, line, condition,
               message.c_str());
  std::abort();
}

#define FUZZ_CHECK(condition, message)                                               \
  do {                                                                               \
    if (!(condition)) ::fuzz::fail_check(#condition, (message), __FILE__, __LINE__); \
  } while (false)

// Printable, bounded rendering of bytes for failure messages.
inline std::string hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 64) {
  std::string out;
  char digits[4];
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    std::snprintf(digits, sizeof digits, "%02x", bytes[i]);
    out += digits;
  }
  if (bytes.size() > max_bytes) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() {
    const std::uint16_t low = byte();
    return static_cast<std::uint16_t>(low | (byte() << 8));
  }
  // Up to `n` bytes, fewer at the end of the input.
  std::span<const std::uint8_t> take(std::size_t n) {
    const std::size_t k = n < size_ - pos_ ? n : size_ - pos_;
    pos_ += k;
    return {data_ + pos_ - k, k};
  }
  std::span<const std::uint8_t> rest() { return take(size_ - pos_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

class ExactCopy {
 public:
  explicit ExactCopy(std::span<const std::uint8_t> bytes, std::size_t offset = 0)
      : block_(new std::uint8_t[offset + bytes.size()]), offset_(offset), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data(), bytes.data(), size_);
  }
  std::uint8_t* data() { return block_.get() + offset_; }
  std::size_t size() const { return size_; }
  std::span<std::uint8_t> span() { return {data(), size_}; }

 private:
  std::unique_ptr<std::uint8_t[]> block_;
  std::size_t offset_, size_;
};

}  // namespace fuzz
