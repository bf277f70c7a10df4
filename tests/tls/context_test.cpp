// tls::Context: what loads, what is refused with one line naming the file
// and OpenSSL's reason, and what only warns.
#include "tls/context.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tls/test_pki.hpp"

namespace {

using tlstest::TestPki;

struct Loaded {
  std::shared_ptr<const tls::Context> context;
  std::string error;
  std::vector<std::string> warnings;
};

Loaded load(const tls::ServerFiles& files) {
  Loaded loaded;
  loaded.context = tls::Context::server(files, loaded.error, loaded.warnings);
  return loaded;
}

void expect_refused(const tls::ServerFiles& files, const std::string& file,
                    const std::string& reason) {
  const Loaded loaded = load(files);
  EXPECT_FALSE(loaded.context);
  EXPECT_NE(loaded.error.find(file), std::string::npos) << loaded.error;
  EXPECT_NE(loaded.error.find(reason), std::string::npos) << loaded.error;
  EXPECT_EQ(loaded.error.find('\n'), std::string::npos) << "one line: " << loaded.error;
}

TEST(TlsContext, LoadsACertificateAndKey) {
  const TestPki& pki = TestPki::get();
  const Loaded loaded = load({pki.cert, pki.key, "", {}});
  ASSERT_TRUE(loaded.context) << loaded.error;
  EXPECT_TRUE(loaded.context->is_server());
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_TRUE(load({pki.cert, pki.key, pki.ca, {{pki.other_cert, pki.other_key}}}).context);
}

TEST(TlsContext, MissingFiles) {
  const TestPki& pki = TestPki::get();
  expect_refused({pki.missing, pki.key, "", {}}, pki.missing, "No such file");
  expect_refused({pki.cert, pki.missing, "", {}}, pki.missing, "No such file");
  expect_refused({pki.cert, pki.key, pki.missing, {}}, pki.missing, "CA");
  expect_refused({pki.cert, pki.key, "", {{pki.other_cert, pki.missing}}}, pki.missing, "key");
}

TEST(TlsContext, BadPem) {
  const TestPki& pki = TestPki::get();
  expect_refused({pki.not_pem, pki.key, "", {}}, pki.not_pem, "no start line");
  expect_refused({pki.cert, pki.not_pem, "", {}}, pki.not_pem, "cannot load key");
}

TEST(TlsContext, KeyNotMatchingTheCertificate) {
  const TestPki& pki = TestPki::get();
  expect_refused({pki.cert, pki.stray_key, "", {}}, pki.stray_key, "does not match certificate");
  expect_refused({pki.cert, pki.other_key, "", {}}, pki.cert, "key values mismatch");
}

TEST(TlsContext, ExpiredOrNotYetValidCertificateIsAWarning) {
  const TestPki& pki = TestPki::get();
  const Loaded expired = load({pki.expired_cert, pki.key, "", {}});
  ASSERT_TRUE(expired.context) << expired.error;
  ASSERT_EQ(expired.warnings.size(), 1u);
  EXPECT_NE(expired.warnings[0].find("expired"), std::string::npos) << expired.warnings[0];
  EXPECT_NE(expired.warnings[0].find(pki.expired_cert), std::string::npos);
  const Loaded future = load({pki.future_cert, pki.key, "", {}});
  ASSERT_TRUE(future.context) << future.error;
  ASSERT_EQ(future.warnings.size(), 1u);
  EXPECT_NE(future.warnings[0].find("not valid before"), std::string::npos) << future.warnings[0];
}

TEST(TlsContext, ClientContexts) {
  const TestPki& pki = TestPki::get();
  std::string error;
  auto client = tls::Context::client({pki.ca, true, "", "", 0}, error);
  ASSERT_TRUE(client) << error;
  EXPECT_FALSE(client->is_server());
  EXPECT_TRUE(tls::Context::client({}, error)) << "system default paths: " << error;
  EXPECT_FALSE(tls::Context::client({pki.missing, true, "", "", 0}, error));
  EXPECT_NE(error.find(pki.missing), std::string::npos) << error;
  EXPECT_FALSE(tls::Context::client({pki.ca, true, pki.client_cert, pki.stray_key, 0}, error));
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
}

}  // namespace
