// tests/support/backend_loop.hpp: an EventLoop on either backend, on its own
// thread, serving a tiny protocol over real loopback sockets, for the tests
// of the backend seam (tests/net/backend_test.cpp) and of what only io_uring
// does (tests/net/uring_backend_test.cpp). No WebSocket: what is tested is
// how bytes move, not what they mean.
//
// The protocol: every read is echoed, except one that starts with '#',
// which is a command (a client sends each command alone and gives it a
// moment, so that it arrives as one read):
//   "#big N"     write N bytes of pattern() in one write()
//   "#abort"     abort()
//   "#close MS"  close_gracefully(MS milliseconds)
//   "#pause N"   set_read_pause_mark(N), set_low_water_mark(N / 4): an echo
//                to a client that does not read stops reading at N queued
// pattern() never contains '#', so streamed test data is never taken for a
// command however the kernel splits it.
//
// Clients are plain blocking or non-blocking sockets (tests/support/loopback.hpp),
// never net::sys, so fault injection cannot touch them.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "net/uring_probe.hpp"
#include "tests/support/loopback.hpp"

namespace wstest {

using namespace std::chrono_literals;

// ---- test data ----

// 24 MiB of bytes from [a-z0-9], each a hash of its position, so bytes that
// arrive out of order, twice, or from another client's stream are caught.
// Built once per process (the loop's thread and the test's share it).
inline const std::string& pattern() {
  static const std::string bytes = [] {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(24u << 20, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::uint64_t x = i * 0x9E3779B97F4A7C15ull;
      x ^= x >> 29;
      out[i] = alphabet[x % 36];
    }
    return out;
  }();
  return bytes;
}

// `size` bytes of the pattern from `offset` (wrapping): one stream per client.
inline std::string pattern_at(std::size_t offset, std::size_t size) {
  const std::string& all = pattern();
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    offset %= all.size();
    const std::size_t take = std::min(size - out.size(), all.size() - offset);
    out.append(all, offset, take);
    offset += take;
  }
  return out;
}

// ---- the server ----

// What the loop's handlers saw, for the test thread to read.
struct ServerLog {
  std::atomic<int> accepted{0};
  std::atomic<int> disconnected{0};
  std::atomic<int> failed{0};      // ended with error() set: a reset, a failed send
  std::atomic<int> last_error{0};  // the error() of the last of them
  // "#abort" and "#close" record what the connection held at that moment.
  std::atomic<int> closed_backed_up{0};  // its output was backed up
  std::atomic<int> closed_sending{0};    // a send was in the kernel's hands (io_uring)
  std::atomic<std::size_t> least_queued_at_close{SIZE_MAX};
};

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class EchoCommandHandler : public net::StreamHandler {
 public:
  EchoCommandHandler(net::Connection& connection, ServerLog& log)
      : connection_(connection), log_(log) {
    ++log_.accepted;
  }

  void on_data(std::span<std::uint8_t> bytes) override {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!text.starts_with('#')) return connection_.write(bytes);
    if (text.starts_with("#big ")) {
      const std::size_t size = number_after(text, "#big ");
      return connection_.write(as_bytes(std::string_view(pattern()).substr(0, size)));
    }
    if (text.starts_with("#pause ")) {
      const std::size_t mark = number_after(text, "#pause ");
      connection_.set_read_pause_mark(mark);
      return connection_.set_low_water_mark(mark / 4);
    }
    note_close();
    if (text.starts_with("#abort")) return connection_.abort();
    if (text.starts_with("#close "))
      return connection_.close_gracefully(std::chrono::milliseconds(number_after(text, "#close ")));
    ADD_FAILURE() << "unknown command " << text;
  }
  void on_end_of_input() override { connection_.close_gracefully(2000ms); }
  void on_shutdown() override { connection_.close_gracefully(1000ms); }
  void on_disconnect() override {
    if (connection_.error() != 0) {
      log_.last_error = connection_.error();
      ++log_.failed;
    }
    ++log_.disconnected;
  }

 private:
  static std::size_t number_after(std::string_view text, std::string_view prefix) {
    std::size_t n = 0;
    text.remove_prefix(prefix.size());
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
  }
  void note_close() {
    if (connection_.backed_up()) ++log_.closed_backed_up;
    if (connection_.sending()) ++log_.closed_sending;
    const std::size_t queued = connection_.buffered_bytes();
    std::size_t least = log_.least_queued_at_close;
    while (queued < least && !log_.least_queued_at_close.compare_exchange_weak(least, queued)) {
    }
  }

  net::Connection& connection_;
  ServerLog& log_;
};

