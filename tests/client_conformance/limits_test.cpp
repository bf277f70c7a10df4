// tests/client_conformance/limits_test.cpp: the client's read limit
// (ClientOptions::read_limit, gorilla's SetReadLimit): a message from the
// server larger than it, in one frame or in fragments together, fails the
// connection with 1009 "message too big" (7.4.1), judged on the header
// alone where it can be (the payload need not be buffered to be refused);
// a message of exactly the limit is delivered.
#include <gtest/gtest.h>

#include <string>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

constexpr std::size_t kLimit = 1000;

::testing::AssertionResult open_limited(Session& s) {
  ws::ClientOptions options = test_options();
  options.read_limit = kLimit;
  return open_session(s, options);
}

class ClientReadLimit : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(ClientReadLimit, AtTheLimitDelivered) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  const std::string payload(kLimit, 'a');
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam(), payload)));
  ASSERT_TRUE(expect_message(*s.client, static_cast<ws::Opcode>(GetParam()), payload));
}

TEST_P(ClientReadLimit, OneOverInOneFrameFailsWith1009) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam(), std::string(kLimit + 1, 'a'))));
  ASSERT_TRUE(expect_failed_with(s, 1009));
}

TEST_P(ClientReadLimit, HeaderAloneOverTheLimitFailsWith1009) {
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.masked = false;
  spec.announced_length = 1ull << 40;  // a terabyte that will never come
  Session s;
  ASSERT_TRUE(open_limited(s));
  ASSERT_TRUE(s.peer->send_raw(encode_frame(spec)));
  ASSERT_TRUE(expect_failed_with(s, 1009));
}

TEST_P(ClientReadLimit, FragmentsTogetherOverTheLimitFailWith1009) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam(), std::string(600, 'a'), false) +
                               server_frame(kContinuation, std::string(401, 'b'))));
  ASSERT_TRUE(expect_failed_with(s, 1009));
}

TEST_P(ClientReadLimit, FragmentsTogetherAtTheLimitDelivered) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam(), std::string(600, 'a'), false) +
                               server_frame(kContinuation, std::string(400, 'b'))));
  ASSERT_TRUE(expect_message(*s.client, static_cast<ws::Opcode>(GetParam()),
                             std::string(600, 'a') + std::string(400, 'b')));
}

TEST_P(ClientReadLimit, TheLimitIsPerMessage) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  std::string bytes;
  for (int i = 0; i < 5; ++i) bytes += server_frame(GetParam(), std::string(kLimit, 'a' + i));
  ASSERT_TRUE(s.peer->send_raw(bytes));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(expect_message(*s.client, static_cast<ws::Opcode>(GetParam()),
                               std::string(kLimit, static_cast<char>('a' + i))));
}

INSTANTIATE_TEST_SUITE_P(All, ClientReadLimit, ::testing::Values(kText, kBinary),
                         [](const auto& info) { return opcode_name(info.param); });

TEST(ClientReadLimitControl, PingsDoNotCountTowardsTheLimit) {
  Session s;
  ASSERT_TRUE(open_limited(s));
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, std::string(900, 'a'), false) +
                               server_frame(kPing, std::string(125, 'p')) +
                               server_frame(kContinuation, std::string(100, 'b'))));
  ClientFrame pong;
  ASSERT_TRUE(s.peer->read_frame(pong));
  EXPECT_EQ(pong.opcode, kPong);
  ASSERT_TRUE(
      expect_message(*s.client, ws::Opcode::text, std::string(900, 'a') + std::string(100, 'b')));
}

}  // namespace
}  // namespace wstest
