// tests/core/utf8_kernels_test.cpp: every UTF-8 kernel this CPU can run
// (core::available_utf8_kernels()) against the reference decoder
// (utf8_reference.hpp), alone and through Utf8Validator::feed(chunk, kernel).
//
// The vector kernels work in 64-byte blocks of 16-, 32- or 64-byte vectors,
// each byte judged with the three before it; the first and the last block of
// a text take a different path from the ones between. So the interesting
// bytes are placed at every offset from 0 to past the second block boundary,
// between ASCII (which lets a kernel skip blocks) and between multi-byte text
// (which does not). A kernel the CPU lacks is skipped, and says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "tests/core/utf8_reference.hpp"
#include "tests/support/guarded_page.hpp"

namespace {

using test_support::GuardedPage;

namespace ref = core::utf8_reference;
using ref::append_code_point;
using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t npos = ref::npos;

std::string hex(std::span<const std::uint8_t> text) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (std::uint8_t b : text) {
    if (!s.empty()) s += ' ';
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

// Valid text of exactly n bytes. ASCII, or code points of 2, 3, 4 and 1
// bytes in turn (ASCII where the next one would not fit). Either way it
// starts with a lead or ASCII byte and ends on a code point boundary, so text
// placed between two fillers is valid exactly when it is valid and complete
// on its own.
enum class Filler { ascii, multibyte };

Bytes filler(std::size_t n, Filler style) {
  Bytes t;
  static constexpr std::uint32_t kCycle[] = {0xE9, 0x20AC, 0x1F600, 'x', 0x7FF, 0xFFFD, 0x10FFFF};
  for (std::size_t i = 0; t.size() < n; ++i) {
    const std::uint32_t cp = style == Filler::ascii ? 'a' + i % 26 : kCycle[i % 7];
    const std::size_t size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (t.size() + size <= n)
      append_code_point(t, cp);
    else
      t.push_back('y');
  }
  return t;
}

// Fillers of every length up to kMaxFiller, made once.
constexpr std::size_t kMaxFiller = 200;
const std::vector<Bytes>& fillers(Filler style) {
  static const auto make = [](Filler s) {
    std::vector<Bytes> all;
    for (std::size_t n = 0; n <= kMaxFiller; ++n) all.push_back(filler(n, s));
    return all;
  };
  static const std::vector<Bytes> ascii = make(Filler::ascii);
  static const std::vector<Bytes> multibyte = make(Filler::multibyte);
  return style == Filler::ascii ? ascii : multibyte;
}

// `text` between fillers of `before` and `after` bytes, built in a fixed
// buffer so that the exhaustive loops do not allocate. (Reading past the end
// is what GuardedPage (tests/support/guarded_page.hpp) is for.)
class Frame {
 public:
  std::span<const std::uint8_t> place(std::span<const std::uint8_t> text, std::size_t before,
                                      std::size_t after, Filler style) {
    const auto& f = fillers(style);
    std::uint8_t* end = std::copy(f[before].begin(), f[before].end(), buffer_);
    end = std::copy(text.begin(), text.end(), end);
    end = std::copy(f[after].begin(), f[after].end(), end);
    return {buffer_, static_cast<std::size_t>(end - buffer_)};
  }

 private:
  std::uint8_t buffer_[2 * kMaxFiller + 64];
};

bool valid_and_complete(std::span<const std::uint8_t> text) { return ref::check(text).complete; }

// Under the sanitizers the largest loops below take every 7th case: those
// builds run many times slower, and are there to catch memory errors, which
// depend on lengths and offsets (all still covered), not on byte values.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t kStride = 7;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr std::uint32_t kStride = 7;
#else
constexpr std::uint32_t kStride = 1;
#endif
#else
constexpr std::uint32_t kStride = 1;
#endif

class Utf8KernelTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    for (const core::Utf8Kernel& k : core::available_utf8_kernels())
      if (k.name == GetParam()) kernel_ = &k;
    if (kernel_ == nullptr) GTEST_SKIP() << "this CPU cannot run the " << GetParam() << " kernel";
  }

  bool validate(std::span<const std::uint8_t> text) const {
    return kernel_->validate(text.data(), text.size());
  }

  // Counts disagreements with `want`, reporting the first few in full.
  void check(std::span<const std::uint8_t> text, bool want, std::span<const std::uint8_t> what) {
    ++checked_;
    if (validate(text) == want) return;
    if (++mismatches_ <= 5)
      ADD_FAILURE() << GetParam() << " says " << (want ? "invalid" : "valid") << " for "
                    << hex(what) << " in these " << text.size() << " bytes: " << hex(text);
  }