// Empty if `kind` can run here, else why not (for GTEST_SKIP).
inline std::string why_unusable(net::BackendKind kind) {
  if (kind == net::BackendKind::epoll) return {};
  std::string why;
  return net::probe_uring().usable(why) ? std::string() : "io_uring is not usable here: " + why;
}

// The loop, serving EchoCommandHandler on 127.0.0.1:port(); stopped and
// joined when destroyed.
class BackendLoop {
 public:
  explicit BackendLoop(net::BackendKind kind)
      : listener_(net::listen_tcp("127.0.0.1", 0)),
        port_(net::local_port(listener_.get())),
        loop_(
            std::move(listener_),
            [this](net::Connection& c) { return std::make_unique<EchoCommandHandler>(c, log); },
            options(kind)),
        thread_([this] { loop_.run(); }) {}
  ~BackendLoop() { stop(); }
  BackendLoop(const BackendLoop&) = delete;
  BackendLoop& operator=(const BackendLoop&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  net::EventLoop& loop() noexcept { return loop_; }
  void stop() {
    loop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  // EventLoop::connection_count(), read on the loop's thread (it is not
  // atomic); SIZE_MAX if the loop did not answer within a second.
  std::size_t connection_count() {
    auto answer = std::make_shared<std::promise<std::size_t>>();
    std::future<std::size_t> future = answer->get_future();
    loop_.defer([this, answer] { answer->set_value(loop_.connection_count()); });
    return future.wait_for(1s) == std::future_status::ready ? future.get() : SIZE_MAX;
  }

  ServerLog log;

 private:
  static net::EventLoop::Options options(net::BackendKind kind) {
    net::EventLoop::Options options;
    options.shutdown_timeout = 2000ms;
    options.backend = kind;
    return options;
  }

  net::UniqueFd listener_;
  std::uint16_t port_;
  net::EventLoop loop_;
  std::thread thread_;
};

// ---- clients ----

inline void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "send: " << std::strerror(errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A command, alone in its read: sent, then a moment for the loop to read it.
inline void command(int fd, std::string_view text) {
  send_all(fd, text);
  std::this_thread::sleep_for(50ms);
}

// How a client's reading ended.
struct Received {
  std::string bytes;
  enum class End { wanted, eof, reset, timeout } end = End::timeout;
};

// Reads until `size` bytes came (End::wanted), the peer closed or reset, or
// nothing at all arrived for `quiet`.
inline Received read_up_to(int fd, std::size_t size, std::chrono::milliseconds quiet = 3000ms) {
  Received out;
  while (out.bytes.size() < size) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) return out;  // End::timeout
    char buffer[65536];
    const std::size_t want = std::min(sizeof buffer, size - out.bytes.size());
    const ssize_t n = ::recv(fd, buffer, want, 0);
    if (n == 0 || n < 0) {
      out.end = n == 0 ? Received::End::eof : Received::End::reset;
      return out;
    }
    out.bytes.append(buffer, static_cast<std::size_t>(n));
  }
  out.end = Received::End::wanted;
  return out;
}

// Reads and throws away until the peer closes or resets (what that was is
// returned, with the byte count), or nothing arrives for `quiet`.
inline Received::End drain_to_end(int fd, std::size_t* count = nullptr,
                                  std::chrono::milliseconds quiet = 3000ms) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) return Received::End::timeout;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return Received::End::eof;
    if (n < 0) return Received::End::reset;
    if (count) *count += static_cast<std::size_t>(n);
  }
}

