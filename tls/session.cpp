#include "tls/session.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace tls {
namespace {

// seal() stops taking plaintext once this much wire output waits: what a
// slow peer has not read then waits in the Connection's queue (in protocol
// bytes, where the urgent lane can pass it), not here. 64 KiB is four full
// records, enough to keep a socket's send buffer fed between two writable
// events; less would cost a seal() per record.
constexpr std::size_t kWireOutputBound = 64 * 1024;
// One SSL_write per record's worth of plaintext (RFC 8446 5.1: at most
// 2^14 bytes), so the bound is checked between records.
constexpr std::size_t kRecordPlaintext = 16 * 1024;

struct BioMethodFree {
  void operator()(BIO_METHOD* method) const noexcept { BIO_meth_free(method); }
};

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return {};
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(code));
}

}  // namespace

// The BIO over input_/output_ (session.hpp says why). Made once per process
// (C++ makes the first call thread-safe) and freed at exit.
const BIO_METHOD* Session::bio_method() {
  static const std::unique_ptr<BIO_METHOD, BioMethodFree> method = [] {
    std::unique_ptr<BIO_METHOD, BioMethodFree> made(
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tls::Session buffers"));
    if (made && (BIO_meth_set_read(made.get(), bio_read) != 1 ||
                 BIO_meth_set_write(made.get(), bio_write) != 1 ||
                 BIO_meth_set_ctrl(made.get(), bio_ctrl) != 1))
      made.reset();
    return made;
  }();
  return method.get();
}

Session::Session(std::shared_ptr<const Context> context) : context_(std::move(context)) {}
Session::~Session() = default;

int Session::bio_read(BIO* bio, char* out, int size) {
  auto* self = static_cast<Session*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self->input_.empty()) {
    BIO_set_retry_read(bio);  // SSL_ERROR_WANT_READ: pull() says need_more
    return -1;
  }
  const std::size_t n = std::min(static_cast<std::size_t>(size), self->input_.size());
  std::memcpy(out, self->input_.data().data(), n);
  self->input_.consume(n);
  if (self->input_.empty()) self->input_.release();  // idle: no input buffer
  return static_cast<int>(n);
}

// Always takes everything: the bound is seal()'s, between records, so
// OpenSSL never sees a short write (handshake messages and alerts included).
int Session::bio_write(BIO* bio, const char* in, int size) {
  auto* self = static_cast<Session*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  self->output_.append({reinterpret_cast<const std::uint8_t*>(in), static_cast<std::size_t>(size)});
  return size;
}

long Session::bio_ctrl(BIO* bio, int command, long, void*) {
  const auto* self = static_cast<const Session*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // output_ is the Connection's to send
    case BIO_CTRL_PENDING:
      return static_cast<long>(self->input_.size());
    case BIO_CTRL_WPENDING:
      return static_cast<long>(self->output_.size());
    default:
      return 0;  // not supported (kTLS, datagram and push/pop controls among them)
  }
}

// A no_renegotiation alert we send (SSL_OP_NO_RENEGOTIATION answered a
// renegotiation attempt with it, as a warning) ends the connection.
void Session::on_info(const SSL* ssl, int where, int value) {
  if ((where & SSL_CB_WRITE_ALERT) != SSL_CB_WRITE_ALERT) return;
  if ((value & 0xff) != SSL_AD_NO_RENEGOTIATION) return;
  static_cast<Session*>(SSL_get_app_data(ssl))->renegotiation_refused_ = true;
}

bool Session::start(bool server) {
  const BIO_METHOD* method = bio_method();
  if (method == nullptr) return false;
  ssl_.reset(SSL_new(context_->native()));
  if (!ssl_) return false;
  BIO* bio = BIO_new(method);
  if (bio == nullptr) return false;
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_.get(), bio, bio);  // one reference, both directions: ssl_ owns it
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_info_callback(ssl_.get(), on_info);
  if (server)
    SSL_set_accept_state(ssl_.get());
  else
    SSL_set_connect_state(ssl_.get());
  return true;
}

std::unique_ptr<Session> Session::accept(std::shared_ptr<const Context> context) {
  if (!context || !context->is_server()) return nullptr;
  ERR_clear_error();
  std::unique_ptr<Session> session(new Session(std::move(context)));
  if (!session->start(true)) {
    ERR_clear_error();
    return nullptr;
  }
  return session;
}

