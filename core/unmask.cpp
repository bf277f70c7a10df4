#include "core/unmask.hpp"

#include <cstring>

namespace core {
namespace {

// The key rotated so that its first byte is key[phase], repeated to 8 bytes:
// XOR-ing 8 bytes at a time then needs no per-byte index arithmetic.
std::uint64_t rotated_key_word(MaskKey key, std::size_t phase) noexcept {
  std::uint8_t bytes[8];
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = key[(phase + i) & 3];
  std::uint64_t word;
  std::memcpy(&word, bytes, 8);
  return word;
}

}  // namespace

std::size_t unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept {
  const std::uint64_t key_word = rotated_key_word(key, phase);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {  // memcpy: alignment-safe, compiles to plain loads
    std::uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= key_word;
    std::memcpy(dst + i, &word, 8);
  }
  for (; i < size; ++i) dst[i] = src[i] ^ key[(phase + i) & 3];
  return (phase + size) & 3;
}

std::size_t unmask_in_place(std::uint8_t* data, std::size_t size, MaskKey key,
                            std::size_t phase) noexcept {
  return unmask_copy(data, data, size, key, phase);
}

}  // namespace core
