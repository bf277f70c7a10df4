// tests/support/server_suite.cpp: one server per test suite, restarted after a crash.
#include "tests/support/server_suite.hpp"

namespace wstest {

void ServerSuite::start_server(std::vector<std::string> flags) {
  flags_ = std::move(flags);
  start_error_.clear();
  server_ = ServerProcess::start(flags_, start_error_);
}

void ServerSuite::stop_server() { server_.reset(); }

void ServerSuite::SetUp() {
  // Not retried here: a server that fails to start would cost every test
  // the start-up timeout.
  ASSERT_NE(server_, nullptr) << "server did not start: " << start_error_;
}

void ServerSuite::TearDown() {
  if (!server_ || server_->running()) return;
  const auto status = server_->wait_exit(std::chrono::milliseconds(0));
  ADD_FAILURE() << "the server died during this test: "
                << (status ? describe_wait_status(*status) : std::string("unknown status"))
                << "; restarting it for the next test";
  server_ = ServerProcess::start(flags_, start_error_);
}

}  // namespace wstest
