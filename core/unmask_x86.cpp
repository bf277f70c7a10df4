// core/unmask_x86.cpp: the SSE2, AVX2 and AVX-512 unmask kernels.
//
// The library is built for baseline x86-64, so the AVX2 and AVX-512 kernels
// carry target attributes instead of depending on compiler flags; they are
// called only when cpu_features() reports the instruction set.
//
// Each kernel does the bytes before dst is vector-aligned, then whole
// vectors (aligned stores, unaligned loads), four per step to keep several in
// flight, then one at a time, then the tail. Every step loads its bytes
// before it stores, and steps run forward, which is what makes dst < src with
// overlap safe (see core/unmask.hpp). No step ever revisits a byte: an
// "overlapping last vector" would XOR some bytes twice in place.
#if defined(__x86_64__)

#include <immintrin.h>

#include "core/unmask_kernels.hpp"

namespace core::unmask_detail {

std::size_t unmask_sse2(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept {
  const std::size_t head = bytes_to_alignment(dst, 16, size);
  xor_short(dst, src, head, rotated_key(key, phase));
  const std::uint32_t key_word = rotated_key(key, phase + head);
  const __m128i k = _mm_set1_epi32(static_cast<int>(key_word));
  auto xor16 = [&](std::size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + at));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + at), _mm_xor_si128(v, k));
  };
  std::size_t i = head;
  for (; i + 64 <= size; i += 64) {
    xor16(i);
    xor16(i + 16);
    xor16(i + 32);
    xor16(i + 48);
  }
  for (; i + 16 <= size; i += 16) xor16(i);
  // i - head is a multiple of 4, so key_word is still in phase.
  xor_short(dst + i, src + i, size - i, key_word);
  return (phase + size) & 3;
}

__attribute__((target("avx2"))) std::size_t unmask_avx2(std::uint8_t* dst, const std::uint8_t* src,
                                                        std::size_t size, MaskKey key,
                                                        std::size_t phase) noexcept {
  const std::size_t head = bytes_to_alignment(dst, 32, size);
  xor_short(dst, src, head, rotated_key(key, phase));
  const std::uint32_t key_word = rotated_key(key, phase + head);
  const __m256i k = _mm256_set1_epi32(static_cast<int>(key_word));
  auto xor32 = [&](std::size_t at) __attribute__((target("avx2"))) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + at));
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + at), _mm256_xor_si256(v, k));
  };
  std::size_t i = head;
  for (; i + 128 <= size; i += 128) {
    xor32(i);
    xor32(i + 32);
    xor32(i + 64);
    xor32(i + 96);
  }
  for (; i + 32 <= size; i += 32) xor32(i);
  if (i + 16 <= size) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + i),
                    _mm_xor_si128(v, _mm256_castsi256_si128(k)));
    i += 16;
  }
  xor_short(dst + i, src + i, size - i, key_word);
  return (phase + size) & 3;
}

// Not run on the development machine (no AVX-512 there), so kept to the
// shape of the AVX2 kernel, which is: the bytes before dst is aligned (here
// 64), whole vectors, the rest. The first and the last few bytes take a
// masked load and store instead of the scalar loop: masked-off bytes are
// neither read nor written, and cannot fault.
__attribute__((target("avx512f,avx512bw"))) std::size_t unmask_avx512(std::uint8_t* dst,
                                                                      const std::uint8_t* src,
                                                                      std::size_t size, MaskKey key,
                                                                      std::size_t phase) noexcept {
  auto xor_fewer_than_64 = [&](std::size_t at, std::size_t n, __m512i with)
      __attribute__((target("avx512f,avx512bw"))) {
    const __mmask64 m = (std::uint64_t{1} << n) - 1;  // n < 64
    const __m512i v = _mm512_maskz_loadu_epi8(m, src + at);
    _mm512_mask_storeu_epi8(dst + at, m, _mm512_xor_si512(v, with));
  };
  const std::size_t head = bytes_to_alignment(dst, 64, size);
  xor_fewer_than_64(0, head, _mm512_set1_epi32(static_cast<int>(rotated_key(key, phase))));
  const __m512i k = _mm512_set1_epi32(static_cast<int>(rotated_key(key, phase + head)));
  auto xor64 = [&](std::size_t at) __attribute__((target("avx512f,avx512bw"))) {
    const __m512i v = _mm512_loadu_si512(src + at);
    _mm512_store_si512(dst + at, _mm512_xor_si512(v, k));
  };
  std::size_t i = head;
  for (; i + 256 <= size; i += 256) {
    xor64(i);
    xor64(i + 64);
    xor64(i + 128);
    xor64(i + 192);
  }
  for (; i + 64 <= size; i += 64) xor64(i);
  xor_fewer_than_64(i, size - i, k);
  return (phase + size) & 3;
}

}  // namespace core::unmask_detail

#endif  // __x86_64__
