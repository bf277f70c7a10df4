// tests/conformance/utf8_test.cpp: RFC 6455 8.1: text messages must be valid
// UTF-8 (RFC 3629); "When an endpoint is to interpret a byte stream as UTF-8
// but finds that the byte stream is not, in fact, a valid UTF-8 stream, that
// endpoint MUST _Fail the WebSocket Connection_" (close code 1007, 7.4.1). This
// server fails fast: as soon as the bytes received so far cannot begin valid
// UTF-8, even in a non-final fragment or a frame whose rest has not arrived.
// Autobahn category 6 (with Markus Kuhn's UTF-8 decoder capability and stress
// test).
#include "tests/support/utf8.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

std::string cps(std::initializer_list<std::uint32_t> code_points) {
  std::string out;
  for (auto cp : code_points) out += utf8_encode(cp);
  return out;
}

// ---------------------------------------------------------------------------
// Valid UTF-8 must pass, however it is cut.

struct ValidCase {
  const char* name;
  std::string text;
};

void PrintTo(const ValidCase& c, std::ostream* os) {
  *os << c.name << " [" << hex_preview(c.text) << "]";
}

std::vector<ValidCase> valid_cases() {
  const std::string kosme = cps({0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5});  // κόσμε
  std::string boundaries;
  for (std::uint32_t cp : {0x0u,     0x7Fu,    0x80u,    0x7FFu,   0x800u,    0xFFFu,   0x1000u,
                           0xCFFFu,  0xD000u,  0xD7FFu,  0xE000u,  0xFFFDu,   0xFFFEu,  0xFFFFu,
                           0x10000u, 0x3FFFFu, 0x40000u, 0xFFFFFu, 0x100000u, 0x10FFFFu}) {
    boundaries += utf8_encode(cp);
  }
  std::string noncharacters;  // Kuhn 5.3 / Autobahn 6.22: all 66 are valid UTF-8
  for (std::uint32_t cp = 0xFDD0; cp <= 0xFDEF; ++cp) noncharacters += utf8_encode(cp);
  for (std::uint32_t plane = 0; plane <= 0x10; ++plane) {
    noncharacters += utf8_encode(plane << 16 | 0xFFFE) + utf8_encode(plane << 16 | 0xFFFF);
  }
  return {
      {"ascii", "Hello, world!"},
      {"nul", std::string("a\0b", 3)},
      {"kosme", kosme},
      {"kosme_repeated", kosme + kosme + kosme},
      {"U_0000", utf8_encode(0x0)},
      {"U_007F", utf8_encode(0x7F)},
      {"U_0080", utf8_encode(0x80)},
      {"U_07FF", utf8_encode(0x7FF)},
      {"U_0800", utf8_encode(0x800)},
      {"U_D7FF", utf8_encode(0xD7FF)},
      {"U_E000", utf8_encode(0xE000)},
      {"U_FFFD", utf8_encode(0xFFFD)},
      {"U_FFFE", utf8_encode(0xFFFE)},
      {"U_FFFF", utf8_encode(0xFFFF)},
      {"U_10000", utf8_encode(0x10000)},
      {"U_10FFFF", utf8_encode(0x10FFFF)},
      {"noncharacters", cps({0xFDD0, 0xFDEF, 0x1FFFE, 0x1FFFF, 0x10FFFE})},
      {"all_boundaries", boundaries},
      {"boundaries_between_ascii", "x" + cps({0x7FF}) + "x" + cps({0x800}) + "x" + cps({0xD7FF}) +
                                       "x" + cps({0xE000}) + "x" + cps({0xFFFF}) + "x" +
                                       cps({0x10000}) + "x" + cps({0x10FFFF}) + "x"},
      {"greek", "\xce\x93\xce\xb1\xce\xb6\xce\xad\xce\xb5\xcf\x82 \xce\xba\xce\xb1\xe1\xbd\xb6"},
      {"russian", "\xd0\xa1\xd1\x8a\xd0\xb5\xd1\x88\xd1\x8c \xd0\xb6\xd0\xb5"},
      {"japanese",
       "\xe3\x81\x84\xe3\x82\x8d\xe3\x81\xaf\xe3\x81\xab\xe3\x81\xbb\xe3\x81\xb8\xe3\x81\xa8"},
      {"emoji", cps({0x1F600, 0x1F44D, 0x1F3FD, 0x200D, 0x2764, 0xFE0F, 0x1F468, 0x200D, 0x1F469})},
      {"four_byte_run", cps({0x10000, 0x10001, 0x1F600, 0x2A6D6, 0x10FFFF, 0x10FFFD})},
      {"all_noncharacters", noncharacters},
      {"mixed_300", utf8_text_payload(300)},
  };
}

