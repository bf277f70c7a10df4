// core/utf8.cpp: the validator, the scalar kernel (a DFA over byte classes),
// the kernel list and the dispatch.
//
// The DFA does the validator's byte-exact work at the edges of a chunk (the
// end of a sequence the previous chunk left unfinished, and the start of one
// this chunk leaves unfinished); a whole-buffer kernel, vector where the CPU
// allows, does the bulk between them. The vector kernels are in
// core/utf8_ssse3.cpp, core/utf8_avx2.cpp, core/utf8_avx512.cpp.
//
// Each byte maps to one of 12 classes; the state says how many continuation
// bytes are still owed and, right after the lead bytes E0, ED, F0 and F4, which
// part of 80..BF the next byte may use. RFC 3629 section 4 gives the grammar
// this DFA recognises:
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//            %xF4 %x80-8F 2( UTF8-tail )
// Restricting the second byte is what makes the DFA fail fast: E0 80.. is an
// overlong, ED A0.. a surrogate, F4 90.. above U+10FFFF, and each is known to
// be hopeless at its second byte.
#include "core/utf8.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include "core/cpu_features.hpp"
#include "core/utf8_lookup.hpp"

namespace core {
namespace {

// Byte classes (columns of the transition table).
enum : std::uint8_t {
  kAscii,   // 00..7F
  kTail80,  // 80..8F  continuation, low quarter
  kTail90,  // 90..9F  continuation, second quarter
  kTailA0,  // A0..BF  continuation, upper half
  kBad,     // C0, C1 (always overlong), F5..FF (always above U+10FFFF)
  kLead2,   // C2..DF
  kLeadE0,  // E0      next byte A0..BF, or the result is overlong
  kLead3,   // E1..EC, EE..EF
  kLeadED,  // ED      next byte 80..9F, or the result is a surrogate
  kLeadF0,  // F0      next byte 90..BF, or the result is overlong
  kLead4,   // F1..F3
  kLeadF4,  // F4      next byte 80..8F, or the result is above U+10FFFF
  kClassCount
};

// States (rows). kAccept and kReject are the values utf8.hpp promises.
enum : std::uint8_t {
  kAccept,  // at a code point boundary
  kReject,  // failed; absorbing
  kOwe1,    // one continuation byte owed, any of 80..BF
  kOwe2,    // two owed, any
  kOwe2E0,  // two owed, the next one A0..BF
  kOwe2ED,  // two owed, the next one 80..9F
  kOwe3,    // three owed, any
  kOwe3F0,  // three owed, the next one 90..BF
  kOwe3F4,  // three owed, the next one 80..8F
  kStateCount
};

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
  std::array<std::uint8_t, 256> c{};
  auto fill = [&c](int first, int last, std::uint8_t cls) {
    for (int b = first; b <= last; ++b) c[static_cast<std::size_t>(b)] = cls;
  };
  fill(0x00, 0x7F, kAscii);
  fill(0x80, 0x8F, kTail80);
  fill(0x90, 0x9F, kTail90);
  fill(0xA0, 0xBF, kTailA0);
  fill(0xC0, 0xC1, kBad);
  fill(0xC2, 0xDF, kLead2);
  fill(0xE0, 0xE0, kLeadE0);
  fill(0xE1, 0xEF, kLead3);
  fill(0xED, 0xED, kLeadED);  // carved out of E1..EF above
  fill(0xF0, 0xF0, kLeadF0);
  fill(0xF1, 0xF3, kLead4);
  fill(0xF4, 0xF4, kLeadF4);
  fill(0xF5, 0xFF, kBad);
  return c;
}
constexpr std::array<std::uint8_t, 256> kByteClass = make_byte_classes();

static_assert(kAccept == 0 && kReject == 1, "utf8.hpp documents these two values");

// One-letter names for the table only: the state entered after a lead byte is
// named after that byte (E0, ED, F0, F4) or after the bytes still owed (O1..O3).
constexpr std::uint8_t A = kAccept, R = kReject, O1 = kOwe1, O2 = kOwe2, O3 = kOwe3, E0 = kOwe2E0,
                       ED = kOwe2ED, F0 = kOwe3F0, F4 = kOwe3F4;

// kNext[state][class]: 9 x 12 bytes. Mid-sequence only continuation classes
// advance; ASCII or a lead byte there is an error.
// clang-format off
constexpr std::uint8_t kNext[kStateCount][kClassCount] = {
    //        Ascii T80 T90 TA0 Bad L2  LE0 L3  LED LF0 L4  LF4
    /* A  */ {A,    R,  R,  R,  R,  O1, E0, O2, ED, F0, O3, F4},
    /* R  */ {R,    R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R },
    /* O1 */ {R,    A,  A,  A,  R,  R,  R,  R,  R,  R,  R,  R },
    /* O2 */ {R,    O1, O1, O1, R,  R,  R,  R,  R,  R,  R,  R },
    /* E0 */ {R,    R,  R,  O1, R,  R,  R,  R,  R,  R,  R,  R },  // A0..BF only
    /* ED */ {R,    O1, O1, R,  R,  R,  R,  R,  R,  R,  R,  R },  // 80..9F only
    /* O3 */ {R,    O2, O2, O2, R,  R,  R,  R,  R,  R,  R,  R },
    /* F0 */ {R,    R,  O2, O2, R,  R,  R,  R,  R,  R,  R,  R },  // 90..BF only
    /* F4 */ {R,    O2, R,  R,  R,  R,  R,  R,  R,  R,  R,  R },  // 80..8F only
};
// clang-format on

// Skips whole 8-byte words of ASCII from p[i]. Only valid at a code point
// boundary: mid-sequence an ASCII byte is an error the DFA must see.
std::size_t skip_ascii_words(const std::uint8_t* p, std::size_t i, std::size_t n) noexcept {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (n - i >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);  // unaligned load, no aliasing trouble
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  return i;
}

// Runs the DFA over p[0..n) from `state` and returns the final state,
// stopping at the first byte that rejects.
std::uint8_t run_dfa(std::uint8_t state, const std::uint8_t* p, std::size_t n) noexcept {
  std::size_t i = 0;
  while (i < n) {
    if (state == kAccept) {
      i = skip_ascii_words(p, i, n);
      if (i == n) break;
    }
    state = kNext[state][kByteClass[p[i]]];
    if (state == kReject) break;
    ++i;
  }
  return state;
}

// The scalar kernel.
bool validate_scalar(const std::uint8_t* p, std::size_t n) noexcept {
  return run_dfa(kAccept, p, n) == kAccept;
}

// Where the sequence that p[0..n) leaves unfinished starts, or n if none.
// Looks at the last three bytes only, for a lead byte that announces more
// bytes than are left. If the text is a valid prefix, that is exactly the
// start of its unfinished last code point (or n when it ends on a boundary).
// If not, the bytes before the answer are not valid and complete either,
// whatever it is, so the kernel that checks them fails, as it must.
std::size_t unfinished_start(const std::uint8_t* p, std::size_t n) noexcept {
  if (n >= 1 && p[n - 1] >= 0xC0) return n - 1;  // any lead, 0 of 1..3 more
  if (n >= 2 && p[n - 2] >= 0xE0) return n - 2;  // 3- or 4-byte lead, 1 of 2..3
  if (n >= 3 && p[n - 3] >= 0xF0) return n - 3;  // 4-byte lead, 2 of 3
  return n;
}

// Below this many bytes the DFA beats any vector kernel, whose fixed cost
// (copying a partial block, the table set-up) is some 15 ns: so short chunks
// and texts, which are common (small messages, close reasons), skip it.
constexpr std::size_t kMinKernelBytes = 16;

struct KernelList {
  std::array<Utf8Kernel, 4> kernels;
  std::size_t count = 0;
};

KernelList list_kernels() noexcept {
  KernelList list;
  list.kernels[list.count++] = {"scalar", validate_scalar};
#if defined(__x86_64__)
  namespace d = utf8_detail;
  const CpuFeatures& cpu = cpu_features();
  if (cpu.ssse3) list.kernels[list.count++] = {"ssse3", d::validate_ssse3};
  if (cpu.avx2) list.kernels[list.count++] = {"avx2", d::validate_avx2};
  if (cpu.avx512) list.kernels[list.count++] = {"avx512", d::validate_avx512};
#endif
  return list;
}

// The kernel every call uses, chosen on first use.
const Utf8Kernel& best_kernel() noexcept {
  static const Utf8Kernel& best = available_utf8_kernels().back();
  return best;
}

}  // namespace

