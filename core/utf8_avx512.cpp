// core/utf8_avx512.cpp: the AVX-512 UTF-8 kernel (64-byte vectors, vpshufb
// on zmm, which needs AVX-512BW).
//
// NOT RUN on the development machine, which has no AVX-512: the tests skip
// it there. So it is kept as simple as possible and line for line the AVX2
// kernel (core/utf8_avx2.cpp, which the tests do run) with one 64-byte vector
// where that one has two 32-byte ones. Like it, it takes the neighbouring
// bytes from unaligned loads and never shuffles across 16-byte lanes; vpshufb
// looks up within each lane, so the tables are repeated in all four. The
// method and the tables are in core/utf8_lookup.hpp.
#if defined(__x86_64__)

#include <immintrin.h>

#include "core/utf8_lookup.hpp"

namespace core::utf8_detail {
namespace {

#define TARGET __attribute__((target("avx512f,avx512bw")))

struct Tables {
  __m512i prev_high, prev_low, this_high;
};

TARGET inline __m512i load(const std::uint8_t* p) { return _mm512_loadu_si512(p); }

// The 16 entries in each of the four lanes. (Not _mm512_broadcast_i32x4:
// GCC 12 warns, falsely, that it reads an uninitialized register.)
TARGET inline __m512i table(const std::uint8_t (&entries)[16]) {
  alignas(64) std::uint8_t lanes[64];
  for (std::size_t lane = 0; lane < 4; ++lane) std::memcpy(lanes + 16 * lane, entries, 16);
  return _mm512_load_si512(lanes);
}

TARGET inline __m512i high_nibbles(__m512i v) {
  return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F));
}

// The error bits of the 64 bytes at `at`; reads at[-3, 64).
TARGET inline __m512i check64(const std::uint8_t* at, const Tables& t) {
  const __m512i in = load(at);
  const __m512i prev1 = load(at - 1);
  const __m512i prev2 = load(at - 2);
  const __m512i prev3 = load(at - 3);
  // Step 1: the pair (prev1, in).
  const __m512i prev_high = _mm512_shuffle_epi8(t.prev_high, high_nibbles(prev1));
  const __m512i prev_low =
      _mm512_shuffle_epi8(t.prev_low, _mm512_and_si512(prev1, _mm512_set1_epi8(0x0F)));
  const __m512i this_high = _mm512_shuffle_epi8(t.this_high, high_nibbles(in));
  const __m512i pair = _mm512_and_si512(_mm512_and_si512(prev_high, prev_low), this_high);
  // Step 2: bit 7 where the byte must be a 3rd or 4th byte.
  const __m512i third = _mm512_subs_epu8(prev2, _mm512_set1_epi8(static_cast<char>(0xE0 - 0x80)));
  const __m512i fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8(static_cast<char>(0xF0 - 0x80)));
  const __m512i due = _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8(-128));
  return _mm512_xor_si512(pair, due);
}

// The error bits of the kBlock bytes at `at`; reads at[-3, kBlock).
TARGET inline __m512i check_block(const std::uint8_t* at, const Tables& t) {
  static_assert(kBlock == 64, "one zmm register per block");
  // Step 3: bytes at[-3, 64) all ASCII (movepi8_mask: the sign bit of each byte).
  const __m512i any = _mm512_or_si512(load(at - 3), load(at));
  if (_mm512_movepi8_mask(any) == 0) return _mm512_setzero_si512();
  return check64(at, t);
}

TARGET inline bool is_zero(__m512i v) { return _mm512_test_epi8_mask(v, v) == 0; }

}  // namespace

TARGET bool validate_avx512(const std::uint8_t* p, std::size_t n) noexcept {
  const Tables t{table(kPrevHigh), table(kPrevLow), table(kThisHigh)};
  __m512i error = check_block(PaddedBlock::first(p, std::min(n, kBlock)).bytes(), t);
  if (n >= kBlock) {  // else the first block held all of it, and zeros after
    std::size_t i = kBlock;
    for (; i + kBlock <= n; i += kBlock) error = _mm512_or_si512(error, check_block(p + i, t));
    error = _mm512_or_si512(error, check_block(PaddedBlock::last(p, i, n).bytes(), t));
  }
  return is_zero(error);
}

#undef TARGET

}  // namespace core::utf8_detail

#endif  // __x86_64__
