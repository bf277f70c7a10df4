// tests/core/utf8_test.cpp: core::Utf8Validator against the reference decoder
// (utf8_reference.hpp) and against hand-written expectations.
//
// "Fail index" below means the index of the first byte at which feed() must
// return false when the text is fed one byte at a time (npos: never).
#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tests/core/utf8_reference.hpp"

namespace {

namespace ref = core::utf8_reference;
using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t npos = ref::npos;

struct Observed {
  std::size_t first_invalid = npos;
  bool complete = true;
  bool operator==(const Observed&) const = default;
};

void PrintTo(const Observed& o, std::ostream* os) {
  *os << "{fails at ";
  if (o.first_invalid == core::utf8_reference::npos)
    *os << "never";
  else
    *os << o.first_invalid;
  *os << ", complete=" << o.complete << "}";
}

// Feeds one byte at a time: where does the validator first say no?
Observed feed_bytewise(std::span<const std::uint8_t> text) {
  core::Utf8Validator v;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!v.feed(text.subspan(i, 1))) return {i, v.complete()};
  }
  return {npos, v.complete()};
}

Observed expected_from_reference(std::span<const std::uint8_t> text) {
  const ref::Verdict r = ref::check(text);
  return {r.first_invalid, r.complete};
}

// Everything the validator can be asked about one short text, without gtest
// macros so that the exhaustive loops stay fast.
bool agrees_with_reference(std::span<const std::uint8_t> text) {
  const Observed want = expected_from_reference(text);
  if (feed_bytewise(text) != want) return false;
  core::Utf8Validator whole;
  const bool ok = whole.feed(text);
  if (ok != (want.first_invalid == npos) || whole.complete() != want.complete) return false;
  // is_valid_utf8 on fewer than 16 bytes is the scalar kernel, which
  // utf8_kernels_test.cpp therefore leaves to the exhaustive tests here.
  return core::is_valid_utf8(text) == want.complete;
}

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

// Runs agrees_with_reference over a family of texts, reporting at most a few.
class MismatchReport {
 public:
  void check(std::span<const std::uint8_t> text) {
    ++checked_;
    if (agrees_with_reference(text)) return;
    if (++mismatches_ <= 5) {
      const Observed got = feed_bytewise(text);
      const Observed want = expected_from_reference(text);
      ADD_FAILURE() << "bytes " << hex(text) << ": validator fails at " << got.first_invalid
                    << " complete=" << got.complete << ", reference fails at " << want.first_invalid
                    << " complete=" << want.complete;
    }
  }
  ~MismatchReport() { EXPECT_EQ(mismatches_, 0u) << "out of " << checked_ << " texts"; }

 private:
  std::size_t checked_ = 0;
  std::size_t mismatches_ = 0;
};

// ---------------------------------------------------------------------------
// Exhaustive comparisons with the reference.

TEST(Utf8Validator, EmptyTextIsValidAndComplete) {
  core::Utf8Validator v;
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed({}));
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(core::is_valid_utf8({}));
}

TEST(Utf8Validator, EveryOneByteSequence) {
  MismatchReport report;
  for (int a = 0; a < 256; ++a) {
    const std::array<std::uint8_t, 1> t{static_cast<std::uint8_t>(a)};
    report.check(t);
  }
}

TEST(Utf8Validator, EveryTwoByteSequence) {
  MismatchReport report;
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const std::array<std::uint8_t, 2> t{static_cast<std::uint8_t>(a),
                                          static_cast<std::uint8_t>(b)};
      report.check(t);
    }
}

// Under the sanitizers this loop takes every 7th sequence: those builds run
// many times slower, and are there to catch memory errors, which depend on
// lengths, not on byte values.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kStride = 7;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kStride = 7;
#else
constexpr int kStride = 1;
#endif
#else
constexpr int kStride = 1;
#endif

TEST(Utf8Validator, EveryThreeByteSequence) {
  MismatchReport report;
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b)
      for (int c = (a + b) % kStride; c < 256; c += kStride) {
        const std::array<std::uint8_t, 3> t{static_cast<std::uint8_t>(a),
                                            static_cast<std::uint8_t>(b),
                                            static_cast<std::uint8_t>(c)};
        report.check(t);
      }
}

