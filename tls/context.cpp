#include "tls/context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string_view>

namespace tls {
namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

// ALPN protocol list, wire format (RFC 7301 3.1: length-prefixed names).
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr std::string_view kHttp11 = "http/1.1";

// Session id context (SSL_CTX_set_session_id_context): a session is resumed
// only into a context with the same one; without it a server that verifies
// client certificates refuses every resumption (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED).
constexpr unsigned char kSessionIdContext[] = {'w', 's', 's', 'e', 'r', 'v', 'e', 'r'};

// OpenSSL's first queued error (the root cause; later ones are its callers),
// as ERR_error_string_n writes it, then the queue emptied so that the next
// call on this thread starts clean.
std::string first_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string failure(std::string_view what, const std::string& file) {
  return std::string(what) + " " + file + ": " + first_openssl_error();
}

// Never prompt: a server's key is not encrypted, and an encrypted one fails
// to load ("bad decrypt" or "problems getting password") instead of reading
// a passphrase from the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

// ALPN (RFC 7301 3.2): http/1.1 when the client offers it; otherwise none
// (NOACK: the handshake goes on without ALPN, not a no_application_protocol
// alert, so a client offering only h2 can still fall back).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*) {
  for (unsigned int i = 0; i < in_length;) {
    const unsigned int length = in[i];
    if (length == 0 || i + 1 + length > in_length) break;  // malformed: no ALPN
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), length) == kHttp11) {
      *out = in + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string asn1_time_text(const ASN1_TIME* time) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), time) != 1) return "?";
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// An expired or not yet valid certificate: a warning (clients will refuse
// it, but the operator may be mid-renewal, and a refusal to start helps nobody).
void check_validity(SSL_CTX* ctx, const std::string& file, std::vector<std::string>& warnings) {
  const X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return;
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
    warnings.push_back("certificate " + file + " expired on " +
                       asn1_time_text(X509_get0_notAfter(cert)));
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
    warnings.push_back("certificate " + file + " is not valid before " +
                       asn1_time_text(X509_get0_notBefore(cert)));
}

// What both sides set: versions, modes. Default ciphers (OpenSSL's
// "DEFAULT" and TLS 1.3 suites) are left as they are.
bool apply_common_policy(SSL_CTX* ctx, int max_version) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return false;
  if (max_version != 0 && SSL_CTX_set_max_proto_version(ctx, max_version) != 1) return false;
  // RELEASE_BUFFERS: the read and write buffers (~34 KiB) are freed whenever
  // they are empty, so an idle connection does not hold them.
  // ENABLE_PARTIAL_WRITE: SSL_write returns after each record it could write;
  // ACCEPT_MOVING_WRITE_BUFFER: a retried write may come from another address
  // (the Connection's queue moves as it grows).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Renegotiation (TLS 1.2; 1.3 has none) is refused with a no_renegotiation
  // alert, which Session turns into the end of the connection: it buys a
  // server nothing and has carried attacks (CVE-2009-3555, CVE-2011-1473).
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  return true;
}

// Loads one certificate chain and its key into `ctx`; "" or the error line.
std::string load_certificate(SSL_CTX* ctx, const std::string& cert_file,
                             const std::string& key_file) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    return failure("cannot load certificate", cert_file);
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(key_file.c_str(), "r"));
  if (!bio) return failure("cannot open key", key_file);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) return failure("cannot load key", key_file);
  // SSL_CTX_use_PrivateKey already refuses a key that is not the
  // certificate's (X509_check_private_key); check_private_key says it again
  // for the pair as the context holds it.
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return failure("key " + key_file + " does not match certificate", cert_file);
  return "";
}

}  // namespace

