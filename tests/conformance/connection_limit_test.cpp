// tests/conformance/connection_limit_test.cpp: --max-connections. Past it a
// new upgrade is answered 503 and closed; the connections already open are
// not affected, and a place freed by a close is taken by the next client.
// The count is one for the whole server, whatever the number of loops.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

// Opens a connection, retrying briefly while a freed place is still being
// released (the server frees it when the old connection's end is processed).
::testing::AssertionResult open_eventually(RawClient& client, std::uint16_t port) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    RawClient fresh;
    if (fresh.open(port)) {
      client = std::move(fresh);
      return ::testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(25ms);
  }
  return ::testing::AssertionFailure() << "no place freed";
}

class MaxConnections : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--max-connections", "3"}); }
};

TEST_F(MaxConnections, UpgradePastTheLimitGets503AndOthersKeepEchoing) {
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(c.open(port()));
  for (int i = 0; i < 3; ++i) {
    RawClient extra;
    ASSERT_TRUE(extra.connect(port()));
    ASSERT_TRUE(extra.send_raw(UpgradeRequest::standard("127.0.0.1").render()));
    ASSERT_TRUE(extra.expect_http_rejection(503)) << "attempt " << i;
  }
  for (std::size_t i = 0; i < clients.size(); ++i)
    ASSERT_TRUE(clients[i].echo(kText, "unaffected " + std::to_string(i)));
  for (auto& c : clients) {
    ASSERT_TRUE(c.send_close(1000));
    ASSERT_TRUE(c.expect_close(1000));
  }
}

TEST_F(MaxConnections, AClosedConnectionFreesItsPlace) {
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(open_eventually(c, port()));
  ASSERT_TRUE(clients[0].send_close(1000));
  ASSERT_TRUE(clients[0].expect_close(1000));
  // The place is held until the socket is really closed: the server waits
  // for our FIN after its close (bounded by --close-timeout).
  clients[0].close();
  RawClient next;
  ASSERT_TRUE(open_eventually(next, port()));
  ASSERT_TRUE(next.echo(kText, "took the freed place"));
  clients[1].reset();  // an abrupt end frees a place too
  RawClient after_reset;
  ASSERT_TRUE(open_eventually(after_reset, port()));
  ASSERT_TRUE(after_reset.echo(kText, "took the place of a reset"));
}

TEST_F(MaxConnections, ConnectionsNotYetUpgradedDoNotCount) {
  std::vector<RawClient> pending(5);
  for (auto& c : pending) ASSERT_TRUE(c.connect(port()));
  std::vector<RawClient> clients(3);
  for (auto& c : clients) ASSERT_TRUE(open_eventually(c, port()));
}

class MaxConnectionsOverFourLoops : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--max-connections", "5", "--threads", "4"}); }
};

TEST_F(MaxConnectionsOverFourLoops, TheLimitIsForTheWholeServer) {
  std::vector<RawClient> clients(5);
  for (auto& c : clients) ASSERT_TRUE(c.open(port()));
  for (int i = 0; i < 8; ++i) {  // whichever loop the kernel picks
    RawClient extra;
    ASSERT_TRUE(extra.connect(port()));
    ASSERT_TRUE(extra.send_raw(UpgradeRequest::standard("127.0.0.1").render()));
    ASSERT_TRUE(extra.expect_http_rejection(503)) << "attempt " << i;
  }
  for (auto& c : clients) ASSERT_TRUE(c.echo(kBinary, "fine"));
}

}  // namespace
}  // namespace wstest
