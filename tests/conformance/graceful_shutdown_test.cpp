// tests/conformance/graceful_shutdown_test.cpp: SIGTERM with work in
// flight. What send() accepted before the signal reaches a client that keeps
// reading, before the close 1001; clients that never answer are given up
// after --shutdown-timeout and the server still exits 0. (The basics, 1001
// to everyone and exit 0, are in shutdown_test.cpp.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/conformance/non_reading_client.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"

namespace wstest {
namespace {

using Clock = std::chrono::steady_clock;

::testing::AssertionResult exits_with_zero(ServerProcess& server,
                                           std::chrono::milliseconds timeout) {
  const auto status = server.wait_exit(timeout);
  if (!status) return ::testing::AssertionFailure() << "still running after SIGTERM";
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return ::testing::AssertionFailure() << describe_wait_status(*status);
  return ::testing::AssertionSuccess();
}

std::unique_ptr<ServerProcess> start(const std::vector<std::string>& flags) {
  std::string error;
  auto server = ServerProcess::start(flags, error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

std::string numbered(int i, std::size_t size) {
  std::string text = "message " + std::to_string(i) + " ";
  text.resize(size, static_cast<char>('a' + i % 26));
  return text;
}

TEST(GracefulShutdown, QueuedMessagesArriveBeforeTheClose) {
  auto server = start({"--max-backpressure", "64M"});
  ASSERT_NE(server, nullptr);
  NonReadingClient client;
  ASSERT_TRUE(client.open(server->port()));
  // 3 MiB of echoes that the client does not read yet: they wait in the
  // server's queue (the client's receive window is 4 KiB).
  constexpr int count = 96;
  std::string burst;
  for (int i = 0; i < count; ++i) burst += frame_bytes(kText, numbered(i, 32 * 1024));
  ASSERT_EQ(client.send_some(burst, 2000ms), burst.size());
  std::this_thread::sleep_for(100ms);  // the server has read and echoed it all
  ASSERT_TRUE(server->send_signal(SIGTERM));
  std::this_thread::sleep_for(100ms);
  for (int i = 0; i < count; ++i) {
    Frame frame;
    ASSERT_EQ(client.read_frame(frame), ReadStatus::kFrame) << "message " << i;
    ASSERT_EQ(frame.opcode, kText) << "message " << i << ": " << describe(frame);
    ASSERT_EQ(frame.payload, numbered(i, 32 * 1024)) << "message " << i;
  }
  Frame close;
  ASSERT_EQ(client.read_frame(close), ReadStatus::kFrame);
  ASSERT_EQ(close.opcode, kClose) << describe(close);
  ASSERT_GE(close.payload.size(), 2u);
  EXPECT_EQ(static_cast<std::uint8_t>(close.payload[0]) << 8 |
                static_cast<std::uint8_t>(close.payload[1]),
            1001);
  const std::string reply = frame_bytes(kClose, close_payload(1001));
  ASSERT_EQ(client.send_some(reply, 1000ms), reply.size());
  ASSERT_TRUE(client.ended_within(2000ms));
  ASSERT_TRUE(exits_with_zero(*server, 3000ms));
}

TEST(GracefulShutdown, EveryClientGets1001AndTheServerExitsZero) {
  auto server = start({"--threads", "2"});
  ASSERT_NE(server, nullptr);
  std::vector<RawClient> clients(20);
  for (auto& c : clients) ASSERT_TRUE(c.open(server->port()));
  for (std::size_t i = 0; i < clients.size(); i += 3) ASSERT_TRUE(clients[i].echo(kText, "busy"));
  ASSERT_TRUE(server->send_signal(SIGINT));
  for (std::size_t i = 0; i < clients.size(); ++i)
    ASSERT_TRUE(clients[i].expect_close(1001, /*reply=*/true)) << "client " << i;
  ASSERT_TRUE(exits_with_zero(*server, 3000ms));
}

TEST(GracefulShutdown, ShutdownTimeoutBoundsTheWaitForSilentPeers) {
  auto server = start({"--shutdown-timeout", "0.3", "--close-timeout", "30"});
  ASSERT_NE(server, nullptr);
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(c.open(server->port()));
  const auto start_time = Clock::now();
  ASSERT_TRUE(server->send_signal(SIGTERM));
  for (auto& c : clients) {
    Frame frame;
    ASSERT_EQ(c.read_frame(frame), ReadStatus::kFrame);
    ASSERT_EQ(frame.opcode, kClose) << describe(frame);  // and no answer
  }
  ASSERT_TRUE(exits_with_zero(*server, 2000ms));
  EXPECT_LT(Clock::now() - start_time, 1500ms);
  for (auto& c : clients) ASSERT_TRUE(c.expect_tcp_end());
}

TEST(GracefulShutdown, NewConnectionsAreRefusedOnceStopping) {
  auto server = start({"--shutdown-timeout", "1"});
  ASSERT_NE(server, nullptr);
  RawClient holder;  // holds the server in its shutdown for a while
  ASSERT_TRUE(holder.open(server->port()));
  ASSERT_TRUE(server->send_signal(SIGTERM));
  Frame frame;
  ASSERT_EQ(holder.read_frame(frame), ReadStatus::kFrame);
  ASSERT_EQ(frame.opcode, kClose);
  RawClient late;
  EXPECT_FALSE(late.open(server->port())) << "a connection was upgraded during shutdown";
  ASSERT_TRUE(exits_with_zero(*server, 3000ms));
}

}  // namespace
}  // namespace wstest