using Rfc6455_8_1_ValidUtf8 = ServerSuiteWithParam<ValidCase>;

TEST_P(Rfc6455_8_1_ValidUtf8, OneFrame) {
  const std::string& text = GetParam().text;
  ASSERT_TRUE(utf8_valid(text)) << "bad test data";
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, text));
}

TEST_P(Rfc6455_8_1_ValidUtf8, TwoFragmentsCutAtEveryByte) {
  const std::string& text = GetParam().text;
  WSTEST_OPEN(client);
  std::string bytes;
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    bytes += frame_bytes(kText, text.substr(0, cut), false) +
             frame_bytes(kContinuation, text.substr(cut));
  }
  ASSERT_TRUE(client.send_raw(bytes));
  for (std::size_t cut = 0; cut <= text.size(); ++cut)
    ASSERT_TRUE(client.expect_text(text)) << "cut at " << cut;
}

TEST_P(Rfc6455_8_1_ValidUtf8, OneByteFragments) {
  const std::string& text = GetParam().text;
  WSTEST_OPEN(client);
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bytes += frame_bytes(i == 0 ? kText : kContinuation, text.substr(i, 1), i + 1 == text.size());
  }
  if (text.empty()) bytes = frame_bytes(kText, "");
  ASSERT_TRUE(client.send_raw(bytes));
  ASSERT_TRUE(client.expect_text(text));
}

TEST_P(Rfc6455_8_1_ValidUtf8, ThreeFragmentsCutAtEveryBytePair) {
  const std::string& text = GetParam().text;
  // Quadratic: long strings are cut at a stride (still crossing every kind
  // of sequence many times).
  const std::size_t stride = text.size() / 40 + 1;
  WSTEST_OPEN(client);
  std::string bytes;
  std::size_t messages = 0;
  for (std::size_t a = 1; a < text.size(); a += stride) {
    for (std::size_t b = a + 1; b < text.size(); b += stride) {
      bytes += frame_bytes(kText, text.substr(0, a), false) +
               frame_bytes(kContinuation, text.substr(a, b - a), false) +
               frame_bytes(kContinuation, text.substr(b));
      ++messages;
    }
  }
  ASSERT_TRUE(client.send_raw(bytes));
  for (std::size_t i = 0; i < messages; ++i)
    ASSERT_TRUE(client.expect_text(text)) << "message " << i;
}

TEST_P(Rfc6455_8_1_ValidUtf8, TcpWritesCutAtEveryPayloadByte) {
  const std::string& text = GetParam().text;
  WSTEST_OPEN(client);
  const std::size_t header = text.size() <= 125 ? 6 : 8;
  const std::string bytes = frame_bytes(kText, text);
  for (std::size_t cut = header; cut < bytes.size(); ++cut) {
    ASSERT_TRUE(client.send_split(bytes, {cut}, 500us));
    ASSERT_TRUE(client.expect_text(text)) << "TCP cut at byte " << cut << " of the frame";
  }
}

