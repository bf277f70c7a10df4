// tests/support/server_suite.hpp: GoogleTest fixtures that share one server per
// test suite (started in SetUpTestSuite, stopped in TearDownTestSuite). A suite
// that needs flags hides SetUpTestSuite:
//
//   class Limits : public wstest::ServerSuite {
//    public:
//     static void SetUpTestSuite() { start_server({"--max-message", "65536"}); }
//   };
//
// After every test the fixture checks the server is still alive; if the
// test killed it, that test fails with the exit status and a fresh server is
// started for the next one, so one crash is reported once, where it happens.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"

namespace wstest {

class ServerSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite() { start_server({}); }
  static void TearDownTestSuite() { stop_server(); }

 protected:
  static void start_server(std::vector<std::string> flags);
  static void stop_server();
  static ServerProcess* server() { return server_.get(); }
  static std::uint16_t port() { return server_ ? server_->port() : 0; }

  void SetUp() override;
  void TearDown() override;

 private:
  static inline std::unique_ptr<ServerProcess> server_;
  static inline std::vector<std::string> flags_;
  static inline std::string start_error_;
};

template <typename Param>
class ServerSuiteWithParam : public ServerSuite, public ::testing::WithParamInterface<Param> {};

// Opens an echo connection or fails the current test (use in a TEST body:
// the macro returns from it).
#define WSTEST_OPEN(client)   \
  ::wstest::RawClient client; \
  ASSERT_TRUE(client.open(port()))

}  // namespace wstest
