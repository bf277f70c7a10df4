// tests/client_conformance/control_frames_test.cpp: RFC 6455 5.5 from the
// client's side. "All control frames MUST have a payload length of 125 bytes
// or less and MUST NOT be fragmented" (else 1002); a Ping is answered with a
// Pong carrying "exactly the same Application data" (5.5.2, 5.5.3), masked
// like every client frame; a Pong, solicited or not, is counted and needs no
// answer.
#include <gtest/gtest.h>

#include <string>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

// ---- fragmented control frames and long ones -> 1002 ------------------------

class Rfc6455_5_5_Control : public ::testing::TestWithParam<std::uint8_t> {};

std::string control_payload(std::uint8_t opcode, std::size_t size) {
  if (opcode != kClose) return std::string(size, 'c');
  return close_payload(1000, std::string(size >= 2 ? size - 2 : 0, 'r'));
}

TEST_P(Rfc6455_5_5_Control, FragmentedFailsWith1002) {
  ASSERT_TRUE(deliver_at_every_cut(server_frame(GetParam(), control_payload(GetParam(), 4), false),
                                   {{}, 1002}));
}

TEST_P(Rfc6455_5_5_Control, FragmentedInsideAMessageFailsWith1002) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "a", false) +
                               server_frame(GetParam(), control_payload(GetParam(), 2), false) +
                               server_frame(kContinuation, "b")));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

TEST_P(Rfc6455_5_5_Control, Payload126FailsWith1002) {
  ASSERT_TRUE(
      deliver_at_every_cut(server_frame(GetParam(), control_payload(GetParam(), 126)), {{}, 1002}));
}

TEST_P(Rfc6455_5_5_Control, LongPayloadHeaderAloneFailsWith1002) {
  // The length is enough to judge: the payload need never come.
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.masked = false;
  spec.announced_length = 65536;
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(encode_frame(spec)));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

TEST_P(Rfc6455_5_5_Control, Payload125In16BitFormIsNotTooLong) {
  // 125 bytes written with the 16-bit length form: long form, legal length.
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.payload = control_payload(GetParam(), 125);
  spec.masked = false;
  spec.length_form = LengthForm::k16Bit;
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(encode_frame(spec) + server_frame(kText, "still open")));
  if (GetParam() == kClose) {
    ASSERT_TRUE(s.peer->expect_close(1000));
    return;
  }
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "still open"));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_5_Control, ::testing::Values(kPing, kPong, kClose),
                         [](const auto& info) { return opcode_name(info.param); });

// ---- ping -> pong (5.5.2, 5.5.3) --------------------------------------------

class Rfc6455_5_5_2_Ping : public ::testing::TestWithParam<std::string> {};

TEST_P(Rfc6455_5_5_2_Ping, AnsweredWithTheSamePayload) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kPing, GetParam())));
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));
  EXPECT_EQ(frame.opcode, kPong);
  EXPECT_TRUE(frame.fin);
  EXPECT_EQ(frame.payload, GetParam());
  EXPECT_EQ(s.client->receive(20ms).kind, ws::Received::Kind::timeout) << "a ping is not a message";
}

TEST_P(Rfc6455_5_5_2_Ping, CutAtEveryByte) {
  const std::string bytes = server_frame(kPing, GetParam());
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    WSTEST_CLIENT(s);
    ASSERT_TRUE(s.peer->send_split(bytes, cut, 300us));
    ClientFrame frame;
    ASSERT_TRUE(s.peer->read_frame(frame)) << "cut " << cut;
    EXPECT_EQ(frame.opcode, kPong) << "cut " << cut;
    EXPECT_EQ(frame.payload, GetParam()) << "cut " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_5_2_Ping,
                         ::testing::Values(std::string(), std::string("x"),
                                           std::string("are you there?"),
                                           std::string("\x00\xff\x80\xc0", 4),  // not UTF-8: fine
                                           std::string(125, 'p')),
                         [](const auto& info) {
                           return "size_" + std::to_string(info.param.size());
                         });

TEST(Rfc6455_5_5_2_Ping, ManyPingsEachAnsweredInOrder) {
  WSTEST_CLIENT(s);
  std::string bytes;
  for (int i = 0; i < 20; ++i) bytes += server_frame(kPing, "ping " + std::to_string(i));
  ASSERT_TRUE(s.peer->send_raw(bytes));
  for (int i = 0; i < 20; ++i) {
    ClientFrame frame;
    ASSERT_TRUE(s.peer->read_frame(frame));
    EXPECT_EQ(frame.opcode, kPong);
    EXPECT_EQ(frame.payload, "ping " + std::to_string(i));
  }
}

// ---- pongs (5.5.3) ----------------------------------------------------------

TEST(Rfc6455_5_5_3_Pong, UnsolicitedPongsAreCountedAndNotAnswered) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kPong, "heartbeat") + server_frame(kPong) +
                               server_frame(kText, "after")));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "after"));
  EXPECT_EQ(s.client->pongs(), 2u);
  EXPECT_TRUE(s.peer->expect_nothing(50ms)) << "a pong needs no answer";
}

TEST(Rfc6455_5_5_3_Pong, ClientPingAnswered) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.client->ping("hello?"));
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));
  ASSERT_EQ(frame.opcode, kPing);
  EXPECT_EQ(frame.payload, "hello?");
  ASSERT_TRUE(s.peer->send_raw(server_frame(kPong, frame.payload) + server_frame(kText, "sync")));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "sync"));
  EXPECT_EQ(s.client->pongs(), 1u);
}

TEST(Rfc6455_5_5_3_Pong, ClientPingOver125BytesRefused) {
  WSTEST_CLIENT(s);
  EXPECT_FALSE(s.client->ping(std::string(126, 'x')));
  EXPECT_TRUE(s.peer->expect_nothing(50ms));
}

}  // namespace
}  // namespace wstest