INSTANTIATE_TEST_SUITE_P(Strings, Rfc6455_8_1_ValidUtf8, ::testing::ValuesIn(valid_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// Invalid UTF-8 at every position of a valid text, in every delivery shape.

struct Corruption {
  const char* kind;
  std::string bytes;
};

// Inserted at a code point boundary, each makes the text invalid.
const std::vector<Corruption>& insertions() {
  static const std::vector<Corruption> list = {
      {"continuation_80", "\x80"},
      {"continuation_bf", "\xbf"},
      {"continuation_run", "\x80\x81\x82"},
      {"lead_c0", "\xc0\xaf"},
      {"lead_c1", "\xc1\xbf"},
      {"lead_f5", "\xf5\x80\x80\x80"},
      {"lead_f8", "\xf8\x88\x80\x80\x80"},
      {"lead_fc", "\xfc\x84\x80\x80\x80\x80"},
      {"lead_fe", "\xfe"},
      {"lead_ff", "\xff"},
      {"truncated_2", "\xc3"},
      {"truncated_3", "\xe2\x82"},
      {"truncated_4", "\xf0\x9f\x98"},
      {"overlong_3_e0_80_80", "\xe0\x80\x80"},
      {"overlong_3_e0_9f_bf", "\xe0\x9f\xbf"},
      {"overlong_4_f0_80_80_80", "\xf0\x80\x80\x80"},
      {"overlong_4_f0_8f_bf_bf", "\xf0\x8f\xbf\xbf"},
      {"surrogate_d800", "\xed\xa0\x80"},
      {"surrogate_dbff", "\xed\xaf\xbf"},
      {"surrogate_dc00", "\xed\xb0\x80"},
      {"surrogate_dfff", "\xed\xbf\xbf"},
      {"surrogate_pair", "\xed\xa0\x80\xed\xb0\x80"},
      {"above_10ffff_f4_90", "\xf4\x90\x80\x80"},
      {"above_10ffff_f7", "\xf7\xbf\xbf\xbf"},
  };
  return list;
}

// Bytes put in place of one byte of the text (at any byte, also inside a
// multi-byte sequence). Only the results that are invalid are used.
const std::vector<Corruption>& replacements() {
  static const std::vector<Corruption> list = {
      {"ff", "\xff"}, {"80", "\x80"}, {"c0", "\xc0"},
      {"ascii", "A"}, {"e0", "\xe0"}, {"f4", "\xf4"},
  };
  return list;
}

// ASCII, 2-, 3- and 4-byte sequences.
const std::string& base_text() {
  static const std::string text = "ab" + cps({0x3BA}) + cps({0x20AC}) + cps({0x1F600}) + "z";
  return text;
}

enum class Delivery {
  kOneFrame,              // the whole invalid text, FIN = 1
  kThreeFragments,        // before / corruption / after
  kOneByteFragments,      // every byte its own frame
  kTcpCutInCorruption,    // one frame, TCP write cut inside the bad bytes
  kFailFastFragment,      // FIN = 0 frame ending at the first invalid byte; nothing more sent
  kFailFastPartialFrame,  // frame announces all, only the bytes up to the first invalid one sent
  kFailFastNextFragment,  // valid prefix in one FIN = 0 fragment, the offending byte alone in the
                          // next
};

const char* delivery_name(Delivery d) {
  switch (d) {
    case Delivery::kOneFrame:
      return "one_frame";
    case Delivery::kThreeFragments:
      return "three_fragments";
    case Delivery::kOneByteFragments:
      return "one_byte_fragments";
    case Delivery::kTcpCutInCorruption:
      return "tcp_cut_inside";
    case Delivery::kFailFastFragment:
      return "failfast_fragment";
    case Delivery::kFailFastPartialFrame:
      return "failfast_partial_frame";
    case Delivery::kFailFastNextFragment:
      return "failfast_next_fragment";
  }
  return "?";
}

struct InvalidCase {
  std::string name;
  std::string text;    // the invalid text
  std::size_t at;      // where the corruption starts
  std::size_t length;  // corruption length
  std::size_t detect;  // first byte a fail-fast validator rejects, or npos (only at the end)
  Delivery delivery;
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << c.name << " [" << hex_preview(c.text) << "]";
}

std::vector<InvalidCase> invalid_cases() {
  std::vector<InvalidCase> raw;
  const std::string& base = base_text();
  for (const Corruption& c : insertions()) {
    for (std::size_t at = 0; at <= base.size(); ++at) {
      if (at < base.size() && (static_cast<std::uint8_t>(base[at]) & 0xC0) == 0x80)
        continue;  // boundaries only
      std::string text = base.substr(0, at) + c.bytes + base.substr(at);
      raw.push_back({std::string("insert_") + c.kind + "_at_" + std::to_string(at), text, at,
                     c.bytes.size(), 0, Delivery::kOneFrame});
    }
  }
  for (const Corruption& c : replacements()) {
    for (std::size_t at = 0; at < base.size(); ++at) {
      std::string text = base;
      text.replace(at, 1, c.bytes);
      if (utf8_valid(text)) continue;
      raw.push_back({std::string("replace_") + std::to_string(at) + "_with_" + c.kind, text, at,
                     c.bytes.size(), 0, Delivery::kOneFrame});
    }
  }
  std::vector<InvalidCase> out;
  for (InvalidCase& c : raw) {
    c.detect = utf8_first_invalid(c.text);
    for (Delivery d : {Delivery::kOneFrame, Delivery::kThreeFragments, Delivery::kOneByteFragments,
                       Delivery::kTcpCutInCorruption, Delivery::kFailFastFragment,
                       Delivery::kFailFastPartialFrame, Delivery::kFailFastNextFragment}) {
      const bool fail_fast = d == Delivery::kFailFastFragment ||
                             d == Delivery::kFailFastPartialFrame ||
                             d == Delivery::kFailFastNextFragment;
      if (fail_fast && c.detect == std::string::npos)
        continue;  // only the end of the message reveals it
      InvalidCase v = c;
      v.delivery = d;
      v.name += std::string("_") + delivery_name(d);
      out.push_back(std::move(v));
    }
  }
  return out;
}

using Rfc6455_8_1_InvalidUtf8 = ServerSuiteWithParam<InvalidCase>;

TEST_P(Rfc6455_8_1_InvalidUtf8, FailsWith1007) {
  const InvalidCase& c = GetParam();
  ASSERT_FALSE(utf8_valid(c.text)) << "bad test data";
  WSTEST_OPEN(client);
  const std::string& t = c.text;
  switch (c.delivery) {
    case Delivery::kOneFrame:
      (void)client.send_raw(frame_bytes(kText, t));
      break;
    case Delivery::kThreeFragments:
      (void)client.send_raw(frame_bytes(kText, t.substr(0, c.at), false) +
                            frame_bytes(kContinuation, t.substr(c.at, c.length), false) +
                            frame_bytes(kContinuation, t.substr(c.at + c.length)));
      break;
    case Delivery::kOneByteFragments: {
      std::string bytes;
      for (std::size_t i = 0; i < t.size(); ++i) {
        bytes += frame_bytes(i == 0 ? kText : kContinuation, t.substr(i, 1), i + 1 == t.size());
      }
      (void)client.send_raw(bytes);
      break;
    }
    case Delivery::kTcpCutInCorruption: {
      const std::size_t header = 6;  // short frame: 2 + 4 mask bytes
      (void)client.send_split(frame_bytes(kText, t), {header + c.at + (c.length > 1 ? 1 : 0)});
      break;
    }
    case Delivery::kFailFastFragment:
      (void)client.send_raw(frame_bytes(kText, t.substr(0, c.detect + 1), false));
      break;
    case Delivery::kFailFastPartialFrame: {
      FrameSpec spec;
      spec.opcode = kText;
      spec.payload = t;
      std::string bytes = encode_frame(spec);
      bytes.resize(6 + c.detect + 1);  // header + payload through the first invalid byte
      (void)client.send_raw(bytes);
      break;
    }
    case Delivery::kFailFastNextFragment:
      (void)client.send_raw(frame_bytes(kText, t.substr(0, c.detect), false));
      std::this_thread::sleep_for(2ms);
      (void)client.send_raw(frame_bytes(kContinuation, t.substr(c.detect, 1), false));
      break;
  }
  ASSERT_TRUE(client.expect_close(1007))
      << "text " << hex_preview(t) << ", first invalid byte at "
      << (c.detect == std::string::npos ? std::string("end") : std::to_string(c.detect));
}

INSTANTIATE_TEST_SUITE_P(Positions, Rfc6455_8_1_InvalidUtf8, ::testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Markus Kuhn's malformed sequences (Autobahn 6.3, 6.6-6.21), alone and
// embedded in valid text.

struct KuhnCase {
  const char* name;
  std::string bytes;
};

void PrintTo(const KuhnCase& c, std::ostream* os) {
  *os << c.name << " [" << hex_preview(c.bytes) << "]";
}

std::vector<KuhnCase> kuhn_cases() {
  std::string all_continuations;
  for (int b = 0x80; b <= 0xBF; ++b) all_continuations.push_back(static_cast<char>(b));
  auto lonely = [](int from, int to) {
    std::string s;
    for (int b = from; b <= to; ++b) {
      s.push_back(static_cast<char>(b));
      s.push_back(' ');
    }
    return s;
  };
  const std::string missing_last[] = {
      "\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
      "\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"};
  std::string concatenated;
  for (const auto& s : missing_last) concatenated += s;
  return {
      {"3_1_1_first_continuation", "\x80"},
      {"3_1_2_last_continuation", "\xbf"},
      {"3_1_3_two_continuations", "\x80\xbf"},
      {"3_1_4_three_continuations", "\x80\xbf\x80"},
      {"3_1_5_four_continuations", "\x80\xbf\x80\xbf"},
      {"3_1_9_all_continuations", all_continuations},
      {"3_2_1_lonely_2byte_leads", lonely(0xC0, 0xDF)},
      {"3_2_2_lonely_3byte_leads", lonely(0xE0, 0xEF)},
      {"3_2_3_lonely_4byte_leads", lonely(0xF0, 0xF7)},
      {"3_2_4_lonely_5byte_leads", lonely(0xF8, 0xFB)},
      {"3_2_5_lonely_6byte_leads", lonely(0xFC, 0xFD)},
      {"3_3_1_missing_last_c0", missing_last[0]},
      {"3_3_2_missing_last_e0_80", missing_last[1]},
      {"3_3_3_missing_last_f0_80_80", missing_last[2]},
      {"3_3_4_missing_last_f8", missing_last[3]},
      {"3_3_5_missing_last_fc", missing_last[4]},
      {"3_3_6_missing_last_df", missing_last[5]},
      {"3_3_7_missing_last_ef_bf", missing_last[6]},
      {"3_3_8_missing_last_f7_bf_bf", missing_last[7]},
      {"3_3_9_missing_last_fb", missing_last[8]},
      {"3_3_10_missing_last_fd", missing_last[9]},
      {"3_4_concatenated_incomplete", concatenated},
      {"3_5_1_fe", "\xfe"},
      {"3_5_2_ff", "\xff"},
      {"3_5_3_fe_fe_ff_ff", "\xfe\xfe\xff\xff"},
      {"4_1_1_overlong_slash_2", "\xc0\xaf"},
      {"4_1_2_overlong_slash_3", "\xe0\x80\xaf"},
      {"4_1_3_overlong_slash_4", "\xf0\x80\x80\xaf"},
      {"4_1_4_overlong_slash_5", "\xf8\x80\x80\x80\xaf"},
      {"4_1_5_overlong_slash_6", "\xfc\x80\x80\x80\x80\xaf"},
      {"4_2_1_max_overlong_2", "\xc1\xbf"},
      {"4_2_2_max_overlong_3", "\xe0\x9f\xbf"},
      {"4_2_3_max_overlong_4", "\xf0\x8f\xbf\xbf"},
      {"4_2_4_max_overlong_5", "\xf8\x87\xbf\xbf\xbf"},
      {"4_2_5_max_overlong_6", "\xfc\x83\xbf\xbf\xbf\xbf"},
      {"4_3_1_overlong_nul_2", "\xc0\x80"},
      {"4_3_2_overlong_nul_3", "\xe0\x80\x80"},
      {"4_3_3_overlong_nul_4", "\xf0\x80\x80\x80"},
      {"4_3_4_overlong_nul_5", "\xf8\x80\x80\x80\x80"},
      {"4_3_5_overlong_nul_6", "\xfc\x80\x80\x80\x80\x80"},
      {"5_1_1_d800", "\xed\xa0\x80"},
      {"5_1_2_db7f", "\xed\xad\xbf"},
      {"5_1_3_db80", "\xed\xae\x80"},
      {"5_1_4_dbff", "\xed\xaf\xbf"},
      {"5_1_5_dc00", "\xed\xb0\x80"},
      {"5_1_6_df80", "\xed\xbe\x80"},
      {"5_1_7_dfff", "\xed\xbf\xbf"},
      {"5_2_1_d800_dc00", "\xed\xa0\x80\xed\xb0\x80"},
      {"5_2_2_d800_dfff", "\xed\xa0\x80\xed\xbf\xbf"},
      {"5_2_3_db7f_dc00", "\xed\xad\xbf\xed\xb0\x80"},
      {"5_2_4_db7f_dfff", "\xed\xad\xbf\xed\xbf\xbf"},
      {"5_2_5_db80_dc00", "\xed\xae\x80\xed\xb0\x80"},
      {"5_2_6_db80_dfff", "\xed\xae\x80\xed\xbf\xbf"},
      {"5_2_7_dbff_dc00", "\xed\xaf\xbf\xed\xb0\x80"},
      {"5_2_8_dbff_dfff", "\xed\xaf\xbf\xed\xbf\xbf"},
      {"above_max_110000", "\xf4\x90\x80\x80"},
      {"above_max_1fffff", "\xf7\xbf\xbf\xbf"},
      {"autobahn_6_3_1", cps({0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5}) + "\xed\xa0\x80" + "edited"},
  };
}

using Rfc6455_8_1_KuhnMalformed = ServerSuiteWithParam<KuhnCase>;

TEST_P(Rfc6455_8_1_KuhnMalformed, AloneFailsWith1007) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, GetParam().bytes));
  ASSERT_TRUE(client.expect_close(1007)) << hex_preview(GetParam().bytes);
}

