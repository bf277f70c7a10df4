// tests/tls/test_pki.hpp: certificates made in-process with OpenSSL's API
// (no openssl binary), written as PEM files into a temporary directory for
// tls::Context, which loads files. For the unit tests and the TLS fuzzer.
//
// TestPki::get() makes, once per process: a CA; "localhost" (SAN
// DNS:localhost, IP:127.0.0.1) signed by it; "other.test" (SNI); a client
// certificate; an expired one and one not yet valid (localhost's key); a
// key of no certificate; a file that is not PEM. Keys are P-256. The
// directory is removed at exit.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace tlstest {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

inline KeyPtr make_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  require(key != nullptr, "EVP_EC_gen");
  return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  require(extension != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

struct CertSpec {
  std::string common_name;
  std::string san;  // "DNS:localhost,IP:127.0.0.1"; empty: none
  bool ca = false;
  long valid_from = -3600;        // seconds from now
  long valid_until = 30 * 86400;  // seconds from now
};

// Signed by issuer (issuer_cert null: self-signed with `key`).
inline X509Ptr make_cert(EVP_PKEY* key, const CertSpec& spec, X509* issuer_cert,
                         EVP_PKEY* issuer_key) {
  static long serial = 1;
  X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_until);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  add_extension(cert.get(), issuer, NID_basic_constraints,
                spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (spec.ca) add_extension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (!spec.san.empty()) add_extension(cert.get(), issuer, NID_subject_alt_name, spec.san.c_str());
  require(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0,
          "X509_sign");
  return cert;
}

inline void write_cert(const std::string& path, X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
  require(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
}

inline void write_key(const std::string& path, EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
  require(
      bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
      "PEM_write_bio_PrivateKey");
}

class TestPki {
 public:
  static const TestPki& get() {
    static const TestPki pki;
    return pki;
  }
  std::string dir;
  std::string ca, ca_key;             // the CA
  std::string cert, key;              // localhost, 127.0.0.1
  std::string other_cert, other_key;  // other.test (SNI)
  std::string client_cert, client_key;
  std::string expired_cert;  // localhost, expired yesterday (key: `key`)
  std::string future_cert;   // localhost, valid from tomorrow (key: `key`)
  std::string stray_key;     // no certificate's key
  std::string not_pem;
  std::string missing;  // a path that does not exist

  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

 private:
  TestPki() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tls_test_XXXXXX").string();
    require(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    dir = pattern;
    const auto at = [this](const char* name) { return dir + "/" + name; };
    ca = at("ca.pem"), ca_key = at("ca.key"), cert = at("cert.pem"), key = at("key.pem");
    other_cert = at("other.pem"), other_key = at("other.key");
    client_cert = at("client.pem"), client_key = at("client.key");
    expired_cert = at("expired.pem"), future_cert = at("future.pem");
    stray_key = at("stray.key"), not_pem = at("not_pem.pem"), missing = at("missing.pem");

    KeyPtr ca_pkey = make_key();
    X509Ptr ca_x509 = make_cert(ca_pkey.get(), {"test CA", "", true}, nullptr, nullptr);
    write_cert(ca, ca_x509.get());
    write_key(ca_key, ca_pkey.get());
    const auto issue = [&](const CertSpec& spec, EVP_PKEY* with, const std::string& path) {
      write_cert(path, make_cert(with, spec, ca_x509.get(), ca_pkey.get()).get());
    };
    KeyPtr server_key = make_key();
    write_key(key, server_key.get());
    issue({"localhost", "DNS:localhost,IP:127.0.0.1"}, server_key.get(), cert);
    issue({"localhost", "DNS:localhost", false, -7 * 86400, -86400}, server_key.get(),
          expired_cert);
    issue({"localhost", "DNS:localhost", false, 86400, 30 * 86400}, server_key.get(), future_cert);
    KeyPtr other = make_key();
    write_key(other_key, other.get());
    issue({"other.test", "DNS:other.test"}, other.get(), other_cert);
    KeyPtr client = make_key();
    write_key(client_key, client.get());
    issue({"test client", ""}, client.get(), client_cert);
    write_key(stray_key, make_key().get());
    std::FILE* file = std::fopen(not_pem.c_str(), "w");
    require(file != nullptr, "fopen");
    std::fputs("this is not a certificate\n", file);
    std::fclose(file);
  }
};

}  // namespace tlstest
