// tests/support/server_process.cpp: fork/exec of the server, its stdout drained by a thread.
#include "tests/support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace wstest {

std::string server_binary_path() {
  const char* env = std::getenv("WSSERVER");
  return env && *env ? env : "build/wsserver";
}

std::vector<std::string> tls_server_flags() {
  static const std::vector<std::string> flags = [] {
    const char* cert = std::getenv("WSTEST_TLS_CERT");
    const char* key = std::getenv("WSTEST_TLS_KEY");
    if (!cert || !*cert || !key || !*key) return std::vector<std::string>{};
    return std::vector<std::string>{"--tls-cert", cert, "--tls-key", key};
  }();
  return flags;
}

std::vector<std::string> backend_server_flags() {
  const char* backend = std::getenv("WSTEST_BACKEND");
  if (!backend || !*backend) return {};
  return {"--backend", backend};
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "wait status " + std::to_string(status);
}

namespace {

// Port from "wsserver: listening on 127.0.0.1:43817 (epoll, 1 thread)": the
// digits after the last ':' before the first space that follows it.
std::optional<std::uint16_t> parse_port(const std::string& line) {
  std::string head = line;
  const auto paren = head.find(" (");
  if (paren != std::string::npos) head.resize(paren);
  while (!head.empty() && (head.back() == ' ' || head.back() == '\r')) head.pop_back();
  const auto colon = head.rfind(':');
  if (colon == std::string::npos || colon + 1 >= head.size()) return std::nullopt;
  unsigned long value = 0;
  for (std::size_t i = colon + 1; i < head.size(); ++i) {
    if (head[i] < '0' || head[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned long>(head[i] - '0');
    if (value > 65535) return std::nullopt;
  }
  if (value == 0) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits for `pid` until `timeout`, then kills it. Its exit code, or -1.
int wait_or_kill(pid_t pid, std::chrono::milliseconds timeout, std::string& err) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      err = "timed out; ";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

ProcessRun run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout) {
  ProcessRun run;
  if (access(binary.c_str(), X_OK) != 0) {
    run.err = binary + " is not executable (build it with make all)";
    return run;
  }
  // Files rather than pipes: nothing to drain while the program runs.
  char out_path[] = "/tmp/run_to_exit_out_XXXXXX";
  char err_path[] = "/tmp/run_to_exit_err_XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);
  std::vector<std::string> all = {binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == 0) run.exit_code = wait_or_kill(pid, timeout, run.err);
  close(out_fd);
  close(err_fd);
  run.out = slurp(out_path);
  run.err += slurp(err_path);
  unlink(out_path);
  unlink(err_path);
  return run;
}

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& extra_args,
                                                    std::string& error) {
  const std::string binary = server_binary_path();
  if (access(binary.c_str(), X_OK) != 0) {
    error = "server binary " + binary + " is not executable (" + std::strerror(errno) +
            "); set WSSERVER=<path>";
    return nullptr;
  }
  std::vector<std::string> args = {binary, "--host", "127.0.0.1", "--port", "0"};
  const std::vector<std::string> tls = tls_server_flags();
  args.insert(args.end(), tls.begin(), tls.end());
  const std::vector<std::string> backend = backend_server_flags();
  args.insert(args.end(), backend.begin(), backend.end());
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return nullptr;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);            // the duplicate does not inherit O_CLOEXEC
    syscall(SYS_close_range, 3u, ~0u, 0u);  // no test socket may leak into the server
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);

  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->pid_ = pid;
  server->stdout_fd_ = fds[0];
  server->drainer_ = std::thread([s = server.get()] { s->drain_stdout(); });

  std::string line;
  {
    std::unique_lock lock(server->mutex_);
    server->output_changed_.wait_for(lock, std::chrono::seconds(5), [&] {
      return server->output_.find('\n') != std::string::npos || server->stdout_closed_;
    });
    const auto nl = server->output_.find('\n');
    line = server->output_.substr(0, nl);
  }
  const auto port = parse_port(line);
  if (!port) {
    error = "no listening line from " + binary + " within 5 s (stdout so far: \"" + line + "\"";
    if (!server->running()) error += ", " + describe_wait_status(*server->exit_status_);
    error += "); is stdout flushed after the line?";
    return nullptr;  // the destructor stops the process
  }
  server->banner_ = line;
  server->port_ = *port;
  return server;
}

void ServerProcess::drain_stdout() {
  char buf[4096];
  while (!stop_.load()) {
    pollfd p{stdout_fd_, POLLIN, 0};
    const int n = poll(&p, 1, 50);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    const ssize_t got = read(stdout_fd_, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    std::lock_guard lock(mutex_);
    output_.append(buf, static_cast<std::size_t>(got));
    output_changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  stdout_closed_ = true;
  output_changed_.notify_all();
}

ServerProcess::~ServerProcess() {
  if (running()) {
    send_signal(SIGTERM);
    if (!wait_exit(std::chrono::seconds(3))) {
      kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(3));
    }
  }
  stop_ = true;
  if (drainer_.joinable()) drainer_.join();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool ServerProcess::send_signal(int sig) {
  if (exit_status_) return false;
  return kill(pid_, sig) == 0;
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_status_) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = status;
      break;
    }
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return exit_status_;
}

bool ServerProcess::running() { return !wait_exit(std::chrono::milliseconds(0)).has_value(); }

std::string ServerProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

}  // namespace wstest
