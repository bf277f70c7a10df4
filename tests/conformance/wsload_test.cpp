// tests/conformance/wsload_test.cpp: the load generator (tools/wsload) run
// as a black box, briefly, against the real server and against servers
// written here to misbehave: it must report a non-zero rate and no
// mismatches against a correct echo, and exit non-zero when echoes are
// corrupted or nothing listens. --broadcast and --subscribers run against a
// broadcast route written here, which can drop, duplicate or corrupt one
// delivery, and against wsserver's own /broadcast. wsload
// is found next to $WSSERVER.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>
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

// Expects each named --json field of `run` to hold its value.
void expect_fields(const LoadRun& run,
                   std::initializer_list<std::pair<const char*, double>> fields) {
  for (const auto& [name, value] : fields)
    EXPECT_EQ(run.field(name), value) << name << ": " << run.describe();
}

// Expects `text` somewhere in what `run` wrote to stderr.
void expect_said(const LoadRun& run, const std::string& text) {
  EXPECT_NE(run.err.find(text), std::string::npos) << "want \"" << text << "\": " << run.describe();
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

// A /broadcast route on our server library, in process, on one loop (so the
// client list needs no lock): every message goes to every client, the
// sender included. `fault` strikes the delivery numbered `at` (from 1).
class BroadcastServer {
 public:
  enum class Fault { none, drop, duplicate, corrupt };

  explicit BroadcastServer(Fault fault = Fault::none, std::uint64_t at = 0)
      : fault_(fault), at_(at), server_(ws::ServerOptions{.host = "127.0.0.1", .port = 0}) {
    ws::Route route;
    route.path = "/broadcast";
    route.handlers.on_open = [this](ws::WebSocket& socket) { clients_.push_back(&socket); };
    route.handlers.on_close = [this](ws::WebSocket& socket, std::uint16_t, std::string_view) {
      std::erase(clients_, &socket);
    };
    route.handlers.on_message = [this](ws::WebSocket&, const ws::Message& message) {
      for (ws::WebSocket* client : clients_) deliver(*client, message);
    };
    server_.route(std::move(route));
    server_.start();
  }
  ~BroadcastServer() {
    server_.stop();
    server_.wait();
  }
  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(server_.port()) + "/broadcast";
  }

 private:
  void deliver(ws::WebSocket& client, const ws::Message& message) {
    if (++deliveries_ != at_ || fault_ == Fault::none) {
      client.send(message.payload, message.opcode);
    } else if (fault_ == Fault::duplicate) {
      client.send(message.payload, message.opcode);
      client.send(message.payload, message.opcode);
    } else if (fault_ == Fault::corrupt) {
      std::vector<std::uint8_t> copy(message.payload.begin(), message.payload.end());
      copy.back() ^= 0x01;  // in the filler; stays ASCII, so text stays UTF-8
      client.send(copy, message.opcode);
    }  // Fault::drop: nothing
  }

  Fault fault_;
  std::uint64_t at_;
  std::uint64_t deliveries_ = 0;         // the loop's thread only
  std::vector<ws::WebSocket*> clients_;  // likewise
  ws::Server server_;                    // last: stopped before the rest goes
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
  const LoadRun run =
      run_wsload({url(), "--connections", "8", "--pipeline", "4", "--duration", "1", "--json"});
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
  const LoadRun run =
      run_wsload({"ws://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/echo",
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

TEST(WsloadBroadcast, TenConnectionsTwentyRoundsDeliverEveryMessageOnce) {
  BroadcastServer server;
  for (const char* mode : {"--binary", "--text"}) {
    const LoadRun run = run_wsload({server.url(), "--broadcast", mode, "--connections", "10",
                                    "--threads", "2", "--rounds", "20", "--size", "100", "--json"});
    ASSERT_EQ(run.exit_code, 0) << mode << ": " << run.describe();
    expect_fields(run, {{"rounds", 20},
                        {"deliveries", 10 * 10 * 20},
                        {"lost", 0},
                        {"duplicated", 0},
                        {"corrupt", 0}});
    EXPECT_GT(run.field("deliveries_per_sec"), 0) << run.describe();
    EXPECT_GT(run.field("p50"), 0) << run.describe();
    EXPECT_GE(run.field("max"), run.field("p99")) << run.describe();
    EXPECT_NE(run.out.find("\"mode\":\"broadcast\""), std::string::npos) << run.describe();
  }
}

TEST_F(Wsload, BroadcastAgainstWsserversRouteOnTwoLoops) {
  std::string error;
  server_ = ServerProcess::start({"--threads", "2"}, error);
  ASSERT_NE(server_, nullptr) << error;
  const LoadRun run =
      run_wsload({"ws://127.0.0.1:" + std::to_string(server_->port()) + "/broadcast", "--broadcast",
                  "--connections", "10", "--threads", "2", "--rounds", "20", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  expect_fields(run, {{"rounds", 20},
                      {"deliveries", 10 * 10 * 20},
                      {"lost", 0},
                      {"duplicated", 0},
                      {"corrupt", 0}});
}

TEST(WsloadBroadcast, ADurationRunCountsWholeRoundsOnly) {
  BroadcastServer server;
  const LoadRun run = run_wsload({server.url(), "--broadcast", "--connections", "7", "--threads",
                                  "3", "--warmup", "0.2", "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  const double rounds = run.field("rounds");
  EXPECT_GT(rounds, 10) << run.describe();
  // Each connection counts a round once it holds all of it: a multiple of
  // 7, the counted rounds' 49 each, and less than a round more.
  const double deliveries = run.field("deliveries");
  EXPECT_EQ(static_cast<long>(deliveries) % 7, 0) << run.describe();
  EXPECT_GE(deliveries, rounds * 49) << run.describe();
  EXPECT_LE(deliveries, (rounds + 1) * 49) << run.describe();
}

TEST(WsloadBroadcast, ADroppedDeliveryIsALossAndExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::drop, 250);  // in round 2 of 10 x 10
  const LoadRun run = run_wsload({server.url(), "--broadcast", "--connections", "10", "--rounds",
                                  "20", "--round-timeout", "0.5", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  expect_fields(run, {{"lost", 1}, {"rounds", 2}, {"duplicated", 0}, {"corrupt", 0}});
  expect_said(run, "round 2 stalled: nothing received for 0.5 s");
  expect_said(run, "1 lost messages; first: connection ");
  expect_said(run, "received 9 of the 10 messages of round 2");
}

TEST(WsloadBroadcast, ADuplicatedDeliveryExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::duplicate, 150);
  const LoadRun run =
      run_wsload({server.url(), "--broadcast", "--connections", "10", "--rounds", "5", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  expect_fields(run, {{"duplicated", 1}, {"rounds", 5}, {"lost", 0}, {"corrupt", 0}});
  expect_said(run, "1 duplicated messages; first: connection ");
  expect_said(run, "a second copy of connection ");
}

TEST(WsloadBroadcast, ACorruptDeliveryExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::corrupt, 150);
  const LoadRun run =
      run_wsload({server.url(), "--broadcast", "--text", "--connections", "10", "--rounds", "5",
                  "--size", "64", "--round-timeout", "0.5", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  // The intact message never came, so its round stalls too.
  expect_fields(run, {{"corrupt", 1}, {"lost", 1}, {"duplicated", 0}, {"rounds", 1}});
  expect_said(run, "1 corrupt messages; first: connection ");
}

TEST(WsloadBroadcast, RejectsWhatBroadcastCannotDo) {
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/broadcast", "--broadcast", "--size", "19"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"tcp://127.0.0.1:1", "--broadcast"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/broadcast", "--broadcast", "--rate", "10"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/broadcast", "--rounds", "3"}).exit_code, 2);
}

// --subscribers: 50 receivers and 2 publishers at 200 messages/s in all for
// 1 s, on two server loops and two wsload threads. The schedule fixes what is
// published (200 messages, 100 from each); every one of the 52 receivers,
// publishers included, must get each once and in order.
TEST_F(Wsload, PubSubAgainstWsserversRouteOnTwoLoops) {
  std::string error;
  server_ = ServerProcess::start({"--threads", "2"}, error);
  ASSERT_NE(server_, nullptr) << error;
  const LoadRun run = run_wsload(
      {"ws://127.0.0.1:" + std::to_string(server_->port()) + "/broadcast", "--subscribers", "50",
       "--publishers", "2", "--rate", "200", "--duration", "1", "--threads", "2", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  expect_fields(run, {{"connections", 52},
                      {"published", 200},
                      {"deliveries", 200 * 52},
                      {"lost", 0},
                      {"reordered", 0},
                      {"corrupt", 0},
                      {"errors", 0}});
  EXPECT_NE(run.out.find("\"mode\":\"pubsub\""), std::string::npos) << run.describe();
  EXPECT_GT(run.field("p50"), 0) << run.describe();
}

TEST(WsloadPubSub, ADroppedDeliveryIsLostAndExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::drop, 30);
  const LoadRun run = run_wsload({server.url(), "--subscribers", "8", "--publishers", "2", "--rate",
                                  "100", "--duration", "0.3", "--drain", "0.5", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  expect_fields(run, {{"lost", 1}, {"reordered", 0}, {"corrupt", 0}});
  expect_said(run, "1 lost messages; first: ");
}

TEST(WsloadPubSub, ADuplicatedDeliveryIsABackwardsStepAndExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::duplicate, 30);
  const LoadRun run = run_wsload({server.url(), "--subscribers", "8", "--publishers", "2", "--rate",
                                  "100", "--duration", "0.3", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  expect_fields(run, {{"reordered", 1}, {"lost", 0}, {"corrupt", 0}});
  expect_said(run, "1 reordered messages; first: connection ");
}

TEST(WsloadPubSub, ACorruptDeliveryExitsNonZero) {
  BroadcastServer server(BroadcastServer::Fault::corrupt, 30);
  const LoadRun run =
      run_wsload({server.url(), "--subscribers", "8", "--publishers", "2", "--rate", "100",
                  "--duration", "0.3", "--drain", "0.5", "--text", "--size", "64", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  // The intact message never came: lost as well.
  expect_fields(run, {{"corrupt", 1}, {"lost", 1}, {"reordered", 0}});
  expect_said(run, "1 corrupt messages; first: connection ");
}

TEST(WsloadPubSub, RejectsWhatPubSubCannotDo) {
  const std::string url = "ws://127.0.0.1:1/broadcast";
  EXPECT_EQ(run_wsload({url, "--subscribers", "5"}).exit_code, 2) << "no --rate";
  EXPECT_EQ(run_wsload({url, "--subscribers", "5", "--rate", "10", "--size", "31"}).exit_code, 2);
  EXPECT_EQ(run_wsload({url, "--subscribers", "5", "--rate", "10", "--connections", "3"}).exit_code,
            2);
  EXPECT_EQ(run_wsload({url, "--subscribers", "5", "--rate", "10", "--broadcast"}).exit_code, 2);
  EXPECT_EQ(run_wsload({url, "--publishers", "2", "--rate", "10"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"tcp://127.0.0.1:1", "--subscribers", "5", "--rate", "10"}).exit_code, 2);
}

TEST(WsloadTcp, RawTcpEchoIsVerified) {
  TcpEchoServer server;
  const LoadRun run =
      run_wsload({"tcp://127.0.0.1:" + std::to_string(server.port()), "--connections", "3",
                  "--pipeline", "3", "--size", "5000", "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages"), 0) << run.describe();
  EXPECT_EQ(run.field("mismatches"), 0) << run.describe();
}

// wss://: wsserver with a certificate from tools/make_cert.sh (a throwaway
// CA and a certificate for localhost and 127.0.0.1), in a temporary
// directory; a second make_cert.sh directory is the wrong CA. Run from the
// repository's root (the script is found as tools/make_cert.sh).
class WsloadTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/wsload_tls_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    for (const char* name : {"/right", "/wrong"}) {
      const ProcessRun made = run_to_exit("/bin/bash", {"tools/make_cert.sh", root_ + name}, 20s);
      ASSERT_EQ(made.exit_code, 0) << "tools/make_cert.sh: " << made.describe();
    }
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) run_to_exit("/bin/rm", {"-rf", root_}, 10s);
  }
  void start_tls_server() {
    std::string error;
    server_ = ServerProcess::start(
        {"--tls-cert", root_ + "/right/cert.pem", "--tls-key", root_ + "/right/key.pem"}, error);
    ASSERT_NE(server_, nullptr) << error;
    ASSERT_NE(server_->banner().find("TLS"), std::string::npos) << server_->banner();
  }
  std::string url() const { return "wss://127.0.0.1:" + std::to_string(server_->port()) + "/echo"; }
  static std::string ca(const char* which) { return root_ + "/" + which + "/ca.pem"; }
  // A quantile of the --json object's "handshake_us", or -1.
  static double handshake(const LoadRun& run, const std::string& quantile) {
    const auto at = run.out.find("\"handshake_us\":{");
    if (at == std::string::npos) return -1;
    const std::string key = "\"" + quantile + "\":";
    const auto q = run.out.find(key, at);
    return q == std::string::npos ? -1 : std::strtod(run.out.c_str() + q + key.size(), nullptr);
  }

  static inline std::string root_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WsloadTls, EchoesOverVerifiedTlsAreCounted) {
  ASSERT_NO_FATAL_FAILURE(start_tls_server());
  const LoadRun run =
      run_wsload({url(), "--ca", ca("right"), "--connections", "10", "--duration", "1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages"), 0) << run.describe();
  expect_fields(
      run,
      {{"mismatches", 0}, {"errors", 0}, {"closes", 0}, {"connect_failures", 0}, {"upgrades", 10}});
  EXPECT_NE(run.out.find("\"tls_protocol\":\"TLSv1.3\""), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("\"verify\":true"), std::string::npos) << run.describe();
  EXPECT_GT(handshake(run, "p50"), 0) << run.describe();
  EXPECT_GE(handshake(run, "p99"), handshake(run, "p50")) << run.describe();
}

TEST_F(WsloadTls, TheWrongCaFailsVerification) {
  ASSERT_NO_FATAL_FAILURE(start_tls_server());
  const LoadRun run =
      run_wsload({url(), "--ca", ca("wrong"), "--connections", "3", "--duration", "0.5", "--json"});
  EXPECT_NE(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.field("connect_failures"), 3) << run.describe();
  EXPECT_EQ(run.field("messages"), 0) << run.describe();
  expect_said(run, "TLS handshake failed: certificate verify failed");
}

TEST_F(WsloadTls, InsecureAcceptsTheWrongCa) {
  ASSERT_NO_FATAL_FAILURE(start_tls_server());
  const LoadRun run = run_wsload({url(), "--ca", ca("wrong"), "--insecure", "--connections", "3",
                                  "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages"), 0) << run.describe();
  EXPECT_NE(run.out.find("\"verify\":false"), std::string::npos) << run.describe();
}

TEST_F(WsloadTls, LargeMessagesCrossManyRecords) {
  ASSERT_NO_FATAL_FAILURE(start_tls_server());
  const LoadRun run = run_wsload({url(), "--ca", ca("right"), "--connections", "2", "--size",
                                  "200000", "--pipeline", "2", "--duration", "0.5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_GT(run.field("messages"), 0) << run.describe();
  EXPECT_EQ(run.field("mismatches"), 0) << run.describe();
}

TEST_F(WsloadTls, PlainWsloadAgainstTheTlsPortFailsToUpgrade) {
  ASSERT_NO_FATAL_FAILURE(start_tls_server());
  const LoadRun run = run_wsload({"ws://127.0.0.1:" + std::to_string(server_->port()) + "/echo",
                                  "--connections", "2", "--duration", "0.3", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  EXPECT_EQ(run.field("connect_failures"), 2) << run.describe();
}

TEST(WsloadTlsSetup, AnUnreadableCaOrTlsFlagsWithoutWssExit2) {
  const LoadRun missing =
      run_wsload({"wss://127.0.0.1:1/echo", "--ca", "/nonexistent/ca.pem", "--duration", "0.1"});
  EXPECT_EQ(missing.exit_code, 2) << missing.describe();
  expect_said(missing, "TLS client setup failed");
  expect_said(missing, "/nonexistent/ca.pem");
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/echo", "--insecure"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"ws://127.0.0.1:1/echo", "--ca", "x.pem"}).exit_code, 2);
  EXPECT_EQ(run_wsload({"wss://127.0.0.1/echo"}).exit_code, 2) << "no port";
}

}  // namespace
}  // namespace wstest
