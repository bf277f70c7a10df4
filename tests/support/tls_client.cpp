// tests/support/tls_client.cpp: the test clients' OpenSSL session (one SSL_CTX per process).
#include "tests/support/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace wstest {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using Clock = std::chrono::steady_clock;

namespace {

// The clients connect to 127.0.0.1, and the certificate must say so.
constexpr const char* kServerAddress = "127.0.0.1";

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

// OpenSSL's error queue as text (emptied), or `fallback` when it is empty.
std::string openssl_errors(const std::string& fallback) {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? fallback : out;
}

// The process's client context, made on first use; null (with `error`) if
// the CA cannot be loaded.
SSL_CTX* client_context(std::string& error) {
  static std::string failure;
  static const std::unique_ptr<SSL_CTX, SslCtxFree> ctx = [] {
    std::unique_ptr<SSL_CTX, SslCtxFree> c(SSL_CTX_new(TLS_client_method()));
    if (!c) {
      failure = "SSL_CTX_new: " + openssl_errors("failed");
      return c;
    }
    SSL_CTX_set_min_proto_version(c.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(c.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(c.get(), tls_ca_file().c_str(), nullptr) != 1) {
      failure = "cannot load WSTEST_TLS_CA=" + tls_ca_file() + ": " + openssl_errors("failed");
      c.reset();
      return c;
    }
    static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(c.get(), alpn, sizeof alpn);
    // Each SSL_write returns once a record is out; a retry after WANT_WRITE
    // may come from a buffer moved since (the callers' strings).
    SSL_CTX_set_mode(c.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // A TCP end without close_notify reads as an end (kEof), as a plain
    // client sees it, not as an error.
    SSL_CTX_set_options(c.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    // OpenSSL writes with write(2), not send(MSG_NOSIGNAL): a write to a
    // connection the server has reset must fail (EPIPE), not kill the suite.
    // (ServerProcess restores SIGPIPE's default in the servers it starts.)
    ::signal(SIGPIPE, SIG_IGN);
    return c;
  }();
  if (!ctx) error = failure;
  return ctx.get();
}

}  // namespace

const std::string& tls_ca_file() {
  static const std::string file = [] {
    const char* env = std::getenv("WSTEST_TLS_CA");
    return std::string(env ? env : "");
  }();
  return file;
}

AssertionResult TlsStream::attach(int fd, std::unique_ptr<TlsStream>& out) {
  std::string error;
  SSL_CTX* ctx = client_context(error);
  if (!ctx) return AssertionFailure() << "TLS: " << error;
  std::unique_ptr<TlsStream> stream(new TlsStream());
  stream->fd_ = fd;
  stream->ssl_.reset(SSL_new(ctx));
  if (!stream->ssl_) return AssertionFailure() << "SSL_new: " << openssl_errors("failed");
  SSL* ssl = stream->ssl_.get();
  // An IP address is matched against the certificate's iPAddress SAN (and
  // sent as no SNI: RFC 6066 3 allows host names only).
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), kServerAddress) != 1)
    return AssertionFailure() << "X509_VERIFY_PARAM_set1_ip_asc: " << openssl_errors("failed");
  if (SSL_set_fd(ssl, fd) != 1)
    return AssertionFailure() << "SSL_set_fd: " << openssl_errors("failed");
  SSL_set_connect_state(ssl);
  out = std::move(stream);
  return AssertionSuccess();
}

AssertionResult TlsStream::handshake(Clock::time_point deadline) {
  for (;;) {
    ERR_clear_error();
    const int ret = SSL_connect(ssl_.get());
    if (ret == 1) break;
    const int err = SSL_get_error(ssl_.get(), ret);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) events = POLLIN;
    if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      std::string why = openssl_errors(err == SSL_ERROR_SYSCALL && errno != 0
                                           ? std::string(std::strerror(errno))
                                           : "SSL_get_error " + std::to_string(err));
      const long verify = SSL_get_verify_result(ssl_.get());
      if (verify != X509_V_OK)
        why += std::string(" (verify: ") + X509_verify_cert_error_string(verify) + ")";
      return AssertionFailure() << "TLS handshake failed: " << why;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return AssertionFailure() << "TLS handshake timed out";
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return AssertionFailure() << "poll: " << std::strerror(errno);
  }
  const unsigned char* proto = nullptr;
  unsigned proto_len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &proto, &proto_len);
  if (proto_len != 0 &&
      std::string(reinterpret_cast<const char*>(proto), proto_len) != "http/1.1") {
    return AssertionFailure() << "TLS: the server chose ALPN \""
                              << std::string(reinterpret_cast<const char*>(proto), proto_len)
                              << "\", not http/1.1";
  }
  return AssertionSuccess();
}

TlsStream::Io TlsStream::classify(int ret, const char* what) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:  // close_notify (or, with IGNORE_UNEXPECTED_EOF, a bare TCP end)
      return Io::kEof;
    case SSL_ERROR_SYSCALL:
      if (saved_errno == ECONNRESET || saved_errno == EPIPE) {
        ERR_clear_error();
        return Io::kReset;
      }
      if (saved_errno == 0 && ERR_peek_error() == 0) return Io::kEof;
      error_ = std::string(what) + ": " +
               openssl_errors(saved_errno ? std::strerror(saved_errno) : "syscall error");
      return Io::kError;
    default:
      error_ = std::string(what) + ": " + openssl_errors("failed");
      return Io::kError;
  }
}

TlsStream::Io TlsStream::read(char* buf, std::size_t n, std::size_t& got) {
  ERR_clear_error();
  errno = 0;
  std::size_t done = 0;
  const int ret = SSL_read_ex(ssl_.get(), buf, n, &done);
  if (ret == 1) {
    got = done;
    return Io::kDone;
  }
  return classify(ret, "SSL_read");
}

TlsStream::Io TlsStream::read_until(char* buf, std::size_t n, std::size_t& got,
                                    Clock::time_point deadline) {
  short wait_for = POLLIN;
  for (;;) {
    if (!has_pending()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd_, wait_for, 0};
      const int ready = ::poll(&p, 1, left > 0 ? static_cast<int>(left) : 0);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return Io::kTimeout;
      if (ready < 0) {
        error_ = std::string("poll: ") + std::strerror(errno);
        return Io::kError;
      }
    }
    const Io io = read(buf, n, got);
    if (io == Io::kWantRead || io == Io::kWantWrite) {
      wait_for = io == Io::kWantRead ? POLLIN : POLLOUT;
      continue;
    }
    return io;
  }
}

TlsStream::Io TlsStream::write(const char* buf, std::size_t n, std::size_t& put) {
  ERR_clear_error();
  errno = 0;
  std::size_t done = 0;
  const int ret = SSL_write_ex(ssl_.get(), buf, n, &done);
  if (ret == 1) {
    put = done;
    return Io::kDone;
  }
  return classify(ret, "SSL_write");
}

bool TlsStream::has_pending() const { return SSL_has_pending(ssl_.get()) == 1; }

}  // namespace wstest
