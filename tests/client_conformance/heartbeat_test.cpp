// tests/client_conformance/heartbeat_test.cpp: the client's own keepalive
// (5.5.2: "a Ping frame MAY serve ... as a keepalive"): ping_interval of
// quiet brings a ping, an answer of any kind counts as life, and
// idle_timeout of quiet closes 1001 "idle timeout". Both off by default.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

ws::ClientOptions heartbeat_options(std::chrono::milliseconds ping,
                                    std::chrono::milliseconds idle) {
  ws::ClientOptions options = test_options();
  options.ping_interval = ping;
  options.idle_timeout = idle;
  return options;
}

TEST(ClientHeartbeat, QuietBringsAPing) {
  Session s;
  ASSERT_TRUE(open_session(s, heartbeat_options(150ms, 0ms)));
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame, 2000ms));
  EXPECT_EQ(frame.opcode, kPing);
  EXPECT_TRUE(frame.masked);
  // Answered: the next ping comes after another quiet interval, not at once.
  ASSERT_TRUE(s.peer->send_raw(server_frame(kPong, frame.payload)));
  EXPECT_TRUE(s.peer->expect_nothing(100ms));
  ASSERT_TRUE(s.peer->read_frame(frame, 2000ms));
  EXPECT_EQ(frame.opcode, kPing);
}

TEST(ClientHeartbeat, IdleTimeoutCloses1001) {
  Session s;
  ASSERT_TRUE(open_session(s, heartbeat_options(0ms, 300ms)));
  ASSERT_TRUE(s.peer->expect_close(1001, "idle timeout"));
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(1001))));
  s.peer->shutdown_write();
  EXPECT_TRUE(expect_closed(*s.client, 1001));
}

TEST(ClientHeartbeat, DataCountsAsLife) {
  Session s;
  ASSERT_TRUE(open_session(s, heartbeat_options(0ms, 400ms)));
  for (int i = 0; i < 5; ++i) {  // 500 ms of traffic, never 400 ms quiet
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "alive")));
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "alive"));
  ASSERT_TRUE(s.peer->expect_close(1001, "idle timeout"));  // then quiet: closed
}

TEST(ClientHeartbeat, OffByDefault) {
  WSTEST_CLIENT(s);
  EXPECT_TRUE(s.peer->expect_nothing(500ms));
}

}  // namespace
}  // namespace wstest
