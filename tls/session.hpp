// tls::Session: one connection's TLS (OpenSSL 3), as a net::Transport: wire
// bytes in, plaintext out, plaintext in, records out, with no socket of its
// own (net/transport.hpp is the contract this implements).
//
// I/O: a BIO of our own (BIO_meth_new) over two core::ByteBuffers, one for
// wire input, one for wire output. Why not OpenSSL's buffers:
// - a memory BIO (BIO_s_mem) keeps its largest capacity for good once
//   grown, and consuming output means BIO_read into a scratch (a copy);
// - a BIO pair (BIO_nread0/BIO_nread) reads output without a copy, but its
//   two rings are fixed-size, allocated at first use and never freed (2 x
//   17 KiB per idle connection by default), and a ring cannot take a push()
//   larger than its free space whole, as the contract wants.
// Ours: wire_output() is the output buffer's bytes as they are (zero copy),
// wire_sent(n) consumes them, and each buffer is freed when it empties, so
// an idle session holds no I/O buffer (with SSL_MODE_RELEASE_BUFFERS,
// OpenSSL holds none either). One BIO serves both directions.
//
// Idle memory, measured (tests/tls/session_test.cpp IdleMemory: mallinfo2
// around 1000 server sessions that finished a TLS 1.3 handshake with
// in-memory clients): ~14.7 KB each, ~8.5 KB of it a bare SSL_new() in
// OpenSSL 3.0; nothing of it is an I/O buffer.
//
// Thread safety: one thread at a time (the connection's loop).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "net/transport.hpp"
#include "tls/context.hpp"

namespace tls {

// A client's session to resume (RFC 8446 2.2, RFC 5077): from
// Session::saved_session() of an earlier connection to the same server.
using SavedSession = std::shared_ptr<SSL_SESSION>;

class Session final : public net::Transport {
 public:
  // Server side: the peer's ClientHello comes through push().
  static std::unique_ptr<Session> accept(std::shared_ptr<const Context> context);
  // Client side: the ClientHello is wire output at once. `host` is sent as
  // SNI (not for an IP address, RFC 6066 3) and, if the context verifies,
  // checked against the certificate (SSL_set1_host, or the IP SAN).
  static std::unique_ptr<Session> connect(std::shared_ptr<const Context> context,
                                          std::string_view host, const SavedSession& resume = {});
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void push(std::span<const std::uint8_t> wire) override;
  Pulled pull(std::span<std::uint8_t> plain) override;
  std::size_t seal(std::span<const std::uint8_t> plain) override;
  std::span<const std::uint8_t> wire_output() override { return output_.data(); }
  void wire_sent(std::size_t n) override;
  void close() override;

  bool handshake_done() const noexcept { return handshake_done_; }
  // The protocol ALPN chose ("http/1.1"), or empty.
  std::string_view alpn() const noexcept;
  // "TLSv1.3", "TLSv1.2" (SSL_get_version); before the handshake, what is offered.
  std::string_view protocol() const noexcept;
  bool session_reused() const noexcept;
  // The peer sent a certificate and it verified (a client certificate on
  // the server side when Context's ca is set; the server's on the client side).
  bool peer_verified() const noexcept;
  // Why pull() or seal() failed: OpenSSL's reason, short; empty otherwise.
  std::string_view last_error() const noexcept { return error_; }
  // This connection's session, for connect(..., resume) later. In TLS 1.3
  // the ticket arrives after the handshake: pull() until need_more first.
  SavedSession saved_session() const;

 private:
  struct SslFree {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };

  explicit Session(std::shared_ptr<const Context> context);
  bool start(bool server);
  Pulled fail(int result);
  static const BIO_METHOD* bio_method();
  static int bio_read(BIO* bio, char* out, int size);
  static int bio_write(BIO* bio, const char* in, int size);
  static long bio_ctrl(BIO* bio, int command, long number, void* pointer);
  static void on_info(const SSL* ssl, int where, int value);

  std::shared_ptr<const Context> context_;
  // Declared before ssl_, so destroyed after it: SSL_free may still reach
  // the BIO, which reaches these.
  core::ByteBuffer input_;
  core::ByteBuffer output_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string error_;
  bool handshake_done_ = false;
  bool closed_ = false;       // close() was called
  bool peer_closed_ = false;  // close_notify received
  bool failed_ = false;
  bool renegotiation_refused_ = false;
};

}  // namespace tls
