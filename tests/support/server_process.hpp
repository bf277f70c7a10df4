// tests/support/server_process.hpp: the server under test as a child process
// (a black box). start() runs $WSSERVER (default build/wsserver) with
// `--host 127.0.0.1 --port 0` plus extra flags, and reads the port from its
// first stdout line, e.g.
//
//   wsserver: listening on 127.0.0.1:43817 (epoll, 1 thread)
//
// With WSTEST_TLS_CERT and WSTEST_TLS_KEY set (tests/run_all.sh's stage
// conformance-tls), every server started here serves wss:// only:
// `--tls-cert $WSTEST_TLS_CERT --tls-key $WSTEST_TLS_KEY` come before the
// test's own flags (so a test's later flag still wins, and it can see them).
// run_to_exit() adds nothing: it runs what it is given.
//
// The destructor sends SIGTERM, waits up to 3 s, then SIGKILLs. The child dies
// with the test process too (PR_SET_PDEATHSIG), so a crashed suite leaves no
// server behind. Not thread-safe: use from the test thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wstest {

// $WSSERVER, or build/wsserver relative to the working directory.
std::string server_binary_path();

// {"--tls-cert", $WSTEST_TLS_CERT, "--tls-key", $WSTEST_TLS_KEY} when both
// are set, else empty; read once.
std::vector<std::string> tls_server_flags();
// "--backend NAME" when WSTEST_BACKEND is set (run_all.sh runs the suites
// once per backend); else nothing: the server's default (auto).
std::vector<std::string> backend_server_flags();

class ServerProcess {
 public:
  // Starts the server and waits (up to 5 s) for the listening line. On
  // failure returns null and says why in `error`.
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& extra_args,
                                              std::string& error);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& banner() const { return banner_; }

  // Sends `sig`; false if the process is already reaped.
  bool send_signal(int sig);

  // Waits for the process to exit; returns the waitpid() status, or nullopt
  // on timeout. Once reaped, later calls return the same status.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  // True while the process has not exited.
  bool running();

  // Everything the server wrote to stdout so far.
  std::string output() const;

 private:
  ServerProcess() = default;
  void drain_stdout();

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string banner_;
  std::optional<int> exit_status_;
  int stdout_fd_ = -1;
  std::thread drainer_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string output_;
  bool stdout_closed_ = false;
};

// Renders a waitpid() status ("exited with 0", "killed by signal 11").
std::string describe_wait_status(int status);

// A program run to its end with its output captured (for tools and for
// servers expected to fail at start).
struct ProcessRun {
  int exit_code = -1;  // -1: did not exit normally (killed, timed out, not started)
  std::string out, err;

  std::string describe() const {
    return "exit " + std::to_string(exit_code) + "\nstdout: " + out + "\nstderr: " + err;
  }
};

// Runs `binary` with `args`, killing it if it outlives `timeout`.
ProcessRun run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout);

}  // namespace wstest