// SNI (RFC 6066 3): the first certificate that matches the requested name
// (the default one first), so a name nobody matches keeps the default.
int Context::on_server_name(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const Context*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || self->by_name_.empty()) return SSL_TLSEXT_ERR_OK;
  const auto matches = [name](SSL_CTX* ctx) {
    X509* cert = SSL_CTX_get0_certificate(ctx);
    return cert != nullptr && X509_check_host(cert, name, 0, 0, nullptr) == 1;
  };
  if (matches(self->ctx_.get())) return SSL_TLSEXT_ERR_OK;
  for (const CtxPtr& ctx : self->by_name_) {
    if (!matches(ctx.get())) continue;
    // Swaps the certificate and key; the policy stays the original
    // context's (verify mode, tickets: session_ctx is not changed).
    if (SSL_set_SSL_CTX(ssl, ctx.get()) == nullptr) return SSL_TLSEXT_ERR_ALERT_FATAL;
    break;
  }
  return SSL_TLSEXT_ERR_OK;
}

std::shared_ptr<const Context> Context::server(const ServerFiles& files, std::string& error,
                                               std::vector<std::string>& warnings) {
  ERR_clear_error();
  std::shared_ptr<Context> context(new Context(true));
  // One policy for the default context and each SNI one: after
  // SSL_set_SSL_CTX, ALPN is the new context's callback.
  const auto make = [&](const std::string& cert, const std::string& key) -> CtxPtr {
    CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx || !apply_common_policy(ctx.get(), 0)) {
      error = "cannot create a TLS context: " + first_openssl_error();
      return nullptr;
    }
    // Tickets are on by default in OpenSSL 3 (1.2 and 1.3); say so, in case
    // a system openssl.cnf turned them off.
    SSL_CTX_clear_options(ctx.get(), SSL_OP_NO_TICKET);
    // No server-side session cache: tickets carry the session (RFC 5077,
    // RFC 8446 4.6.1), so no per-session state stays here after a
    // connection, and nothing to bound or expire (OpenSSL's default cache
    // holds up to 20,480 sessions, each a few KiB with its peer's data).
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_session_id_context(ctx.get(), kSessionIdContext, sizeof kSessionIdContext);
    SSL_CTX_set_alpn_select_cb(ctx.get(), select_alpn, nullptr);
    SSL_CTX_set_tlsext_servername_callback(ctx.get(), on_server_name);
    SSL_CTX_set_tlsext_servername_arg(ctx.get(), context.get());
    if (const std::string why = load_certificate(ctx.get(), cert, key); !why.empty()) {
      error = why;
      return nullptr;
    }
    check_validity(ctx.get(), cert, warnings);
    return ctx;
  };
  context->ctx_ = make(files.cert_chain, files.key);
  if (!context->ctx_) return nullptr;
  for (const auto& [cert, key] : files.extra_certs) {
    context->by_name_.push_back(make(cert, key));
    if (!context->by_name_.back()) return nullptr;
  }
  if (!files.ca.empty()) {
    SSL_CTX* ctx = context->ctx_.get();
    if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
      error = failure("cannot load CA", files.ca);
      return nullptr;
    }
    // The CA names go in the CertificateRequest, so a client with several
    // certificates can pick the right one (RFC 8446 4.3.2 certificate_authorities).
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    ERR_clear_error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return context;
}

std::shared_ptr<const Context> Context::client(const ClientOptions& options, std::string& error) {
  ERR_clear_error();
  std::shared_ptr<Context> context(new Context(false));
  context->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = context->ctx_.get();
  if (ctx == nullptr || !apply_common_policy(ctx, options.max_version)) {
    error = "cannot create a TLS context: " + first_openssl_error();
    return nullptr;
  }
  // SSL_CTX_set_alpn_protos returns 0 on success (unlike the rest).
  if (SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11) != 0) {
    error = "cannot set ALPN: " + first_openssl_error();
    return nullptr;
  }
  if (options.verify) {
    const bool loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx) == 1
                                                : SSL_CTX_load_verify_locations(
                                                      ctx, options.ca_file.c_str(), nullptr) == 1;
    if (!loaded) {
      error = failure("cannot load CA",
                      options.ca_file.empty() ? std::string("(system default)") : options.ca_file);
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!options.cert_chain.empty()) {
    if (const std::string why = load_certificate(ctx, options.cert_chain, options.key);
        !why.empty()) {
      error = why;
      return nullptr;
    }
  }
  return context;
}

}  // namespace tls
