// core/unmask_kernels.hpp: internal to core/unmask*.cpp. The kernels behind
// available_unmask_kernels(), and the scalar pieces they share.
//
// Every kernel has unmask_copy's contract (core/unmask.hpp). The x86 kernels
// exist only in x86-64 builds and may be called only when cpu_features()
// reports their instruction set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/unmask.hpp"

namespace core::unmask_detail {

// The key rotated so that its first byte is key[phase], as the 32-bit word
// whose bytes in memory are that order. XOR-ing any multiple of 4 bytes
// starting at a phase-aligned position then needs no index arithmetic: a
// vector is this word broadcast.
inline std::uint32_t rotated_key(MaskKey key, std::size_t phase) noexcept {
  const std::uint8_t bytes[4] = {key[phase & 3], key[(phase + 1) & 3], key[(phase + 2) & 3],
                                 key[(phase + 3) & 3]};
  std::uint32_t word;
  std::memcpy(&word, bytes, 4);
  return word;
}

// How many bytes to do before dst is `alignment`-aligned (at most size). A
// vector store that straddles two cache lines costs about two, and payloads
// rarely start aligned (they follow a 2- to 14-byte header): aligning the
// stores nearly doubles AVX2 throughput on such buffers. The loads stay
// unaligned (src and dst may be misaligned differently).
inline std::size_t bytes_to_alignment(const std::uint8_t* dst, std::size_t alignment,
                                      std::size_t size) noexcept {
  const std::size_t misalignment = reinterpret_cast<std::uintptr_t>(dst) & (alignment - 1);
  const std::size_t head = misalignment == 0 ? 0 : alignment - misalignment;
  return head < size ? head : size;
}

// The few bytes before or after a vector loop: dst[i] = src[i] ^ (byte
// i % 4 of key_word), forward, 8 then 1 byte at a time.
inline void xor_short(std::uint8_t* dst, const std::uint8_t* src, std::size_t size,
                      std::uint32_t key_word) noexcept {
  const std::uint64_t key64 = (static_cast<std::uint64_t>(key_word) << 32) | key_word;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + i, 8);  // memcpy: alignment-safe, compiles to plain loads
    word ^= key64;
    std::memcpy(dst + i, &word, 8);
  }
  std::uint8_t key_bytes[4];
  std::memcpy(key_bytes, &key_word, 4);
  for (; i < size; ++i) dst[i] = src[i] ^ key_bytes[i & 3];
}

std::size_t unmask_scalar(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                          std::size_t phase) noexcept;

#if defined(__x86_64__)
std::size_t unmask_sse2(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept;
std::size_t unmask_avx2(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept;
std::size_t unmask_avx512(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                          std::size_t phase) noexcept;
#endif

}  // namespace core::unmask_detail
