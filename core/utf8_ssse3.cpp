// core/utf8_ssse3.cpp: the SSSE3 UTF-8 kernel (16-byte vectors, pshufb).
// The method and the tables are in core/utf8_lookup.hpp; the AVX2 and
// AVX-512 kernels have the same shape with wider vectors.
#if defined(__x86_64__)

#include <immintrin.h>

#include "core/utf8_lookup.hpp"

namespace core::utf8_detail {
namespace {

#define TARGET __attribute__((target("ssse3")))

struct Tables {
  __m128i prev_high, prev_low, this_high;
};

TARGET inline __m128i load(const std::uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

TARGET inline __m128i high_nibbles(__m128i v) {
  // No byte shift in SSE: shift 16-bit lanes and drop what came from the
  // neighbouring byte.
  return _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F));
}

// The error bits of the 16 bytes at `at`; reads at[-3, 16).
TARGET inline __m128i check16(const std::uint8_t* at, const Tables& t) {
  const __m128i in = load(at);
  const __m128i prev1 = load(at - 1);
  const __m128i prev2 = load(at - 2);
  const __m128i prev3 = load(at - 3);
  // Step 1: the pair (prev1, in).
  const __m128i prev_high = _mm_shuffle_epi8(t.prev_high, high_nibbles(prev1));
  const __m128i prev_low = _mm_shuffle_epi8(t.prev_low, _mm_and_si128(prev1, _mm_set1_epi8(0x0F)));
  const __m128i this_high = _mm_shuffle_epi8(t.this_high, high_nibbles(in));
  const __m128i pair = _mm_and_si128(_mm_and_si128(prev_high, prev_low), this_high);
  // Step 2: bit 7 where the byte must be a 3rd or 4th byte (prev2 >= E0 or
  // prev3 >= F0; the saturating subtraction leaves >= 0x80 exactly then).
  const __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8(static_cast<char>(0xE0 - 0x80)));
  const __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8(static_cast<char>(0xF0 - 0x80)));
  const __m128i due = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8(-128));
  return _mm_xor_si128(pair, due);
}

// The error bits of the kBlock bytes at `at`; reads at[-3, kBlock).
TARGET inline __m128i check_block(const std::uint8_t* at, const Tables& t) {
  // Step 3: bytes at[-3, 64) all ASCII.
  const __m128i any =
      _mm_or_si128(_mm_or_si128(load(at - 3), load(at)),
                   _mm_or_si128(_mm_or_si128(load(at + 16), load(at + 32)), load(at + 48)));
  if (_mm_movemask_epi8(any) == 0) return _mm_setzero_si128();
  return _mm_or_si128(_mm_or_si128(check16(at, t), check16(at + 16, t)),
                      _mm_or_si128(check16(at + 32, t), check16(at + 48, t)));
}

TARGET inline bool is_zero(__m128i v) {
  return _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) == 0xFFFF;
}

}  // namespace

TARGET bool validate_ssse3(const std::uint8_t* p, std::size_t n) noexcept {
  const Tables t{load(kPrevHigh), load(kPrevLow), load(kThisHigh)};
  __m128i error = check_block(PaddedBlock::first(p, std::min(n, kBlock)).bytes(), t);
  if (n >= kBlock) {  // else the first block held all of it, and zeros after
    std::size_t i = kBlock;
    for (; i + kBlock <= n; i += kBlock) error = _mm_or_si128(error, check_block(p + i, t));
    error = _mm_or_si128(error, check_block(PaddedBlock::last(p, i, n).bytes(), t));
  }
  return is_zero(error);
}

#undef TARGET

}  // namespace core::utf8_detail

#endif  // __x86_64__
