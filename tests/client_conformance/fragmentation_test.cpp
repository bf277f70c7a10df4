// tests/client_conformance/fragmentation_test.cpp: RFC 6455 5.4 from the
// client's side. A fragmented text or binary message is delivered whole,
// however many fragments (empty ones too) and however TCP cuts them;
// control frames may come between fragments and are answered at once
// (5.4: "control frames MAY be injected in the middle of a fragmented
// message"); a continuation with nothing to continue, or a new data frame
// before the last fragment, fails the connection with 1002.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

// `payload` as a message of `opcode` in fragments of the given sizes (the
// last one takes the rest).
std::string fragmented(std::uint8_t opcode, std::string_view payload,
                       const std::vector<std::size_t>& sizes) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::size_t n = std::min(sizes[i], payload.size() - at);
    out += server_frame(i == 0 ? opcode : kContinuation, payload.substr(at, n), false);
    at += n;
  }
  return out + server_frame(sizes.empty() ? opcode : kContinuation, payload.substr(at));
}

struct FragmentCase {
  const char* name;
  std::uint8_t opcode;
  std::string payload;
  std::vector<std::size_t> sizes;
};

void PrintTo(const FragmentCase& c, std::ostream* os) { *os << c.name; }

class Rfc6455_5_4_Reassembly : public ::testing::TestWithParam<FragmentCase> {};

TEST_P(Rfc6455_5_4_Reassembly, DeliveredWhole) {
  const FragmentCase& c = GetParam();
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(fragmented(c.opcode, c.payload, c.sizes)));
  ASSERT_TRUE(expect_message(*s.client, static_cast<ws::Opcode>(c.opcode), c.payload));
}

TEST_P(Rfc6455_5_4_Reassembly, CutAtEveryByte) {
  const FragmentCase& c = GetParam();
  const std::string bytes = fragmented(c.opcode, c.payload, c.sizes);
  const Outcome expected{{{static_cast<ws::Opcode>(c.opcode), c.payload}}, {}};
  if (bytes.size() <= 400) {
    ASSERT_TRUE(deliver_at_every_cut(bytes, expected));
    return;
  }
  // Long: every cut near the headers at either end, and a stride between.
  for (std::size_t cut = 1; cut < bytes.size();
       cut += cut < 40 || cut > bytes.size() - 40 ? 1 : 9973)
    ASSERT_TRUE(deliver(bytes, cut, expected)) << "cut at " << cut;
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_5_4_Reassembly,
    ::testing::Values(
        FragmentCase{"text_two", kText, "Hello, world", {5}},
        FragmentCase{"text_three", kText, "fragmented", {4, 3}},
        FragmentCase{"binary_two", kBinary, std::string("\x00\x01\x02\xff", 4), {2}},
        FragmentCase{"empty_first", kText, "abc", {0}},
        FragmentCase{"empty_middle", kBinary, "abcdef", {3, 0, 0}},
        FragmentCase{"empty_last", kText, "abc", {3}}, FragmentCase{"all_empty", kText, "", {0, 0}},
        FragmentCase{"one_byte_each", kText, "one byte each", std::vector<std::size_t>(12, 1)},
        FragmentCase{"utf8_split_inside_code_points",
                     kText,
                     "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf0\x9f\x98\x80",
                     {1, 2, 3, 4, 1}},
        FragmentCase{"large_binary", kBinary, binary_payload(200000, 5), {1, 70000, 65536}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc6455_5_4_Interleaved, PingBetweenFragmentsIsAnsweredAtOnce) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "frag", false) + server_frame(kPing, "mid")));
  // The pong comes before the message is complete (5.4, 5.5.2).
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));
  EXPECT_EQ(frame.opcode, kPong);
  EXPECT_EQ(frame.payload, "mid");
  EXPECT_EQ(s.client->receive(20ms).kind, ws::Received::Kind::timeout) << "message not done yet";
  ASSERT_TRUE(s.peer->send_raw(server_frame(kContinuation, "ment")));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "fragment"));
}

TEST(Rfc6455_5_4_Interleaved, PingsAndPongsBetweenEveryFragmentCutAtEveryByte) {
  const std::string bytes = server_frame(kBinary, "ab", false) + server_frame(kPing, "1") +
                            server_frame(kContinuation, "cd", false) + server_frame(kPong, "x") +
                            server_frame(kPing, "2") + server_frame(kContinuation, "ef");
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    WSTEST_CLIENT(s);
    ASSERT_TRUE(cut == 0 ? s.peer->send_raw(bytes) : s.peer->send_split(bytes, cut, 300us));
    ClientFrame frame;
    ASSERT_TRUE(s.peer->read_frame(frame)) << "cut " << cut;
    EXPECT_EQ(frame.opcode, kPong);
    EXPECT_EQ(frame.payload, "1") << "cut " << cut;
    ASSERT_TRUE(s.peer->read_frame(frame)) << "cut " << cut;
    EXPECT_EQ(frame.payload, "2") << "cut " << cut;
    ASSERT_TRUE(expect_message(*s.client, ws::Opcode::binary, "abcdef")) << "cut " << cut;
    EXPECT_EQ(s.client->pongs(), 1u);
  }
}

TEST(Rfc6455_5_4_Interleaved, CloseBetweenFragmentsIsEchoed) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "never ", false) +
                               server_frame(kClose, close_payload(1001, "going"))));
  ASSERT_TRUE(s.peer->expect_close(1001));
  s.peer->close();
  ASSERT_TRUE(expect_closed(*s.client, 1001, "going")) << "the unfinished message is dropped";
}

// ---- broken fragment order (5.4) -> 1002 ------------------------------------

struct OrderCase {
  const char* name;
  std::string bytes;
  std::vector<std::string> delivered;  // text messages before the failure
};

void PrintTo(const OrderCase& c, std::ostream* os) { *os << c.name; }

class Rfc6455_5_4_Order : public ::testing::TestWithParam<OrderCase> {};

TEST_P(Rfc6455_5_4_Order, FailsWith1002AtEveryCut) {
  Outcome expected;
  for (const std::string& m : GetParam().delivered)
    expected.messages.push_back({ws::Opcode::text, m});
  expected.fail_code = 1002;
  ASSERT_TRUE(deliver_at_every_cut(GetParam().bytes, expected));
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_5_4_Order,
    ::testing::Values(
        OrderCase{"continuation_first", server_frame(kContinuation, "x"), {}},
        OrderCase{"continuation_not_final_first", server_frame(kContinuation, "x", false), {}},
        OrderCase{"continuation_after_a_whole_message",
                  server_frame(kText, "done") + server_frame(kContinuation, "more"),
                  {"done"}},
        OrderCase{"continuation_after_a_fragmented_message",
                  server_frame(kText, "a", false) + server_frame(kContinuation, "b") +
                      server_frame(kContinuation, "c"),
                  {"ab"}},
        OrderCase{
            "text_inside_text", server_frame(kText, "a", false) + server_frame(kText, "b"), {}},
        OrderCase{
            "binary_inside_text", server_frame(kText, "a", false) + server_frame(kBinary, "b"), {}},
        OrderCase{"text_inside_binary",
                  server_frame(kBinary, "a", false) + server_frame(kText, "b", false),
                  {}},
        OrderCase{"new_message_after_a_ping",
                  server_frame(kText, "a", false) + server_frame(kPing) + server_frame(kText, "b"),
                  {}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wstest
