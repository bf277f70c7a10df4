// tests/conformance/ping_pong_test.cpp: RFC 6455 5.5.2 (Ping: "Upon receipt of
// a Ping frame, an endpoint MUST send a Pong frame in response ... the Pong
// frame ... MUST have identical 'Application data'") and 5.5.3 (Pong: "A Pong
// frame MAY be sent unsolicited ... A response to an unsolicited Pong frame is
// not expected."). Autobahn category 2.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

// Every legal ping payload length.
using Rfc6455_5_5_2_PingPayloadLength = ServerSuiteWithParam<int>;

TEST_P(Rfc6455_5_5_2_PingPayloadLength, PongEchoesPayload) {
  WSTEST_OPEN(client);
  const std::string payload = binary_payload(static_cast<std::size_t>(GetParam()), 77);
  ASSERT_TRUE(client.send_ping(payload));
  ASSERT_TRUE(client.expect_pong(payload));
  ASSERT_TRUE(client.echo(kText, "after pong"));
}

INSTANTIATE_TEST_SUITE_P(Lengths, Rfc6455_5_5_2_PingPayloadLength, ::testing::Range(0, 126));

using Rfc6455_5_5_2_Ping = ServerSuite;

TEST_F(Rfc6455_5_5_2_Ping, EmptyPing) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_ping());
  ASSERT_TRUE(client.expect_pong(""));
}

TEST_F(Rfc6455_5_5_2_Ping, TextPayload) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_ping("Hello, world!"));
  ASSERT_TRUE(client.expect_pong("Hello, world!"));
}

TEST_F(Rfc6455_5_5_2_Ping, AllByteValues) {
  WSTEST_OPEN(client);
  for (int start = 0; start < 256; start += 125) {
    std::string payload;
    for (int b = start; b < start + 125 && b < 256; ++b) payload.push_back(static_cast<char>(b));
    ASSERT_TRUE(client.send_ping(payload));
    ASSERT_TRUE(client.expect_pong(payload));
  }
}

TEST_F(Rfc6455_5_5_2_Ping, TenPingsInOneWrite) {
  WSTEST_OPEN(client);
  std::string bytes;
  for (int i = 0; i < 10; ++i) bytes += frame_bytes(kPing, "payload-" + std::to_string(i));
  ASSERT_TRUE(client.send_raw(bytes));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client.expect_pong("payload-" + std::to_string(i)));
}

TEST_F(Rfc6455_5_5_2_Ping, TenPingsInOneByteWrites) {
  WSTEST_OPEN(client);
  std::string bytes;
  for (int i = 0; i < 10; ++i) bytes += frame_bytes(kPing, "payload-" + std::to_string(i));
  ASSERT_TRUE(client.send_chunked(bytes, 1, 100us));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client.expect_pong("payload-" + std::to_string(i)));
}

TEST_F(Rfc6455_5_5_2_Ping, PingsAndMessagesKeepTheirOrder) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "one") + frame_bytes(kPing, "two") +
                              frame_bytes(kBinary, "three") + frame_bytes(kPing, "four") +
                              frame_bytes(kText, "five")));
  ASSERT_TRUE(client.expect_text("one"));
  ASSERT_TRUE(client.expect_pong("two"));
  ASSERT_TRUE(client.expect_binary("three"));
  ASSERT_TRUE(client.expect_pong("four"));
  ASSERT_TRUE(client.expect_text("five"));
}

TEST_F(Rfc6455_5_5_2_Ping, PingAfterLargeMessage) {
  WSTEST_OPEN(client);
  const std::string big = binary_payload(1 << 20, 5);
  ASSERT_TRUE(client.send_raw(frame_bytes(kBinary, big) + frame_bytes(kPing, "after big")));
  ASSERT_TRUE(client.expect_binary(big));
  ASSERT_TRUE(client.expect_pong("after big"));
}

TEST_F(Rfc6455_5_5_2_Ping, PingWhileLargeMessagePartlySent) {
  // The pong must not wait for the message: it comes while the message is
  // still incomplete, between its fragments.
  WSTEST_OPEN(client);
  const std::string part = binary_payload(200000, 6);
  ASSERT_TRUE(client.send_raw(frame_bytes(kBinary, part, false) + frame_bytes(kPing, "mid")));
  ASSERT_TRUE(client.expect_pong("mid"));
  ASSERT_TRUE(client.send_raw(frame_bytes(kContinuation, part)));
  ASSERT_TRUE(client.expect_binary(part + part));
}

using Rfc6455_5_5_3_Pong = ServerSuite;

TEST_F(Rfc6455_5_5_3_Pong, UnsolicitedEmptyPongIsIgnored) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_pong());
  ASSERT_TRUE(client.expect_nothing(200ms));
  ASSERT_TRUE(client.echo(kText, "still here"));
}

TEST_F(Rfc6455_5_5_3_Pong, UnsolicitedPongWithPayloadIsIgnored) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_pong("unsolicited pong payload"));
  ASSERT_TRUE(client.expect_nothing(200ms));
  ASSERT_TRUE(client.echo(kBinary, "still here"));
}

TEST_F(Rfc6455_5_5_3_Pong, UnsolicitedPongThenPing) {
  // Autobahn 2.9: only the ping is answered.
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kPong, "unsolicited") + frame_bytes(kPing, "solicited")));
  ASSERT_TRUE(client.expect_pong("solicited"));
  ASSERT_TRUE(client.expect_nothing());
}

TEST_F(Rfc6455_5_5_3_Pong, ManyPongsAndMaximalPongIgnored) {
  WSTEST_OPEN(client);
  std::string bytes;
  for (int i = 0; i < 100; ++i)
    bytes += frame_bytes(kPong, std::string(static_cast<std::size_t>(i), 'p'));
  bytes += frame_bytes(kPong, binary_payload(125));
  ASSERT_TRUE(client.send_raw(bytes + frame_bytes(kText, "after pongs")));
  ASSERT_TRUE(client.expect_text("after pongs"));
  ASSERT_TRUE(client.expect_nothing());
}

TEST_F(Rfc6455_5_5_3_Pong, PongsInOneByteWrites) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_chunked(
      frame_bytes(kPong, "a") + frame_bytes(kPong, "") + frame_bytes(kText, "done"), 1, 100us));
  ASSERT_TRUE(client.expect_text("done"));
}

}  // namespace
}  // namespace wstest