std::unique_ptr<Session> Session::connect(std::shared_ptr<const Context> context,
                                          std::string_view host, const SavedSession& resume) {
  if (!context || context->is_server()) return nullptr;
  ERR_clear_error();
  std::unique_ptr<Session> session(new Session(std::move(context)));
  SSL* ssl = nullptr;
  if (session->start(false)) ssl = session->ssl_.get();
  const std::string name(host);
  bool ready = ssl != nullptr;
  if (ready && !name.empty()) {
    // An IP address is checked against the certificate's IP SANs and is not
    // sent as SNI (RFC 6066 3: "Literal IPv4 and IPv6 addresses are not
    // permitted"); a name is both (SSL_set1_host: RFC 6125 matching).
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
      ERR_clear_error();
      ready =
          SSL_set1_host(ssl, name.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, name.c_str()) == 1;
    }
  }
  if (ready && resume) ready = SSL_set_session(ssl, resume.get()) == 1;  // takes its own reference
  if (!ready) {
    ERR_clear_error();
    return nullptr;
  }
  // The ClientHello, now: wire output before anything is pushed.
  const int result = SSL_do_handshake(ssl);
  if (result != 1 && session->fail(result).status == Status::failed) return nullptr;
  return session;
}

net::Transport::Pulled Session::fail(int result) {
  switch (SSL_get_error(ssl_.get(), result)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      ERR_clear_error();
      return {0, Status::need_more};
    case SSL_ERROR_ZERO_RETURN:  // close_notify (RFC 8446 6.1)
      ERR_clear_error();
      peer_closed_ = true;
      return {0, Status::peer_closed};
    default:
      break;
  }
  failed_ = true;
  error_ = openssl_reason();
  if (error_.empty()) error_ = "TLS failure";
  const long verify = SSL_get_verify_result(ssl_.get());
  if (verify != X509_V_OK) {
    error_ += ": ";
    error_ += X509_verify_cert_error_string(verify);
  }
  return {0, Status::failed};
}

// Copied whole (the contract: `wire` is the loop's buffer); OpenSSL reads
// it through bio_read at the next pull().
void Session::push(std::span<const std::uint8_t> wire) { input_.append(wire); }

net::Transport::Pulled Session::pull(std::span<std::uint8_t> plain) {
  if (failed_) return {0, Status::failed};
  if (peer_closed_) return {0, Status::peer_closed};
  ERR_clear_error();
  if (!handshake_done_) {
    const int result = SSL_do_handshake(ssl_.get());
    if (result != 1) return fail(result);
    handshake_done_ = true;
  }
  if (plain.empty()) return {0, Status::ok};
  std::size_t got = 0;
  const int result = SSL_read_ex(ssl_.get(), plain.data(), plain.size(), &got);
  if (renegotiation_refused_) {
    ERR_clear_error();
    failed_ = true;
    error_ = "renegotiation refused";
    return {0, Status::failed};
  }
  if (result == 1) return {got, Status::ok};
  return fail(result);
}

std::size_t Session::seal(std::span<const std::uint8_t> plain) {
  if (!handshake_done_ || closed_ || failed_) return 0;
  ERR_clear_error();
  std::size_t taken = 0;
  while (taken < plain.size() && output_.size() < kWireOutputBound) {
    const std::size_t chunk = std::min(plain.size() - taken, kRecordPlaintext);
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_.get(), plain.data() + taken, chunk, &written);
    if (result != 1) {
      fail(result);  // a failure shows in the next pull()
      break;
    }
    taken += written;
  }
  return taken;
}

// Released when empty: an idle session holds no output buffer; a burst
// costs one allocation (as OpenSSL's own buffers do under RELEASE_BUFFERS).
void Session::wire_sent(std::size_t n) {
  output_.consume(n);
  if (output_.empty()) output_.release();
}

// Before the handshake has finished there is nothing to end politely (and
// SSL_shutdown refuses, SSL_R_SHUTDOWN_WHILE_IN_INIT); after a failure,
// OpenSSL forbids it (its alert already went out).
void Session::close() {
  if (closed_) return;
  closed_ = true;
  if (!handshake_done_ || failed_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // 0: ours sent, theirs not yet read; that is pull()'s
  ERR_clear_error();
}

std::string_view Session::alpn() const noexcept {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &name, &length);
  return {reinterpret_cast<const char*>(name), name != nullptr ? length : 0};
}

std::string_view Session::protocol() const noexcept { return SSL_get_version(ssl_.get()); }

bool Session::session_reused() const noexcept { return SSL_session_reused(ssl_.get()) == 1; }

bool Session::peer_verified() const noexcept {
  return SSL_get0_peer_certificate(ssl_.get()) != nullptr &&
         SSL_get_verify_result(ssl_.get()) == X509_V_OK;
}

SavedSession Session::saved_session() const {
  SSL_SESSION* session = SSL_get1_session(ssl_.get());
  if (session == nullptr) return nullptr;
  SavedSession saved(session, SSL_SESSION_free);
  if (SSL_SESSION_is_resumable(session) != 1) return nullptr;
  return saved;
}

}  // namespace tls