  void TearDown() override { EXPECT_EQ(mismatches_, 0u) << "out of " << checked_ << " texts"; }

  const core::Utf8Kernel* kernel_ = nullptr;
  std::size_t checked_ = 0;
  std::size_t mismatches_ = 0;
};

TEST_P(Utf8KernelTest, EmptyTextIsValid) {
  const std::uint8_t none[1] = {0xFF};  // a real pointer, zero bytes of it
  EXPECT_TRUE(kernel_->validate(none, 0));
}

// The reference's verdict (valid and complete) on every 1-, 2- and 3-byte
// sequence, worked out once for all kernels: bit s of the answer for the
// sequence whose bytes, big-endian, are the number s.
struct ShortVerdicts {
  std::vector<bool> one, two, three;
};
const ShortVerdicts& short_verdicts() {
  static const ShortVerdicts verdicts = [] {
    ShortVerdicts v;
    v.one.resize(1 << 8);
    v.two.resize(1 << 16);
    v.three.resize(1 << 24);
    for (std::uint32_t s = 0; s < (1 << 24); ++s) {
      const std::array<std::uint8_t, 3> b{static_cast<std::uint8_t>(s >> 16),
                                          static_cast<std::uint8_t>(s >> 8),
                                          static_cast<std::uint8_t>(s)};
      if (s % kStride == 0) v.three[s] = valid_and_complete(b);
      if (s < (1 << 16)) v.two[s] = valid_and_complete(std::span(b).last(2));
      if (s < (1 << 8)) v.one[s] = valid_and_complete(std::span(b).last(1));
    }
    return v;
  }();
  return verdicts;
}

// Every 1-, 2- and 3-byte sequence inside ASCII: the offset goes round
// 0..66 (every 16- and 32-byte vector boundary of the first block, and its
// end) and the ASCII after it 0..1 bytes, so that every sequence lands
// somewhere and every offset sees every kind of sequence. Written into the
// ASCII in place, to keep 16.8 million calls quick.
TEST_P(Utf8KernelTest, ExhaustiveShortSequencesInAscii) {
  if (GetParam() == "scalar")
    GTEST_SKIP() << "Utf8Validator.EveryThreeByteSequence checks the scalar kernel on all of these";
  const ShortVerdicts& want = short_verdicts();
  Bytes text = fillers(Filler::ascii)[80];
  std::size_t n = 0;
  auto run = [&](std::span<const std::uint8_t> s, bool verdict) {
    const std::size_t offset = (n * 37) % 67;
    std::copy(s.begin(), s.end(), text.begin() + static_cast<std::ptrdiff_t>(offset));
    check(std::span(text).first(offset + s.size() + n % 2), verdict, s);
    std::copy_n(fillers(Filler::ascii)[80].begin() + static_cast<std::ptrdiff_t>(offset), s.size(),
                text.begin() + static_cast<std::ptrdiff_t>(offset));
    ++n;
  };
  for (std::uint32_t s = 0; s < (1 << 24); ++s) {
    const std::array<std::uint8_t, 3> b{static_cast<std::uint8_t>(s >> 16),
                                        static_cast<std::uint8_t>(s >> 8),
                                        static_cast<std::uint8_t>(s)};
    if (s % kStride == 0) run(b, want.three[s]);
    if (s < (1 << 16)) run(std::span(b).last(2), want.two[s]);
    if (s < (1 << 8)) run(std::span(b).last(1), want.one[s]);
  }
}

// Every 2-byte sequence between multi-byte text, at offsets going round
// 0..130 (the first two blocks and their boundaries).
TEST_P(Utf8KernelTest, ExhaustivePairsInMultibyteText) {
  const ShortVerdicts& want = short_verdicts();
  Frame frame;
  for (std::uint32_t s = 0; s < (1 << 16); ++s) {
    const std::array<std::uint8_t, 2> b{static_cast<std::uint8_t>(s >> 8),
                                        static_cast<std::uint8_t>(s)};
    check(frame.place(b, (s * 37) % 131, s % 7, Filler::multibyte), want.two[s], b);
  }
}

// Bytes at every boundary of the byte classes: ASCII, the continuation
// quarters, the bad leads, the leads with a restricted second byte.
constexpr std::uint8_t kInteresting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                         0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                         0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF};