// Every 4-byte sequence led by F0..F4 whose last three bytes are continuation
// bytes or one byte of each other class: 5 x 76^3 texts. Every continuation
// byte is there, so every 4-byte code point is.
TEST(Utf8Validator, EveryFourByteSequenceFromF0ToF4) {
  std::vector<std::uint8_t> tail_bytes;
  for (int b = 0x80; b <= 0xBF; ++b) tail_bytes.push_back(static_cast<std::uint8_t>(b));
  for (int b : {0x00, 0x41, 0x7F, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF})
    tail_bytes.push_back(static_cast<std::uint8_t>(b));
  MismatchReport report;
  for (int a = 0xF0; a <= 0xF4; ++a)
    for (std::uint8_t b : tail_bytes)
      for (std::uint8_t c : tail_bytes)
        for (std::uint8_t d : tail_bytes) {
          const std::array<std::uint8_t, 4> t{static_cast<std::uint8_t>(a), b, c, d};
          report.check(t);
        }
}

// Every lead byte at all, with the brief's representative set behind it.
TEST(Utf8Validator, EveryFirstByteWithRepresentativeTails) {
  const std::array<std::uint8_t, 10> set{0x00, 0x7F, 0x80, 0x8F, 0x90,
                                         0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  MismatchReport report;
  for (int a = 0; a < 256; ++a)
    for (std::uint8_t b : set)
      for (std::uint8_t c : set)
        for (std::uint8_t d : set) {
          const std::array<std::uint8_t, 4> t{static_cast<std::uint8_t>(a), b, c, d};
          report.check(t);
        }
}

// ---------------------------------------------------------------------------
// Named classes, with the fail index written out by hand.

struct Case {
  const char* name;
  Bytes bytes;
  std::size_t first_invalid;  // npos: a valid prefix
  bool complete;
};

Case valid(const char* name, Bytes b) { return {name, std::move(b), npos, true}; }
Case unfinished(const char* name, Bytes b) { return {name, std::move(b), npos, false}; }
Case fails_at(const char* name, std::size_t at, Bytes b) { return {name, std::move(b), at, false}; }

// In the spirit of Markus Kuhn's UTF-8 decoder stress test; our own strings.
std::vector<Case> stress_cases() {
  return {
      // Correct text.
      valid("greek kosme", {0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5}),
      valid("mixed latin-1", {'H', 'i', '-', 0xC2, 0xB5, '@', 0xC3, 0x9F, 0xC3, 0xB6, '!'}),
      valid("emoji", {0xF0, 0x9F, 0x98, 0x80}),
      // First code point of each length.
      valid("U+0000", {0x00}),
      valid("U+0080", {0xC2, 0x80}),
      valid("U+0800", {0xE0, 0xA0, 0x80}),
      valid("U+10000", {0xF0, 0x90, 0x80, 0x80}),
      // Last code point of each length.
      valid("U+007F", {0x7F}),
      valid("U+07FF", {0xDF, 0xBF}),
      valid("U+FFFF", {0xEF, 0xBF, 0xBF}),
      valid("U+10FFFF", {0xF4, 0x8F, 0xBF, 0xBF}),
      // Other boundaries.
      valid("U+D7FF", {0xED, 0x9F, 0xBF}),
      valid("U+E000", {0xEE, 0x80, 0x80}),
      valid("U+FFFD", {0xEF, 0xBF, 0xBD}),
      valid("U+FFFE noncharacter", {0xEF, 0xBF, 0xBE}),
      valid("U+FDD0 noncharacter", {0xEF, 0xB7, 0x90}),
      valid("U+10FFFE noncharacter", {0xF4, 0x8F, 0xBF, 0xBE}),
      // Beyond U+10FFFF, and the old 5- and 6-byte forms.
      fails_at("U+110000", 1, {0xF4, 0x90, 0x80, 0x80}),
      fails_at("U+13FFFF", 1, {0xF4, 0xBF, 0xBF, 0xBF}),
      fails_at("U+140000 (F5)", 0, {0xF5, 0x80, 0x80, 0x80}),
      fails_at("U+1FFFFF (F7)", 0, {0xF7, 0xBF, 0xBF, 0xBF}),
      fails_at("5-byte U+200000", 0, {0xF8, 0x88, 0x80, 0x80, 0x80}),
      fails_at("6-byte U+4000000", 0, {0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}),
      fails_at("6-byte U+7FFFFFFF", 0, {0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF}),
      // Unexpected continuation bytes.
      fails_at("lone 80", 0, {0x80}),
      fails_at("lone BF", 0, {0xBF}),
      fails_at("80 BF", 0, {0x80, 0xBF}),
      fails_at("after ascii", 3, {'a', 'b', 'c', 0x80}),
      fails_at("one too many", 2, {0xC2, 0x80, 0x80}),
      fails_at("one too many after 4-byte", 4, {0xF0, 0x90, 0x80, 0x80, 0xBF}),
      // Lonely lead bytes followed by a space.
      fails_at("C2 space", 1, {0xC2, ' '}),
      fails_at("E1 space", 1, {0xE1, ' '}),
      fails_at("E1 80 space", 2, {0xE1, 0x80, ' '}),
      fails_at("F1 space", 1, {0xF1, ' '}),
      fails_at("F1 80 80 space", 3, {0xF1, 0x80, 0x80, ' '}),
      fails_at("C0 space", 0, {0xC0, ' '}),
      // Truncated sequences: valid so far, not complete.
      unfinished("C2", {0xC2}),
      unfinished("E0 A0", {0xE0, 0xA0}),
      unfinished("ED", {0xED}),
      unfinished("ED 9F", {0xED, 0x9F}),
      unfinished("F0 90 80", {0xF0, 0x90, 0x80}),
      unfinished("F4 8F BF", {0xF4, 0x8F, 0xBF}),
      unfinished("text then E2 82", {'p', 'r', 'i', 'c', 'e', ' ', 0xE2, 0x82}),
      // Truncated sequences back to back: the next lead byte is the error.
      fails_at("C2 then E0 A0", 1, {0xC2, 0xE0, 0xA0}),
      fails_at("E0 A0 then F0 90 80", 2, {0xE0, 0xA0, 0xF0, 0x90, 0x80}),
      fails_at("F0 90 80 then ascii", 3, {0xF0, 0x90, 0x80, 'x'}),
      // Impossible bytes.
      fails_at("FE", 0, {0xFE}),
      fails_at("FF", 0, {0xFF}),
      fails_at("FE FE FF FF", 0, {0xFE, 0xFE, 0xFF, 0xFF}),
      // Overlong slash.
      fails_at("overlong / 2", 0, {0xC0, 0xAF}),
      fails_at("overlong / 3", 1, {0xE0, 0x80, 0xAF}),
      fails_at("overlong / 4", 1, {0xF0, 0x80, 0x80, 0xAF}),
      fails_at("overlong / 5", 0, {0xF8, 0x80, 0x80, 0x80, 0xAF}),
      // Largest overlongs.
      fails_at("overlong U+007F", 0, {0xC1, 0xBF}),
      fails_at("overlong U+07FF", 1, {0xE0, 0x9F, 0xBF}),
      fails_at("overlong U+FFFF", 1, {0xF0, 0x8F, 0xBF, 0xBF}),
      // Overlong NUL.
      fails_at("overlong NUL 2", 0, {0xC0, 0x80}),
      fails_at("overlong NUL 3", 1, {0xE0, 0x80, 0x80}),
      fails_at("overlong NUL 4", 1, {0xF0, 0x80, 0x80, 0x80}),
      // Single surrogates.
      fails_at("U+D800", 1, {0xED, 0xA0, 0x80}),
      fails_at("U+DB7F", 1, {0xED, 0xAD, 0xBF}),
      fails_at("U+DB80", 1, {0xED, 0xAE, 0x80}),
      fails_at("U+DBFF", 1, {0xED, 0xAF, 0xBF}),
      fails_at("U+DC00", 1, {0xED, 0xB0, 0x80}),
      fails_at("U+DF80", 1, {0xED, 0xBE, 0x80}),
      fails_at("U+DFFF", 1, {0xED, 0xBF, 0xBF}),
      // Surrogate pairs written as CESU-8.
      fails_at("U+D800 U+DC00", 1, {0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}),
      fails_at("U+DBFF U+DFFF", 1, {0xED, 0xAF, 0xBF, 0xED, 0xBF, 0xBF}),
      fails_at("valid then U+DFFF", 5, {'o', 'k', 0xC2, 0xA9, 0xED, 0xBF, 0xBF}),
  };
}

TEST(Utf8Validator, StressCasesMatchHandExpectations) {
  for (const Case& c : stress_cases()) {
    SCOPED_TRACE(c.name);
    const Observed want{c.first_invalid, c.complete};
    EXPECT_EQ(feed_bytewise(c.bytes), want) << hex(c.bytes);
    // The reference must agree too, or it is not a reference.
    EXPECT_EQ(expected_from_reference(c.bytes), want) << hex(c.bytes);
    core::Utf8Validator whole;
    EXPECT_EQ(whole.feed(c.bytes), c.first_invalid == npos);
    EXPECT_EQ(whole.complete(), c.complete);
    EXPECT_EQ(core::is_valid_utf8(c.bytes), c.complete);
  }
}

// Every continuation byte alone, and every lead byte followed by a space.
TEST(Utf8Validator, LonelyBytes) {
  for (int b = 0x80; b <= 0xBF; ++b) {
    const std::array<std::uint8_t, 1> t{static_cast<std::uint8_t>(b)};
    EXPECT_EQ(feed_bytewise(t).first_invalid, 0u) << hex(t);
  }
  for (int b = 0xC2; b <= 0xF4; ++b) {
    const std::array<std::uint8_t, 2> t{static_cast<std::uint8_t>(b), ' '};
    EXPECT_EQ(feed_bytewise(t).first_invalid, 1u) << hex(t);
  }
  for (int b : {0xC0, 0xC1, 0xF5, 0xF6, 0xF7, 0xF8, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF}) {
    const std::array<std::uint8_t, 2> t{static_cast<std::uint8_t>(b), ' '};
    EXPECT_EQ(feed_bytewise(t).first_invalid, 0u) << hex(t);
  }
}

// The second byte that makes each restricted lead byte hopeless, at both edges.
TEST(Utf8Validator, RestrictedSecondBytes) {
  struct Edge {
    std::uint8_t lead, last_bad_low, first_good, last_good, first_bad_high;
  };
  const Edge edges[] = {
      {0xE0, 0x9F, 0xA0, 0xBF, 0xC0},  // below A0: overlong
      {0xED, 0x7F, 0x80, 0x9F, 0xA0},  // from A0: surrogate
      {0xF0, 0x8F, 0x90, 0xBF, 0xC0},  // below 90: overlong
      {0xF4, 0x7F, 0x80, 0x8F, 0x90},  // from 90: above U+10FFFF
  };
  for (const Edge& e : edges) {
    for (std::uint8_t second : {e.last_bad_low, e.first_bad_high}) {
      const std::array<std::uint8_t, 2> t{e.lead, second};
      EXPECT_EQ(feed_bytewise(t), (Observed{1, false})) << hex(t);
    }
    for (std::uint8_t second : {e.first_good, e.last_good}) {
      const std::array<std::uint8_t, 2> t{e.lead, second};
      EXPECT_EQ(feed_bytewise(t), (Observed{npos, false})) << hex(t);
    }
  }
}

// ---------------------------------------------------------------------------
// Longer texts: the ASCII fast path, chunking, stickiness.

// Builds random texts from pieces likely to sit on interesting boundaries:
// ASCII runs long enough for the 8-byte path, valid code points of every
// length, lone continuation bytes, and now and then any byte at all.
class TextGenerator {
 public:
  explicit TextGenerator(std::uint32_t seed) : rng_(seed) {}

  Bytes next(std::size_t pieces) {
    Bytes t;
    for (std::size_t i = 0; i < pieces; ++i) append_piece(t);
    return t;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  void append_piece(Bytes& t) {
    switch (pick(0, 9)) {
      case 0:
      case 1:
      case 2: {  // an ASCII run
        const int n = pick(1, 24);
        for (int i = 0; i < n; ++i) t.push_back(static_cast<std::uint8_t>(pick(0x00, 0x7F)));
        break;
      }
      case 3:
        core::utf8_reference::append_code_point(t, static_cast<std::uint32_t>(pick(0x80, 0x7FF)));
        break;
      case 4: {
        std::uint32_t cp = static_cast<std::uint32_t>(pick(0x800, 0xFFFF));
        if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800;  // keep it valid
        core::utf8_reference::append_code_point(t, cp);
        break;
      }
      case 5:
      case 6:
        core::utf8_reference::append_code_point(
            t, static_cast<std::uint32_t>(pick(0x10000, 0x10FFFF)));
        break;
      case 7:
        t.push_back(static_cast<std::uint8_t>(pick(0x80, 0xBF)));
        break;
      default:
        // Rare noise, so that most texts stay valid long enough to be interesting.
        if (pick(0, 9) == 0) t.push_back(static_cast<std::uint8_t>(pick(0x00, 0xFF)));
        break;
    }
  }

  std::mt19937 rng_;
};

// Feeding the first k bytes as ONE chunk (so the 8-byte path is used) must
// succeed exactly for k <= fail index.
void expect_prefixes_fail_exactly_at(const Bytes& t, std::size_t fail_index) {
  for (std::size_t k = 0; k <= t.size(); ++k) {
    core::Utf8Validator v;
    const bool ok = v.feed(std::span(t).first(k));
    ASSERT_EQ(ok, fail_index == npos || k <= fail_index) << "prefix " << k << " of " << hex(t);
  }
}

TEST(Utf8Validator, FailFastIndexAfterAsciiRunsOfEveryLength) {
  const Bytes bad_tails[] = {{0x80},       {0xC0, 0x80}, {0xE0, 0x80}, {0xED, 0xA0, 0x80},
                             {0xF4, 0x90}, {0xF5},       {0xC2, 'x'},  {0xF0, 0x90, 0x80, 0x7F}};
  for (std::size_t run = 0; run <= 40; ++run) {
    for (const Bytes& tail : bad_tails) {
      Bytes t(run, 'a');
      t.insert(t.end(), tail.begin(), tail.end());
      t.insert(t.end(), 20, 'z');  // trailing ASCII the fast path must not skip to
      const std::size_t want = ref::check(t).first_invalid;
      ASSERT_NE(want, npos);
      EXPECT_EQ(feed_bytewise(t).first_invalid, want) << hex(t);
      expect_prefixes_fail_exactly_at(t, want);
    }
  }
}

TEST(Utf8Validator, RandomTextsAgreeWithReference) {
  TextGenerator gen(20240601);
  MismatchReport report;
  for (int i = 0; i < 20000; ++i) {
    const Bytes t = gen.next(static_cast<std::size_t>(1 + i % 30));
    report.check(t);
    if (i % 50 == 0) expect_prefixes_fail_exactly_at(t, ref::check(t).first_invalid);
  }
}

// Two chunks at every split point, and three at every pair of split points,
// give the same answer as the whole buffer.
void expect_chunking_irrelevant(const Bytes& t) {
  core::Utf8Validator whole_v;
  const bool whole_ok = whole_v.feed(t);
  const bool whole_complete = whole_v.complete();
  const std::span<const std::uint8_t> s(t);
  for (std::size_t a = 0; a <= t.size(); ++a) {
    for (std::size_t b = a; b <= t.size(); ++b) {
      core::Utf8Validator v;
      const bool first = v.feed(s.subspan(0, a));
      const bool second = v.feed(s.subspan(a, b - a));
      const bool third = v.feed(s.subspan(b));
      ASSERT_EQ(third, whole_ok) << "split " << a << "," << b << " of " << hex(t);
      ASSERT_EQ(v.complete(), whole_complete) << "split " << a << "," << b << " of " << hex(t);
      // Once false, false stays.
      ASSERT_TRUE(first || !second);
      ASSERT_TRUE(second || !third);
    }
  }
}

TEST(Utf8Validator, ChunkingAtEverySplitPointOfStressCases) {
  for (const Case& c : stress_cases()) {
    SCOPED_TRACE(c.name);
    Bytes padded(17, 'a');  // reach the 8-byte path before and after
    padded.insert(padded.end(), c.bytes.begin(), c.bytes.end());
    padded.insert(padded.end(), 9, 'b');
    expect_chunking_irrelevant(c.bytes);
    expect_chunking_irrelevant(padded);
  }
}

TEST(Utf8Validator, ChunkingAtEverySplitPointOfRandomTexts) {
  TextGenerator gen(7);
  for (int i = 0; i < 300; ++i)
    expect_chunking_irrelevant(gen.next(static_cast<std::size_t>(1 + i % 12)));
}

TEST(Utf8Validator, FailureIsStickyUntilReset) {
  core::Utf8Validator v;
  const std::array<std::uint8_t, 1> bad{0xFF};
  const std::array<std::uint8_t, 3> good{'o', 'k', '!'};
  const Bytes long_good(64, 'a');
  EXPECT_FALSE(v.feed(bad));
  EXPECT_FALSE(v.feed(good));
  EXPECT_FALSE(v.feed(long_good));
  EXPECT_FALSE(v.feed({}));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed(good));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, ResetDropsAnUnfinishedSequence) {
  core::Utf8Validator v;
  const std::array<std::uint8_t, 2> e2_82{0xE2, 0x82};
  const std::array<std::uint8_t, 1> ascii{'x'};
  EXPECT_TRUE(v.feed(e2_82));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed(ascii));  // without the reset, 'x' would break the sequence
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, LongValidTextAcrossManyChunks) {
  // "€" repeated with ASCII between, fed in chunks of 1..13 bytes.
  Bytes t;
  for (int i = 0; i < 500; ++i) {
    t.insert(t.end(), {0xE2, 0x82, 0xAC});
    t.insert(t.end(), static_cast<std::size_t>(i % 11), 'a');
  }
  for (std::size_t step = 1; step <= 13; ++step) {
    core::Utf8Validator v;
    for (std::size_t i = 0; i < t.size(); i += step)
      ASSERT_TRUE(v.feed(std::span(t).subspan(i, std::min(step, t.size() - i))));
    EXPECT_TRUE(v.complete());
  }
  EXPECT_TRUE(core::is_valid_utf8(t));
}

}  // namespace
