// tests/support/tls_client.hpp: the test clients' TLS (wss://), an OpenSSL
// client over a socket the caller owns and polls.
//
// TLS mode is one process-wide setting, read once from the environment:
// WSTEST_TLS_CA=/path/ca.pem makes every RawClient and NonReadingClient speak
// TLS (1.2 or later, ALPN http/1.1) to the server, trusting that CA and
// verifying the name 127.0.0.1 (the address they connect to). Unset: plain
// TCP, as before. tests/run_all.sh's stage conformance-tls sets it, together
// with WSTEST_TLS_CERT and WSTEST_TLS_KEY for the servers the tests start
// (tests/support/server_process.cpp).
//
// TlsStream never blocks and never polls: each call says what it needs
// (readable, writable) and the caller waits for it, so the clients keep
// their own bounded waits. Not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace wstest {

// $WSTEST_TLS_CA, read once; empty when TLS mode is off.
const std::string& tls_ca_file();
inline bool tls_mode() { return !tls_ca_file().empty(); }

// Skips the current test in TLS mode (use in a TEST body: the macro returns).
#define WSTEST_SKIP_OVER_TLS(reason) \
  if (::wstest::tls_mode()) GTEST_SKIP() << "not over TLS: " << (reason)

class TlsStream {
 public:
  enum class Io { kDone, kWantRead, kWantWrite, kEof, kReset, kError, kTimeout };

  // A client session on `fd` (connected, non-blocking; still the caller's).
  // Fails if the CA file cannot be loaded.
  static ::testing::AssertionResult attach(int fd, std::unique_ptr<TlsStream>& out);

  // The TLS handshake, each wait for the socket bounded by `deadline`
  // (poll-driven retries); the failure names OpenSSL's error.
  ::testing::AssertionResult handshake(std::chrono::steady_clock::time_point deadline);

  // Up to `n` bytes into `buf`; `got` is set on kDone. kEof: the peer's
  // close_notify, or a TCP end without it.
  Io read(char* buf, std::size_t n, std::size_t& got);
  // read(), waiting for the socket (poll) as the session asks until
  // `deadline`: kDone, kEof, kReset, kError, or kTimeout. A wake-up that
  // brings no application data (part of a record, a session ticket) waits
  // again. What the session already holds is read without a wait.
  Io read_until(char* buf, std::size_t n, std::size_t& got,
                std::chrono::steady_clock::time_point deadline);
  // Some of `n` bytes (partial writes: each record as it goes); `put` on kDone.
  Io write(const char* buf, std::size_t n, std::size_t& put);

  // Bytes inside the session that are already off the socket: read them
  // before polling the socket, which may never wake for them.
  bool has_pending() const;

  // What went wrong in the last kError (OpenSSL's queue, or errno).
  const std::string& error() const { return error_; }

 private:
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  TlsStream() = default;
  Io classify(int ret, const char* what);

  int fd_ = -1;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string error_;
};

}  // namespace wstest
