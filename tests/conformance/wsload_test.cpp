// tests/conformance/wsload_test.cpp: the load generator (tools/wsload) run
// as a black box, briefly, against the real server and against servers
// written here to misbehave: it must report a non-zero rate and no
// mismatches against a correct echo, and exit non-zero when echoes are
// corrupted or nothing listens. wsload is found next to $WSSERVER.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_process.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace wstest {
namespace {

using namespace std::chrono_literals;

std::string wsload_path() {
  const std::string server = server_binary_path();
  const auto slash = server.rfind('/');
  return (slash == std::string::npos ? std::string(".") : server.substr(0, slash)) + "/wsload";
}

// A wsload run, with its --json fields.
struct LoadRun : ProcessRun {
  // A numeric field of the --json object, or -1 if absent.
  double field(const std::string& name) const {
    const std::string key = "\"" + name + "\":";
    const auto at = out.find(key);
    if (at == std::string::npos) return -1;
    return std::strtod(out.c_str() + at + key.size(), nullptr);
  }
};

// Runs wsload with `args`, killing it if it outlives `timeout`.
LoadRun run_wsload(const std::vector<std::string>& args, std::chrono::seconds timeout = 20s) {
  LoadRun run;
  static_cast<ProcessRun&>(run) = run_to_exit(wsload_path(), args, timeout);
  return run;
}

// Our own server library, in process, with a handler that flips one bit of
// every echo: a server that corrupts data (but speaks the protocol).
class CorruptingServer {
 public:
  CorruptingServer() : server_(ws::ServerOptions{.host = "127.0.0.1", .port = 0}) {
    ws::Route route;
    route.path = "/echo";
    route.handlers.on_message = [](ws::WebSocket& socket, const ws::Message& message) {
      std::vector<std::uint8_t> copy(message.payload.begin(), message.payload.end());
      if (!copy.empty()) copy[copy.size() / 2] ^= 0x01;  // stays ASCII, so text stays UTF-8
      socket.send(copy, message.opcode);
    };
    server_.route(std::move(route));
    server_.start();
  }
  ~CorruptingServer() {
    server_.stop();
    server_.wait();
  }
  std::uint16_t port() const { return server_.port(); }

 private:
  ws::Server server_;
};

// A raw TCP echo server on a thread (tcp:// mode): echoes whatever arrives.
class TcpEchoServer {
 public:
  TcpEchoServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 64);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = accept(listener_, nullptr, nullptr);
        if (fd < 0) return;  // the listener was shut down
        echoers_.emplace_back([fd] {
          char buffer[65536];
          for (;;) {
            const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            for (ssize_t sent = 0; sent < n;) {
              const ssize_t k = send(fd, buffer + sent, n - sent, MSG_NOSIGNAL);
              if (k <= 0) break;
              sent += k;
            }
          }
          close(fd);
        });
      }
    });
  }
  ~TcpEchoServer() {
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& t : echoers_) t.join();  // wsload has exited: every peer is closed
    close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> echoers_;
};

class Wsload : public ::testing::Test {
 protected:
  void start_server() {
    std::string error;
    server_ = ServerProcess::start({}, error);
    ASSERT_NE(server_, nullptr) << error;
  }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(server_->port()) + "/echo"; }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Wsload, ClosedLoopAgainstWsserverHasNonZeroRateAndNoMismatch) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  const LoadRun run = run_wsload(
      {url(), "--connections", "8", "--pipeline", "4", "--duration", "1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages_per_sec"), 0) << run.describe();
  EXPECT_GT(run.field("mb_per_sec"), 0) << run.describe();
  EXPECT_EQ(run.field("mismatches"), 0) << run.describe();
  EXPECT_EQ(run.field("errors"), 0) << run.describe();
  EXPECT_EQ(run.field("closes"), 0) << run.describe();
  EXPECT_EQ(run.field("connect_failures"), 0) << run.describe();
  EXPECT_EQ(run.field("connections"), 8);
  EXPECT_GT(run.field("p50"), 0) << run.describe();
  EXPECT_GE(run.field("max"), run.field("p99")) << run.describe();
}

TEST_F(Wsload, TextOpenLoopWithWarmupAndTwoThreadsAgainstWsserver) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  const LoadRun run =
      run_wsload({url(), "--text", "--connections", "6", "--threads", "2", "--rate", "2000",
                  "--size", "300", "--warmup", "0.3", "--duration", "1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  // About 2000 messages in the 1 s window: the open loop keeps to its schedule.
  EXPECT_GT(run.field("messages"), 1000) << run.describe();
  EXPECT_LT(run.field("messages"), 3000) << run.describe();
  EXPECT_EQ(run.field("mismatches"), 0) << run.describe();
}

TEST_F(Wsload, SmallAndLargeMessagesAreVerified) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  for (const char* size : {"0", "1", "15", "70000"}) {
    const LoadRun run =
        run_wsload({url(), "--connections", "2", "--size", size, "--duration", "0.5", "--json"});
    EXPECT_EQ(run.exit_code, 0) << "size " << size << ": " << run.describe();
    EXPECT_GT(run.field("messages"), 0) << "size " << size << ": " << run.describe();
  }
}

TEST_F(Wsload, IdleConnectionsStayOpenAndSendNothing) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  const LoadRun run =
      run_wsload({url(), "--connections", "200", "--idle", "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.field("messages"), 0);
  EXPECT_EQ(run.field("connect_failures"), 0);
  EXPECT_NE(run.err.find("200 of 200 connections open"), std::string::npos) << run.describe();
}

TEST(WsloadFailures, ExitsNonZeroWhenTheServerCorruptsEchoes) {
  CorruptingServer server;
  for (const char* mode : {"--binary", "--text"}) {
    const LoadRun run = run_wsload({"ws://127.0.0.1:" + std::to_string(server.port()) + "/echo",
                                    mode, "--connections", "2", "--duration", "0.5", "--json"});
    EXPECT_EQ(run.exit_code, 1) << run.describe();
    EXPECT_GT(run.field("mismatches"), 0) << run.describe();
    EXPECT_NE(run.err.find("mismatched echoes"), std::string::npos) << run.describe();
  }
}

TEST(WsloadFailures, ExitsNonZeroWhenNothingListens) {
  // A port that was free a moment ago: bind, read it, close.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  const LoadRun run = run_wsload({"ws://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/echo",
                                  "--connections", "3", "--duration", "0.3", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  EXPECT_EQ(run.field("connect_failures"), 3) << run.describe();
  EXPECT_NE(run.err.find("failed connects"), std::string::npos) << run.describe();
}

TEST(WsloadFailures, RejectsABadCommandLine) {
  EXPECT_EQ(run_wsload({"http://127.0.0.1:1/"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/", "--connections", "0"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/", "--bogus", "1"}).exit_code, 2);
}

TEST(WsloadTcp, RawTcpEchoIsVerified) {
  TcpEchoServer server;
  const LoadRun run = run_wsload({"tcp://127.0.0.1:" + std::to_string(server.port()),
                                  "--connections", "3", "--pipeline", "3", "--size", "5000",
                                  "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages"), 0) << run.describe();
  EXPECT_EQ(run.field("mismatches"), 0) << run.describe();
}

}  // namespace
}  // namespace wstest