TEST_P(Rfc6455_8_1_KuhnMalformed, EmbeddedInFragmentsFailsWith1007) {
  // Autobahn 6.4.1/6.4.2 shape: valid fragment, bad fragment, valid fragment.
  WSTEST_OPEN(client);
  const std::string kosme = cps({0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5});
  (void)client.send_raw(frame_bytes(kText, kosme, false) +
                        frame_bytes(kContinuation, GetParam().bytes, false) +
                        frame_bytes(kContinuation, "edited"));
  ASSERT_TRUE(client.expect_close(1007)) << hex_preview(GetParam().bytes);
}

TEST_P(Rfc6455_8_1_KuhnMalformed, AfterValidMessageFailsWith1007) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, "valid first") +
                        frame_bytes(kText, "x" + GetParam().bytes + "y"));
  ASSERT_TRUE(client.expect_text("valid first"));
  ASSERT_TRUE(client.expect_close(1007)) << hex_preview(GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Sequences, Rfc6455_8_1_KuhnMalformed, ::testing::ValuesIn(kuhn_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// Fail fast, as Autobahn 6.4.3/6.4.4 check it: the invalid code point
// arrives, the rest of the message never does.

using Rfc6455_8_1_FailFast = ServerSuite;

TEST_F(Rfc6455_8_1_FailFast, InvalidCodePointInFirstFragmentWithFin0) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, cps({0x3BA, 0x1F79}) + "\xf4\x90\x80\x80", false));
  ASSERT_TRUE(client.expect_close(1007));
}