// Closes with a reset rather than a FIN (SO_LINGER with a zero timeout).
inline void reset_connection(net::UniqueFd& fd) {
  const linger hard{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  fd.reset();
}

// One of many clients streaming at once: sends `out`, collects the echo.
struct StreamingClient {
  net::UniqueFd fd;
  std::string out;
  std::size_t sent = 0;
  std::string in;
  bool ended = false;  // the server closed or reset it
};

// Connects `count` clients, each with its own stream of `size` bytes.
inline std::vector<StreamingClient> streaming_clients(std::uint16_t port, int count,
                                                      std::size_t size) {
  std::vector<StreamingClient> clients(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    clients[i].fd = connect_loopback(port);
    clients[i].out = pattern_at(static_cast<std::size_t>(i) * 7919 * 61, size);
  }
  return clients;
}

// Drives every client at once, non-blocking, with one poll() over all of
// them: each sends its stream (at most `chunk` bytes per send) as fast as
// the server takes it and reads back what comes. Returns once every client
// has got as much as it sent (true), or some client's connection ended, or
// `timeout` passed (false).
inline bool stream_all(std::vector<StreamingClient>& clients, std::size_t chunk,
                       std::chrono::milliseconds timeout) {
  for (auto& client : clients) {
    if (!client.fd) return false;
    ::fcntl(client.fd.get(), F_SETFL, ::fcntl(client.fd.get(), F_GETFL) | O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<pollfd> polled(clients.size());
  std::vector<char> buffer(256 * 1024);
  for (;;) {
    std::size_t done = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const StreamingClient& client = clients[i];
      if (client.ended) return false;
      if (client.in.size() >= client.out.size()) ++done;
      polled[i] = {client.fd.get(),
                   static_cast<short>(POLLIN | (client.sent < client.out.size() ? POLLOUT : 0)), 0};
    }
    if (done == clients.size()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (::poll(polled.data(), polled.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      StreamingClient& client = clients[i];
      if (polled[i].revents & POLLOUT) {
        const std::size_t n = std::min(chunk, client.out.size() - client.sent);
        const ssize_t wrote =
            ::send(client.fd.get(), client.out.data() + client.sent, n, MSG_NOSIGNAL);
        if (wrote > 0) client.sent += static_cast<std::size_t>(wrote);
      }
      if (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t got = ::recv(client.fd.get(), buffer.data(), buffer.size(), 0);
        if (got > 0) client.in.append(buffer.data(), static_cast<std::size_t>(got));
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) client.ended = true;
      }
    }
  }
}

// ---- the process ----

// Descriptors this process has open now.
inline std::size_t open_fd_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

// This process's resident memory (VmRSS), in bytes.
inline std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::stoul(line.substr(6)) * 1024;
  return 0;
}

// Raises the soft RLIMIT_NOFILE to at least `wanted` (within the hard limit)
// for its lifetime, and puts the old one back. ok() says whether it could.
class FdLimit {
 public:
  explicit FdLimit(rlim_t wanted) {
    ::getrlimit(RLIMIT_NOFILE, &old_);
    rlimit raised = old_;
    if (raised.rlim_cur < wanted) raised.rlim_cur = std::min(wanted, raised.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &raised);
    ::getrlimit(RLIMIT_NOFILE, &now_);
  }
  ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &old_); }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;
  bool ok(rlim_t wanted) const noexcept { return now_.rlim_cur >= wanted; }
  rlim_t soft() const noexcept { return now_.rlim_cur; }

 private:
  rlimit old_{};
  rlimit now_{};
};

}  // namespace wstest
