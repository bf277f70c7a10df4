// tests/conformance/startup_test.cpp: start-up of the server binary. A port
// one server already serves is refused to a second one ("Address already in
// use", exit 1), although one server's loops share it through SO_REUSEPORT;
// and a port freed by a stopped server can be taken again at once, even
// with its connections in TIME_WAIT.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

using namespace std::chrono_literals;

// A second server on `port`, which must fail at start (it is killed if it
// does not exit within a few seconds).
ProcessRun second_server(std::uint16_t port, std::vector<std::string> flags = {}) {
  std::vector<std::string> args = {"--host", "127.0.0.1", "--port", std::to_string(port)};
  args.insert(args.end(), flags.begin(), flags.end());
  return run_to_exit(server_binary_path(), args, 5s);
}

void expect_address_in_use(const ProcessRun& run, std::uint16_t port) {
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  const std::string message =
      "wsserver: cannot start: bind 127.0.0.1:" + std::to_string(port) + ": Address already in use";
  EXPECT_NE(run.err.find(message), std::string::npos) << run.describe();
}

class SecondServerOnTheSamePort : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--threads", "2"}); }
};

TEST_F(SecondServerOnTheSamePort, FailsWithAddressInUse) {
  expect_address_in_use(second_server(port()), port());
  expect_address_in_use(second_server(port(), {"--threads", "4"}), port());
  WSTEST_OPEN(client);  // the first is unharmed
  ASSERT_TRUE(client.echo(kText, "still the first server"));
}

TEST(Startup, PortOfAStoppedServerCanBeTakenAgain) {
  std::string error;
  auto first = ServerProcess::start({}, error);
  ASSERT_TRUE(first) << error;
  const std::uint16_t port = first->port();
  {
    // The server closes this connection first (shutdown's 1001), so its
    // side is left in TIME_WAIT, which must not block the restart: the
    // probe sets SO_REUSEADDR too.
    RawClient client;
    ASSERT_TRUE(client.open(port));
    ASSERT_TRUE(client.echo(kText, "before the restart"));
    ASSERT_TRUE(first->send_signal(SIGTERM));
    ASSERT_TRUE(client.expect_close(1001, true));
  }
  const auto status = first->wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(describe_wait_status(*status), "exited with status 0");
  auto second = ServerProcess::start({"--port", std::to_string(port)}, error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->port(), port);
  RawClient client;
  ASSERT_TRUE(client.open(port));
  ASSERT_TRUE(client.echo(kText, "after the restart"));
}

}  // namespace
}  // namespace wstest