TEST_F(Rfc6455_8_1_FailFast, TwoBytesOfInvalidCodePointInPartialFrame) {
  // Autobahn 6.4.4: the frame announces 21 bytes; only "κόσμε" + F4 90 come.
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kText;
  spec.payload = cps({0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5}) + "\xf4\x90\x80\x80" + "edited";
  std::string bytes = encode_frame(spec);
  const std::size_t through_90 = 6 + 11 + 2;
  ASSERT_TRUE(client.send_raw(bytes.substr(0, 6 + 11)));
  ASSERT_TRUE(client.expect_nothing(50ms)) << "valid so far";
  (void)client.send_raw(bytes.substr(6 + 11, 2));
  ASSERT_EQ(through_90, 19u);
  ASSERT_TRUE(client.expect_close(1007));
}

TEST_F(Rfc6455_8_1_FailFast, InvalidByteInThirdOfManyFragments) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, "one ", false) +
                        frame_bytes(kContinuation, "two ", false) +
                        frame_bytes(kContinuation, "\xff", false));
  ASSERT_TRUE(client.expect_close(1007));
}

TEST_F(Rfc6455_8_1_FailFast, TruncatedSequenceAtEndOfMessage) {
  // Not detectable before FIN: valid prefix in fragments, the message ends.
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "abc\xe2", false)));
  ASSERT_TRUE(client.send_raw(frame_bytes(kContinuation, "\x82", false)));
  ASSERT_TRUE(client.expect_nothing(50ms)) << "E2 82 is a valid prefix";
  (void)client.send_raw(frame_bytes(kContinuation, ""));
  ASSERT_TRUE(client.expect_close(1007));
}