std::span<const Utf8Kernel> available_utf8_kernels() noexcept {
  static const KernelList list = list_kernels();
  return {list.kernels.data(), list.count};
}

bool Utf8Validator::feed(std::span<const std::uint8_t> chunk) noexcept {
  return feed(chunk, best_kernel());
}

bool Utf8Validator::feed(std::span<const std::uint8_t> chunk, const Utf8Kernel& kernel) noexcept {
  if (state_ == kReject) return false;
  const std::uint8_t* p = chunk.data();
  const std::size_t n = chunk.size();
  // Finish the sequence the last chunk left unfinished: at most 3 bytes.
  std::size_t i = 0;
  for (; state_ != kAccept && i < n; ++i) {
    state_ = kNext[state_][kByteClass[p[i]]];
    if (state_ == kReject) return false;
  }
  if (i == n) return true;
  // The bulk, from a code point boundary to the start of an unfinished
  // sequence at the end, is valid and complete or the chunk fails.
  const std::size_t cut = i + unfinished_start(p + i, n - i);
  const bool bulk_ok =
      cut - i < kMinKernelBytes ? validate_scalar(p + i, cut - i) : kernel.validate(p + i, cut - i);
  if (!bulk_ok) {
    state_ = kReject;
    return false;
  }
  // The unfinished sequence (at most 3 bytes): the DFA says whether it can
  // still become valid, and its state carries it into the next chunk.
  state_ = run_dfa(kAccept, p + cut, n - cut);
  return state_ != kReject;
}

bool Utf8Validator::complete() const noexcept { return state_ == kAccept; }

void Utf8Validator::reset() noexcept { state_ = kAccept; }

bool is_valid_utf8(std::span<const std::uint8_t> text) noexcept {
  if (text.size() < kMinKernelBytes) return validate_scalar(text.data(), text.size());
  return best_kernel().validate(text.data(), text.size());
}

}  // namespace core
