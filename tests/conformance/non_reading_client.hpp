// tests/conformance/non_reading_client.hpp: a WebSocket client that reads
// only when the test says so, for what the server does when its peer does
// not read (backpressure, shutdown with a queue). RawClient always reads
// while it sends; this one never does. A small receive buffer (set before
// connecting, so the window is small from the start) makes the server's
// output back up quickly. Header-only, local to these tests.
//
// In TLS mode (WSTEST_TLS_CA, tests/support/tls_client.hpp) it speaks TLS
// too, and still never reads unless told: TLS adds nothing that needs a read
// to send, so the server's output backs up the same way (as TLS records).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "tests/support/frame_codec.hpp"
#include "tests/support/http_handshake.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/tls_client.hpp"

namespace wstest {

class NonReadingClient {
 public:
  NonReadingClient() = default;
  ~NonReadingClient() {
    tls_.reset();
    if (fd_ >= 0) ::close(fd_);
  }
  NonReadingClient(const NonReadingClient&) = delete;
  NonReadingClient& operator=(const NonReadingClient&) = delete;

  // Connects with a `receive_buffer`-byte SO_RCVBUF, upgrades on /echo.
  ::testing::AssertionResult open(std::uint16_t port, int receive_buffer = 4096) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      return ::testing::AssertionFailure() << "connect: " << std::strerror(errno);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    if (tls_mode()) {
      if (auto r = TlsStream::attach(fd_, tls_); !r) return r;
      if (auto r = tls_->handshake(std::chrono::steady_clock::now() + kTimeout); !r) return r;
    }
    const std::string request =
        UpgradeRequest::standard("127.0.0.1:" + std::to_string(port)).render();
    if (send_some(request, std::chrono::milliseconds(2000)) != request.size())
      return ::testing::AssertionFailure() << "could not send the upgrade request";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
    std::size_t end;
    while ((end = rx_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return ::testing::AssertionFailure() << "no 101: " << rx_;
    }
    HttpResponse response;
    if (!parse_response_head(std::string_view(rx_).substr(0, end + 4), response) ||
        response.status != 101)
      return ::testing::AssertionFailure() << "not a 101: " << rx_.substr(0, end);
    rx_.erase(0, end + 4);
    return ::testing::AssertionSuccess();
  }

  // Sends what the kernel takes of `bytes` until it refuses more for
  // `patience`; returns how much was sent. Never reads.
  std::size_t send_some(std::string_view bytes, std::chrono::milliseconds patience) {
    if (tls_) return send_some_tls(bytes, patience);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) {
        error_ = errno;
        break;
      }
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) break;
    }
    return sent;
  }

  // The next frame, reading as needed, within `timeout`.
  ReadStatus read_frame(Frame& frame, std::chrono::milliseconds timeout = kTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const DecodeResult result = decode_frame(rx_, frame);
      if (result.status == DecodeStatus::kFrame) {
        rx_.erase(0, result.consumed);
        return ReadStatus::kFrame;
      }
      if (result.status == DecodeStatus::kInvalid) return ReadStatus::kMalformed;
      if (!fill(deadline)) {
        if (eof_) return ReadStatus::kEof;
        return error_ == ECONNRESET ? ReadStatus::kReset : ReadStatus::kTimeout;
      }
    }
  }

  // True once the server has ended the connection (EOF or reset), reading
  // and discarding whatever comes first, within `timeout`.
  bool ended_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && error_ == 0) {
      rx_.clear();
      if (!fill(deadline) && std::chrono::steady_clock::now() >= deadline) break;
    }
    return eof_ || error_ != 0;
  }

  int last_error() const { return error_; }
  int fd() const { return fd_; }

 private:
  std::size_t send_some_tls(std::string_view bytes, std::chrono::milliseconds patience) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      std::size_t put = 0;
      const TlsStream::Io io = tls_->write(bytes.data() + sent, bytes.size() - sent, put);
      if (io == TlsStream::Io::kDone) {
        sent += put;
        continue;
      }
      if (io != TlsStream::Io::kWantWrite) {  // WANT_READ only in a renegotiation: never here
        error_ = io == TlsStream::Io::kReset ? ECONNRESET : io == TlsStream::Io::kEof ? EPIPE : EIO;
        break;
      }
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) break;
    }
    return sent;
  }

  // fill() over TLS: what the session holds first, then the socket.
  bool fill_tls(std::chrono::steady_clock::time_point deadline) {
    char buffer[65536];
    std::size_t got = 0;
    const TlsStream::Io io = tls_->read_until(buffer, sizeof buffer, got, deadline);
    if (io == TlsStream::Io::kDone) rx_.append(buffer, got);
    if (io == TlsStream::Io::kEof) eof_ = true;
    if (io == TlsStream::Io::kReset) error_ = ECONNRESET;
    if (io == TlsStream::Io::kError) error_ = EIO;
    return io == TlsStream::Io::kDone;
  }

  // Reads once (waiting until `deadline`); false on timeout, EOF or error.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (tls_) return fill_tls(deadline);
    for (;;) {
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        rx_.append(buffer, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) {
        eof_ = true;
        return false;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        error_ = errno;
        return false;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    }
  }

  int fd_ = -1;
  std::unique_ptr<TlsStream> tls_;  // TLS mode only
  std::string rx_;
  bool eof_ = false;
  int error_ = 0;
};

// The resident set of a process, from /proc/<pid>/status (VmRSS), in KiB.
inline long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace wstest
