// tls::Context: one configured OpenSSL SSL_CTX (OpenSSL 3), shared by every
// tls::Session made from it; the server's certificates, keys and policy, or
// a client's trust and policy.
//
// Policy, both sides: TLS 1.2 and 1.3 only (1.0 and 1.1 are deprecated,
// RFC 8996), OpenSSL's default cipher suites, ALPN "http/1.1" (RFC 7301:
// a WebSocket upgrade is HTTP/1.1, RFC 6455 4.1), buffers released while a
// connection is idle (SSL_MODE_RELEASE_BUFFERS), partial and moving writes
// (a Session seals into its own buffer, record by record).
// Server: session resumption by tickets (stateless: OpenSSL's default, no
// per-session cache to bound), no renegotiation (SSL_OP_NO_RENEGOTIATION:
// an attempt ends the connection), certificates chosen by SNI (RFC 6066 3)
// among ServerFiles::extra_certs, client certificates required and verified
// when ServerFiles::ca is set.
//
// Errors: server()/client() return nullptr and one line naming the file and
// OpenSSL's reason (a missing or unreadable file, bad PEM, a key that is not
// the certificate's). A certificate outside its validity period still loads
// (an operator renewing it should not be refused a restart): a line in
// `warnings` says so.
//
// Lifetime: immutable once made, held by shared_ptr; every Session keeps its
// Context alive, so a reload (a new Context) leaves open connections on the
// old one. Ticket keys are the Context's own: tickets issued by an older
// Context are not resumed by a newer one (a full handshake instead).
// Thread safety: a const Context may be used by any number of threads
// (SSL_CTX is safe for concurrent SSL_new once configured).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tls {

struct ServerFiles {
  std::string cert_chain;  // PEM: the certificate, then its intermediates
  std::string key;         // PEM, not encrypted (no passphrase prompt in a server)
  std::string ca;          // optional: require client certificates issued by these CAs
  // More certificates, chosen by the client's server name (SNI) when it
  // matches one of theirs (X509_check_host); otherwise cert_chain's.
  std::vector<std::pair<std::string /*cert*/, std::string /*key*/>> extra_certs;
};

struct ClientOptions {
  std::string ca_file;  // empty: the system's default paths
  bool verify = true;   // verify the server's certificate and host name
  // Optional: our certificate, for a server that requires one.
  std::string cert_chain;
  std::string key;
  // 0: the newest version OpenSSL has; TLS1_2_VERSION pins 1.2.
  int max_version = 0;
};

class Context {
 public:
  static std::shared_ptr<const Context> server(const ServerFiles& files, std::string& error,
                                               std::vector<std::string>& warnings);
  static std::shared_ptr<const Context> client(const ClientOptions& options, std::string& error);

  bool is_server() const noexcept { return server_; }
  // For Session: the SSL_CTX new connections start from (not owned by the caller).
  SSL_CTX* native() const noexcept { return ctx_.get(); }

  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() = default;

 private:
  struct CtxFree {
    void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
  };
  using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

  explicit Context(bool server) : server_(server) {}
  static int on_server_name(SSL* ssl, int* alert, void* arg);

  bool server_;
  CtxPtr ctx_;                   // the default certificate's, and the policy
  std::vector<CtxPtr> by_name_;  // extra_certs, tried in order for SNI
};

}  // namespace tls