// Every pair and triple of interesting bytes at every offset 0..139 (the
// first three blocks and both boundaries; inside a 16-, 32- or 64-byte
// vector and straddling each), with filler after it (so it sits in a whole
// block) or none (so it is the very end).
TEST_P(Utf8KernelTest, InterestingBytesAtEveryOffset) {
  Frame frame;
  std::uint32_t n = 0;
  for (std::size_t offset = 0; offset < 140; ++offset) {
    for (std::uint8_t a : kInteresting)
      for (std::uint8_t b : kInteresting) {
        const std::array<std::uint8_t, 2> s2{a, b};
        const bool want2 = valid_and_complete(s2);
        for (Filler style : {Filler::ascii, Filler::multibyte}) {
          check(frame.place(s2, offset, 0, style), want2, s2);
          check(frame.place(s2, offset, 60, style), want2, s2);
        }
        for (std::uint8_t c : kInteresting) {
          if (++n % kStride != 0) continue;
          const std::array<std::uint8_t, 3> s3{a, b, c};
          const bool want3 = valid_and_complete(s3);
          const Filler style = offset % 4 == 1 ? Filler::multibyte : Filler::ascii;
          check(frame.place(s3, offset, offset % 3 == 0 ? 0 : 130 - offset % 64, style), want3, s3);
        }
      }
  }
}

// 4-byte sequences from the leads that start them, at every offset 0..139.
TEST_P(Utf8KernelTest, FourByteSequencesAtEveryOffset) {
  constexpr std::uint8_t kLeads[] = {0xEF, 0xF0, 0xF1, 0xF4, 0xF5};
  constexpr std::uint8_t kTails[] = {0x41, 0x80, 0x8F, 0x90, 0xA0, 0xBF, 0xC2, 0xF0};
  Frame frame;
  for (std::size_t offset = 0; offset < 140; ++offset)
    for (std::uint8_t a : kLeads)
      for (std::uint8_t b : kTails)
        for (std::uint8_t c : kTails)
          for (std::uint8_t d : kTails) {
            const std::array<std::uint8_t, 4> s{a, b, c, d};
            check(frame.place(s, offset, offset % 2 == 0 ? 0 : 67, Filler::ascii),
                  valid_and_complete(s), s);
          }
}

