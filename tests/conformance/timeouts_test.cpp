// tests/conformance/timeouts_test.cpp: the server's clocks, with sub-second
// values so each test takes well under two seconds: the handshake timeout
// (slowloris), heartbeats (ping when quiet, close 1001 when silent, any
// frame counts as life) and the close timeout. Each suite starts its own
// server with its flags.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

class HandshakeTimeout : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--handshake-timeout", "0.2"}); }
};

TEST_F(HandshakeTimeout, HalfARequestIsDropped) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  const auto start = Clock::now();
  ASSERT_TRUE(client.send_raw("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  ASSERT_TRUE(client.expect_tcp_end(1500ms));
  EXPECT_GE(since(start), 150ms);
}

TEST_F(HandshakeTimeout, ConnectingAndSendingNothingIsDropped) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.expect_tcp_end(1500ms));
}

TEST_F(HandshakeTimeout, TricklingBytesDoesNotExtendIt) {
  // Slowloris: a byte every 40 ms keeps the request "alive" but never done.
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  const std::string head = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ";
  const auto start = Clock::now();
  bool dropped = false;
  for (std::size_t i = 0; i < 40 && !dropped; ++i) {
    dropped = !client.send_raw(std::string(1, i < head.size() ? head[i] : 'a'));
    if (!dropped) dropped = !client.expect_nothing(40ms);
  }
  if (!dropped) dropped = client.expect_tcp_end(100ms);
  ASSERT_TRUE(dropped) << "still open after " << since(start).count() << " ms";
  EXPECT_LT(since(start), 1000ms);
}

TEST_F(HandshakeTimeout, UpgradedConnectionOutlivesIt) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.expect_nothing(400ms));
  ASSERT_TRUE(client.echo(kText, "still here"));
}

class Heartbeat : public ServerSuite {
 public:
  static void SetUpTestSuite() {
    start_server({"--ping-interval", "0.1", "--idle-timeout", "0.4"});
  }
};

TEST_F(Heartbeat, QuietClientIsPinged) {
  WSTEST_OPEN(client);
  Frame frame;
  std::string detail;
  const auto start = Clock::now();
  ASSERT_EQ(client.read_frame(frame, &detail, 1000ms), ReadStatus::kFrame) << detail;
  EXPECT_EQ(frame.opcode, kPing) << describe(frame);
  EXPECT_GE(since(start), 80ms);
}

TEST_F(Heartbeat, SilentClientIsClosedWith1001) {
  WSTEST_OPEN(client);
  Frame frame;
  std::string detail;
  ASSERT_EQ(client.read_frame(frame, &detail, 1000ms), ReadStatus::kFrame) << detail;
  ASSERT_EQ(frame.opcode, kPing) << describe(frame);
  // No pong: one ping only, then the close at the idle timeout.
  ASSERT_TRUE(client.expect_close(1001, /*reply=*/true));
}

TEST_F(Heartbeat, PongsKeepTheConnectionAlive) {
  WSTEST_OPEN(client);
  int pings = 0;
  const auto start = Clock::now();
  while (since(start) < 1200ms) {  // three idle timeouts
    Frame frame;
    std::string detail;
    ASSERT_EQ(client.read_frame(frame, &detail, 500ms), ReadStatus::kFrame) << detail;
    ASSERT_EQ(frame.opcode, kPing) << describe(frame);
    ++pings;
    ASSERT_TRUE(client.send_pong(frame.payload));
  }
  EXPECT_GE(pings, 3);
  ASSERT_TRUE(client.echo(kText, "alive"));
}

TEST_F(Heartbeat, DataCountsAsLifeAndIsNotPinged) {
  WSTEST_OPEN(client);
  const auto start = Clock::now();
  while (since(start) < 1000ms) {               // every 50 ms: never quiet for a ping interval
    ASSERT_TRUE(client.echo(kBinary, "tick"));  // strict: a ping in between fails it
    std::this_thread::sleep_for(50ms);
  }
}

TEST_F(Heartbeat, ClientPingsCountAsLife) {
  WSTEST_OPEN(client);
  const auto start = Clock::now();
  while (since(start) < 1000ms) {
    ASSERT_TRUE(client.send_ping("me"));
    ASSERT_TRUE(client.expect_pong("me"));
    std::this_thread::sleep_for(50ms);
  }
}

class IdleWithoutPings : public ServerSuite {
 public:
  static void SetUpTestSuite() {
    start_server({"--ping-interval", "0", "--idle-timeout", "0.2", "--close-timeout", "0.2"});
  }
};

TEST_F(IdleWithoutPings, SilentClientIsClosedWithoutAPing) {
  WSTEST_OPEN(client);
  const auto start = Clock::now();
  ASSERT_TRUE(client.expect_close(1001, /*reply=*/true));
  EXPECT_GE(since(start), 150ms);
}

TEST_F(IdleWithoutPings, PeerThatNeverAnswersTheCloseIsDroppedAfterTheCloseTimeout) {
  WSTEST_OPEN(client);
  Frame frame;
  std::string detail;
  ASSERT_EQ(client.read_frame(frame, &detail, 1000ms), ReadStatus::kFrame) << detail;
  ASSERT_EQ(frame.opcode, kClose) << describe(frame);
  const auto start = Clock::now();
  ASSERT_TRUE(client.expect_tcp_end(1500ms));  // no close sent back
  EXPECT_GE(since(start), 100ms);
}

}  // namespace
}  // namespace wstest