TEST_F(Rfc6455_8_1_FailFast, SequenceSplitAroundControlFramesIsValid) {
  // The validator's state survives the pings and pongs between fragments.
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "x\xf0", false) + frame_bytes(kPing, "\xff") +
                              frame_bytes(kContinuation, "\x9f", false) +
                              frame_bytes(kPong, "\xfe") +
                              frame_bytes(kContinuation, "\x98", false) + frame_bytes(kPing, "2") +
                              frame_bytes(kContinuation, "\x80y")));
  ASSERT_TRUE(client.expect_pong("\xff"));
  ASSERT_TRUE(client.expect_pong("2"));
  ASSERT_TRUE(client.expect_text("x\xf0\x9f\x98\x80y"));
}

TEST_F(Rfc6455_8_1_FailFast, InvalidContinuationAfterPingBetweenFragments) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, "x\xe2", false) + frame_bytes(kPing, "p") +
                        frame_bytes(kContinuation, "y", false));
  ASSERT_TRUE(client.expect_pong("p"));
  ASSERT_TRUE(client.expect_close(1007));
}

TEST_F(Rfc6455_8_1_FailFast, ValidatorResetsBetweenMessages) {
  // A message ending inside a sequence is invalid; but a complete message
  // must leave no state behind for the next one.
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, "\xe2\x82\xac"));
  ASSERT_TRUE(client.echo(kBinary, "\xe2\x82"));  // binary: not validated, must not leak state
  ASSERT_TRUE(client.echo(kText, "\x41"));
}

TEST_F(Rfc6455_8_1_FailFast, SequenceCompletedInNextFragmentIsValid) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "abc\xe2", false)));
  ASSERT_TRUE(client.send_raw(frame_bytes(kContinuation, "\x82", false)));
  ASSERT_TRUE(client.send_raw(frame_bytes(kContinuation, "\xac")));
  ASSERT_TRUE(client.expect_text("abc\xe2\x82\xac"));
}

}  // namespace
}  // namespace wstest