// utf8_test.cpp's 4-byte sets, at rotating offsets as above: every sequence
// led by F0..F4 whose last three bytes are continuations or one of each other
// class, and every lead byte with representative tails.
TEST_P(Utf8KernelTest, FourByteSetsAtRotatingOffsets) {
  std::vector<std::uint8_t> tails;
  for (int b = 0x80; b <= 0xBF; ++b) tails.push_back(static_cast<std::uint8_t>(b));
  for (int b : {0x00, 0x41, 0x7F, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF})
    tails.push_back(static_cast<std::uint8_t>(b));
  Frame frame;
  std::size_t n = 0;
  auto run = [&](const std::array<std::uint8_t, 4>& s) {
    if (n++ % kStride != 0) return;
    const Filler style = n % 4 == 0 ? Filler::multibyte : Filler::ascii;
    check(frame.place(s, (n * 37) % 67, n % 3, style), valid_and_complete(s), s);
  };
  for (int a = 0xF0; a <= 0xF4; ++a)
    for (std::uint8_t b : tails)
      for (std::uint8_t c : tails)
        for (std::uint8_t d : tails) run({static_cast<std::uint8_t>(a), b, c, d});
  const std::array<std::uint8_t, 10> set{0x00, 0x7F, 0x80, 0x8F, 0x90,
                                         0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (int a = 0; a < 256; ++a)
    for (std::uint8_t b : set)
      for (std::uint8_t c : set)
        for (std::uint8_t d : set) run({static_cast<std::uint8_t>(a), b, c, d});
}

TEST_P(Utf8KernelTest, ReadsNothingOutsideItsBytes) {
  GuardedPage page;
  ASSERT_TRUE(page.ok());
  for (std::size_t n = 0; n <= 300; ++n) {
    Bytes text = filler(n, Filler::multibyte);
    for (int variant = 0; variant < 2; ++variant) {
      if (variant == 1 && n > 0) text.back() = 0xE2;  // unfinished at the very end
      const bool want = valid_and_complete(text);
      std::uint8_t* at_end = page.end() - n;
      std::copy(text.begin(), text.end(), at_end);
      check({at_end, n}, want, {});
      std::copy(text.begin(), text.end(), page.begin());
      check({page.begin(), n}, want, {});
    }
  }
}

// ---------------------------------------------------------------------------
// Long texts.

// Random text from pieces likely to sit on interesting boundaries: ASCII runs
// (long ones let a kernel skip blocks), code points of every length, and,
// when `noise`, now and then a byte that is probably wrong.
Bytes random_text(std::mt19937& rng, std::size_t size, bool noise) {
  auto pick = [&rng](std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
  };
  Bytes t;
  while (t.size() < size) {
    switch (pick(0, 9)) {
      case 0: {
        const std::uint32_t run = pick(1, 150);
        for (std::uint32_t i = 0; i < run; ++i)
          t.push_back(static_cast<std::uint8_t>(pick(0, 127)));
        break;
      }
      case 1:
      case 2:
        append_code_point(t, pick(0, 0x7F));
        break;
      case 3:
        append_code_point(t, pick(0x80, 0x7FF));
        break;
      case 4:
      case 5: {
        std::uint32_t cp = pick(0x800, 0xFFFF);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800;
        append_code_point(t, cp);
        break;
      }
      case 6:
        append_code_point(t, pick(0x4E00, 0x9FFF));  // CJK
        break;
      case 7:
        append_code_point(t, pick(0x10000, 0x10FFFF));
        break;
      default:
        if (noise && pick(0, 30) == 0) t.push_back(static_cast<std::uint8_t>(pick(0x80, 0xFF)));
        break;
    }
  }
  return t;
}

// Short texts that break UTF-8 in each way there is (and a few valid edges),
// in the spirit of Markus Kuhn's stress test; utf8_test.cpp has them with
// hand-written verdicts. Here the reference judges them in context.
const std::vector<Bytes>& stress_snippets() {
  static const std::vector<Bytes> snippets = {
      {0xC0, 0xAF},                          // overlong /
      {0xE0, 0x80, 0xAF},                    // overlong /
      {0xF0, 0x80, 0x80, 0xAF},              // overlong /
      {0xC1, 0xBF},                          // largest 2-byte overlong
      {0xE0, 0x9F, 0xBF},                    // largest 3-byte overlong
      {0xF0, 0x8F, 0xBF, 0xBF},              // largest 4-byte overlong
      {0xED, 0xA0, 0x80},                    // U+D800
      {0xED, 0xBF, 0xBF},                    // U+DFFF
      {0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80},  // CESU-8 pair
      {0xF4, 0x90, 0x80, 0x80},              // U+110000
      {0xF5, 0x80, 0x80, 0x80},              // F5
      {0xF8, 0x88, 0x80, 0x80, 0x80},        // 5-byte form
      {0xFE},
      {0xFF},
      {0x80},
      {0xBF, 0x80},
      {0xC2},              // truncated
      {0xE1, 0x80},        // truncated
      {0xF1, 0x80, 0x80},  // truncated
      {0xC2, 0x80, 0x80},  // one continuation too many
      {0xF0, 0x90, 0x80, 0x80, 0xBF},
      {0xED, 0x9F, 0xBF},        // U+D7FF, valid
      {0xEE, 0x80, 0x80},        // U+E000, valid
      {0xF4, 0x8F, 0xBF, 0xBF},  // U+10FFFF, valid
      {0xEF, 0xBF, 0xBE},        // U+FFFE, valid
  };
  return snippets;
}

// A long valid text; then each prefix of it, each byte replaced by bytes that
// are wrong in many places, and each stress snippet inserted at each code
// point boundary.
TEST_P(Utf8KernelTest, DamageAtEveryPositionOfALongText) {
  std::mt19937 rng(99);
  const Bytes text = random_text(rng, 700, false);
  ASSERT_TRUE(valid_and_complete(text));
  check(text, true, {});
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const std::span<const std::uint8_t> prefix(text.data(), i);
    check(prefix, valid_and_complete(prefix), prefix.last(std::min<std::size_t>(i, 4)));
  }
  Bytes damaged;
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (std::uint8_t b : {0x00, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF}) {
      damaged = text;
      damaged[i] = b;
      const std::array<std::uint8_t, 1> what{b};
      check(damaged, valid_and_complete(damaged), what);
    }
  }
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && (text[i] & 0xC0) == 0x80) continue;  // not a boundary
    for (const Bytes& snippet : stress_snippets()) {
      damaged.assign(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i));
      damaged.insert(damaged.end(), snippet.begin(), snippet.end());
      damaged.insert(damaged.end(), text.begin() + static_cast<std::ptrdiff_t>(i), text.end());
      check(damaged, valid_and_complete(snippet), snippet);
    }
  }
}

