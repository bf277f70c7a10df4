// tests/client_conformance/utf8_test.cpp: RFC 6455 8.1 from the client's
// side: a text message from the server that is not valid UTF-8 (RFC 3629)
// fails the connection with 1007 (7.4.1), wherever the bad byte is, in one
// frame or fragmented around it; valid text passes however it is cut into
// fragments or TCP writes. The client fails fast: a bad byte fails the
// connection even when the rest of the message never comes (the library's
// documented contract, ws/message_reader.hpp; the RFC allows failing at the
// end, but waiting would let a server hold a client's buffer with junk).
#include "tests/support/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

struct Invalid {
  const char* name;
  std::string bytes;
};

void PrintTo(const Invalid& c, std::ostream* os) { *os << c.name << " " << hex_preview(c.bytes); }

// Kuhn's stress test and Autobahn 6.x, the classes of ill-formed UTF-8.
std::vector<Invalid> invalid_sequences() {
  return {
      {"lone_continuation", "\x80"},
      {"lone_continuation_bf", "\xbf"},
      {"overlong_slash_2", "\xc0\xaf"},
      {"overlong_nul_2", "\xc1\x80"},
      {"overlong_3", "\xe0\x80\xaf"},
      {"overlong_4", "\xf0\x80\x80\xaf"},
      {"surrogate_high", "\xed\xa0\x80"},
      {"surrogate_low", "\xed\xbf\xbf"},
      {"above_10ffff", "\xf4\x90\x80\x80"},
      {"f5", "\xf5\x80\x80\x80"},
      {"fe", "\xfe"},
      {"ff", "\xff"},
      {"truncated_2_then_ascii", "\xc3x"},
      {"truncated_3_then_ascii", "\xe2\x82x"},
      {"truncated_4_then_ascii", "\xf0\x9f\x98x"},
      {"five_byte_form", "\xf8\x88\x80\x80\x80"},
  };
}

const std::string kBefore = "ab\xce\xba\xe2\x82\xac";  // a, b, kappa, euro sign
const std::string kAfter = "\xf0\x9f\x98\x80yz";       // an emoji, y, z

class Rfc6455_8_1_Invalid : public ::testing::TestWithParam<Invalid> {};

// The bad sequence at every code point boundary of a valid text.
std::vector<std::string> texts_with(const std::string& bad) {
  const std::string valid = kBefore + kAfter;
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= valid.size(); ++at) {
    if (at < valid.size() && (static_cast<unsigned char>(valid[at]) & 0xC0) == 0x80) continue;
    out.push_back(valid.substr(0, at) + bad + valid.substr(at));
  }
  return out;
}

TEST_P(Rfc6455_8_1_Invalid, EveryPositionOneFrameFailsWith1007) {
  for (const std::string& text : texts_with(GetParam().bytes)) {
    ASSERT_FALSE(utf8_valid(text)) << "bad test data";
    ASSERT_TRUE(deliver(server_frame(kText, text), 0, {{}, 1007})) << hex_preview(text);
  }
}

TEST_P(Rfc6455_8_1_Invalid, EveryPositionFragmentedAtEveryByteFailsWith1007) {
  // Two fragments cut at every byte: the bad sequence is whole in one, or
  // split across both; either way 1007.
  const std::string text = kBefore + GetParam().bytes + kAfter;
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const std::string bytes = server_frame(kText, text.substr(0, cut), false) +
                              server_frame(kContinuation, text.substr(cut));
    ASSERT_TRUE(deliver(bytes, 0, {{}, 1007})) << "fragments cut at " << cut;
  }
}

TEST_P(Rfc6455_8_1_Invalid, TcpCutAtEveryByteFailsWith1007) {
  ASSERT_TRUE(
      deliver_at_every_cut(server_frame(kText, kBefore + GetParam().bytes + kAfter), {{}, 1007}));
}

TEST_P(Rfc6455_8_1_Invalid, FailsFastWithoutTheRestOfTheMessage) {
  // Only a first fragment holding the bad bytes (plus one more ASCII byte,
  // so that a truncated sequence is known bad): the last fragment never comes.
  const std::string text = kBefore + GetParam().bytes + "x";
  ASSERT_EQ(utf8_first_invalid(text) == std::string::npos, false) << "bad test data";
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, text, false)));
  ASSERT_TRUE(expect_failed_with(s, 1007));
}

TEST_P(Rfc6455_8_1_Invalid, InBinaryIsFine) {
  const std::string data = kBefore + GetParam().bytes + kAfter;
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kBinary, data)));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::binary, data));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_8_1_Invalid, ::testing::ValuesIn(invalid_sequences()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc6455_8_1_Truncated, MessageEndingInsideACodePointFailsWith1007) {
  for (const std::string& tail :
       {std::string("\xc3"), std::string("\xe2\x82"), std::string("\xf0\x9f\x98")}) {
    ASSERT_TRUE(deliver(server_frame(kText, "ok" + tail), 0, {{}, 1007})) << hex_preview(tail);
    // Fragmented: the code point is still open when the final fragment ends.
    ASSERT_TRUE(deliver(server_frame(kText, "ok" + tail, false) + server_frame(kContinuation, ""),
                        0, {{}, 1007}))
        << hex_preview(tail);
  }
}

// ---- valid text, cut everywhere ------------------------------------------

struct Valid {
  const char* name;
  std::string text;
};

void PrintTo(const Valid& c, std::ostream* os) { *os << c.name; }

class Rfc6455_8_1_Valid : public ::testing::TestWithParam<Valid> {};

TEST_P(Rfc6455_8_1_Valid, TcpCutAtEveryByte) {
  ASSERT_TRUE(utf8_valid(GetParam().text)) << "bad test data";
  ASSERT_TRUE(deliver_at_every_cut(server_frame(kText, GetParam().text),
                                   {{{ws::Opcode::text, GetParam().text}}, {}}));
}

TEST_P(Rfc6455_8_1_Valid, FragmentedAtEveryByte) {
  const std::string& text = GetParam().text;
  std::string bytes;
  Outcome expected;
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    bytes += server_frame(kText, text.substr(0, cut), false) +
             server_frame(kContinuation, text.substr(cut));
    expected.messages.push_back({ws::Opcode::text, text});
  }
  ASSERT_TRUE(deliver(bytes, 0, expected));
}

TEST_P(Rfc6455_8_1_Valid, OneByteFragments) {
  const std::string& text = GetParam().text;
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i)
    bytes += server_frame(i == 0 ? kText : kContinuation, text.substr(i, 1), i + 1 == text.size());
  ASSERT_TRUE(deliver(bytes, 0, {{{ws::Opcode::text, text}}, {}}));
}

std::string code_points(std::initializer_list<std::uint32_t> cps) {
  std::string out;
  for (std::uint32_t cp : cps) out += utf8_encode(cp);
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_8_1_Valid,
    ::testing::Values(Valid{"ascii", "Hello, world"},
                      Valid{"kosme", code_points({0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5})},
                      Valid{"boundaries", code_points({0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF,
                                                       0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF})},
                      Valid{"noncharacters", code_points({0xFDD0, 0xFFFE, 0x1FFFF, 0x10FFFE})},
                      Valid{"emoji_sequence",
                            code_points({0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467})}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wstest
