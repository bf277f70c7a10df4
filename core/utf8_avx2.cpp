// core/utf8_avx2.cpp: the AVX2 UTF-8 kernel (32-byte vectors, vpshufb).
// Line for line the SSSE3 kernel (core/utf8_ssse3.cpp) with wider vectors;
// the method and the tables are in core/utf8_lookup.hpp. vpshufb looks up
// within each 16-byte lane, so each table is repeated in both lanes; the
// neighbouring bytes come from unaligned loads at at - 1, - 2, - 3, which need
// no shuffle across lanes.
#if defined(__x86_64__)

#include <immintrin.h>

#include "core/utf8_lookup.hpp"

namespace core::utf8_detail {
namespace {

#define TARGET __attribute__((target("avx2")))

struct Tables {
  __m256i prev_high, prev_low, this_high;
};

TARGET inline __m256i load(const std::uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

TARGET inline __m256i table(const std::uint8_t (&entries)[16]) {
  return _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(entries)));
}

TARGET inline __m256i high_nibbles(__m256i v) {
  return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
}

// The error bits of the 32 bytes at `at`; reads at[-3, 32).
TARGET inline __m256i check32(const std::uint8_t* at, const Tables& t) {
  const __m256i in = load(at);
  const __m256i prev1 = load(at - 1);
  const __m256i prev2 = load(at - 2);
  const __m256i prev3 = load(at - 3);
  // Step 1: the pair (prev1, in).
  const __m256i prev_high = _mm256_shuffle_epi8(t.prev_high, high_nibbles(prev1));
  const __m256i prev_low =
      _mm256_shuffle_epi8(t.prev_low, _mm256_and_si256(prev1, _mm256_set1_epi8(0x0F)));
  const __m256i this_high = _mm256_shuffle_epi8(t.this_high, high_nibbles(in));
  const __m256i pair = _mm256_and_si256(_mm256_and_si256(prev_high, prev_low), this_high);
  // Step 2: bit 7 where the byte must be a 3rd or 4th byte.
  const __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(static_cast<char>(0xE0 - 0x80)));
  const __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(static_cast<char>(0xF0 - 0x80)));
  const __m256i due = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(-128));
  return _mm256_xor_si256(pair, due);
}

// The error bits of the kBlock bytes at `at`; reads at[-3, kBlock).
TARGET inline __m256i check_block(const std::uint8_t* at, const Tables& t) {
  // Step 3: bytes at[-3, 64) all ASCII.
  const __m256i any = _mm256_or_si256(_mm256_or_si256(load(at - 3), load(at)), load(at + 32));
  if (_mm256_movemask_epi8(any) == 0) return _mm256_setzero_si256();
  return _mm256_or_si256(check32(at, t), check32(at + 32, t));
}

TARGET inline bool is_zero(__m256i v) { return _mm256_testz_si256(v, v) != 0; }

}  // namespace

TARGET bool validate_avx2(const std::uint8_t* p, std::size_t n) noexcept {
  const Tables t{table(kPrevHigh), table(kPrevLow), table(kThisHigh)};
  __m256i error = check_block(PaddedBlock::first(p, std::min(n, kBlock)).bytes(), t);
  if (n >= kBlock) {  // else the first block held all of it, and zeros after
    std::size_t i = kBlock;
    for (; i + kBlock <= n; i += kBlock) error = _mm256_or_si256(error, check_block(p + i, t));
    error = _mm256_or_si256(error, check_block(PaddedBlock::last(p, i, n).bytes(), t));
  }
  return is_zero(error);
}

#undef TARGET

}  // namespace core::utf8_detail

#endif  // __x86_64__