TEST_P(Utf8KernelTest, LargeRandomTexts) {
  std::mt19937 rng(GetParam().size());
  for (int round = 0; round < 40; ++round) {
    const Bytes text = random_text(rng, 1 + rng() % 70000, round % 2 == 1);
    check(text, valid_and_complete(text), {});
  }
}

// ---------------------------------------------------------------------------
// Utf8Validator with this kernel: chunks at random boundaries.

// Feeds `text` in chunks cut at `cuts` (ascending; equal cuts make an empty
// chunk) and checks every answer: a feed succeeds exactly when the first
// invalid byte (per the reference) is not among the bytes fed so far; at the
// end, complete() is the reference's.
::testing::AssertionResult feeds_agree(const core::Utf8Kernel& kernel, const Bytes& text,
                                       std::vector<std::size_t> cuts) {
  const ref::Verdict want = ref::check(text);
  cuts.push_back(text.size());
  core::Utf8Validator v;
  std::size_t fed = 0;
  for (std::size_t cut : cuts) {
    const bool ok = v.feed(std::span(text).subspan(fed, cut - fed), kernel);
    fed = cut;
    const bool want_ok = want.first_invalid == npos || want.first_invalid >= fed;
    if (ok != want_ok)
      return ::testing::AssertionFailure()
             << "feed up to byte " << fed << " returned " << ok << "; the first invalid byte is "
             << want.first_invalid << " of " << text.size();
  }
  if (v.complete() != want.complete)
    return ::testing::AssertionFailure() << "complete() is " << v.complete();
  return ::testing::AssertionSuccess();
}

TEST_P(Utf8KernelTest, ValidatorRandomChunksOfRandomTexts) {
  std::mt19937 rng(GetParam().size() * 31);
  for (int round = 0; round < 600; ++round) {
    const Bytes text = random_text(rng, rng() % 3000, round % 3 == 0);
    // Chunks of a few bytes (byte by byte, nearly), around a block, and of
    // many blocks, mixed.
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0;;) {
      const std::uint32_t kind = rng() % 3;
      at += kind == 0 ? rng() % 5 : kind == 1 ? 5 + rng() % 70 : 70 + rng() % 900;
      if (at >= text.size()) break;
      cuts.push_back(at);
    }
    ASSERT_TRUE(feeds_agree(*kernel_, text, cuts)) << "round " << round;
  }
}

// Each stress snippet in the middle of 70 bytes of filler either side, fed
// in two chunks split at every position, and in three with the second cut
// anywhere around the snippet.
TEST_P(Utf8KernelTest, ValidatorEverySplitAroundStressSnippets) {
  Frame frame;
  for (Filler style : {Filler::ascii, Filler::multibyte})
    for (const Bytes& snippet : stress_snippets()) {
      const auto placed = frame.place(snippet, 70, 70, style);
      const Bytes text(placed.begin(), placed.end());
      for (std::size_t a = 0; a <= text.size(); ++a) {
        ASSERT_TRUE(feeds_agree(*kernel_, text, {a})) << "split at " << a << " of " << hex(text);
        for (std::size_t b = std::max<std::size_t>(a, 66); b <= 70 + snippet.size() + 4; ++b)
          ASSERT_TRUE(feeds_agree(*kernel_, text, {a, b}))
              << "split at " << a << ", " << b << " of " << hex(text);
      }
    }
}

TEST_P(Utf8KernelTest, ValidatorFailureIsStickyAndResetClearsIt) {
  core::Utf8Validator v;
  const Bytes good = filler(100, Filler::multibyte);
  Bytes broken = good;
  broken[50] = 0xFF;
  EXPECT_TRUE(v.feed(good, *kernel_));
  EXPECT_FALSE(v.feed(broken, *kernel_));
  EXPECT_FALSE(v.feed(good, *kernel_));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed(good, *kernel_));
  EXPECT_TRUE(v.complete());
}

INSTANTIATE_TEST_SUITE_P(Kernels, Utf8KernelTest,
                         ::testing::Values("scalar", "ssse3", "avx2", "avx512"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
