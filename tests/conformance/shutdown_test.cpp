// tests/conformance/shutdown_test.cpp: graceful shutdown: on SIGTERM the server
// starts the closing handshake on every open connection with 1001 ("going
// away", RFC 6455 7.4.1), closes them, and exits with status 0. Each test
// starts its own server.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/http_handshake.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"

namespace wstest {
namespace {

class Rfc6455_7_4_1_GoingAway : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = ServerProcess::start({}, error);
    ASSERT_NE(server_, nullptr) << error;
  }

  ::testing::AssertionResult exited_cleanly(std::chrono::milliseconds timeout) {
    const auto status = server_->wait_exit(timeout);
    if (!status)
      return ::testing::AssertionFailure()
             << "still running " << timeout.count() << " ms after SIGTERM";
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      return ::testing::AssertionFailure() << describe_wait_status(*status);
    }
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Rfc6455_7_4_1_GoingAway, IdleServerExitsWithZero) {
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, ServerThatServedClientsExitsWithZero) {
  for (int i = 0; i < 5; ++i) {
    RawClient c;
    ASSERT_TRUE(c.open(server_->port()));
    ASSERT_TRUE(c.echo(kText, "hello"));
    ASSERT_TRUE(c.send_close(1000));
    ASSERT_TRUE(c.expect_close(1000));
  }
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, EveryOpenConnectionGets1001) {
  std::vector<RawClient> clients(6);
  for (auto& c : clients) ASSERT_TRUE(c.open(server_->port()));
  ASSERT_TRUE(clients[1].echo(kText, "busy one"));
  ASSERT_TRUE(clients[2].send_raw(frame_bytes(kText, "inside a message", false)));  // mid-message
  ASSERT_TRUE(clients[3].send_ping("pinged"));
  ASSERT_TRUE(clients[3].expect_pong("pinged"));
  ASSERT_TRUE(clients[4].send_raw(frame_bytes(kBinary, std::string(1000, 'b'), false)));
  std::this_thread::sleep_for(50ms);  // let the server take those in
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].expect_close(1001, /*reply=*/true)) << "client " << i;
  }
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, ClientsThatNeverAnswerTheCloseDoNotHoldTheServer) {
  server_.reset();  // a short wait for the close handshakes keeps this test quick
  std::string error;
  server_ = ServerProcess::start({"--shutdown-timeout", "0.5"}, error);
  ASSERT_NE(server_, nullptr) << error;
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(c.open(server_->port()));
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  for (auto& c : clients) {
    Frame f;
    std::string detail;
    ASSERT_EQ(c.read_frame(f, &detail), ReadStatus::kFrame) << detail;
    ASSERT_EQ(f.opcode, kClose) << describe(f);
  }
  // No Close comes back; the server gives up after --shutdown-timeout (RFC
  // 6455 7.1.1 leaves the wait to the implementation) and exits cleanly.
  ASSERT_TRUE(exited_cleanly(3000ms));
  for (auto& c : clients) ASSERT_TRUE(c.expect_tcp_end());
}

TEST_F(Rfc6455_7_4_1_GoingAway, ConnectionMidHandshakeIsClosed) {
  RawClient ws;
  ASSERT_TRUE(ws.open(server_->port()));
  RawClient half;
  ASSERT_TRUE(half.connect(server_->port()));
  ASSERT_TRUE(half.send_raw("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  ASSERT_TRUE(ws.expect_close(1001, /*reply=*/true));
  // Whatever it says (nothing, or an HTTP error), it must end the connection.
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  bool ended = false;
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    Frame f;
    const ReadStatus s = half.read_frame(f, nullptr, 500ms);
    ended = s == ReadStatus::kEof || s == ReadStatus::kReset;
  }
  ASSERT_TRUE(ended) << "the half-open handshake was not closed";
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, SigintBehavesLikeSigterm) {
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(c.open(server_->port()));
  ASSERT_TRUE(server_->send_signal(SIGINT));
  for (auto& c : clients) ASSERT_TRUE(c.expect_close(1001, /*reply=*/true));
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, FourThreadsAllConnectionsGet1001) {
  server_.reset();  // this one needs --threads
  std::string error;
  server_ = ServerProcess::start({"--threads", "4"}, error);
  ASSERT_NE(server_, nullptr) << error;
  std::vector<RawClient> clients(40);
  for (auto& c : clients) ASSERT_TRUE(c.open(server_->port()));
  for (auto& c : clients) ASSERT_TRUE(c.echo(kText, "spread over loops"));
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].expect_close(1001, /*reply=*/true)) << "client " << i;
  }
  ASSERT_TRUE(exited_cleanly(3000ms));
}

TEST_F(Rfc6455_7_4_1_GoingAway, ManyConnectionsAllGet1001) {
  std::vector<RawClient> clients(50);
  for (auto& c : clients) ASSERT_TRUE(c.open(server_->port()));
  ASSERT_TRUE(server_->send_signal(SIGTERM));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].expect_close(1001, /*reply=*/true)) << "client " << i;
  }
  ASSERT_TRUE(exited_cleanly(3000ms));
}

}  // namespace
}  // namespace wstest
