// tests/client_conformance/redirect_test.cpp: redirects (RFC 9110 15.4) of
// the upgrade, which a client follows only when asked to (max_redirects):
// 301, 302, 307, 308 to an absolute ws:// or http:// URL or to a path on
// the same server, up to the limit; and what a redirect may not make the
// client do: carry Authorization, Cookie or Host to another server, or go
// from wss:// down to ws://.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

// A TLS server in a thread of the test's process that answers one upgrade
// request with a 302 to `location`: a certificate made on the spot
// (self-signed P-256), plain blocking OpenSSL calls, no code under test.
class TlsRedirector {
 public:
  explicit TlsRedirector(std::string location);
  ~TlsRedirector();
  bool ok() const { return ok_; }
  std::string url() const { return "wss://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void serve();

  std::string location_;
  net::UniqueFd listener_;
  std::uint16_t port_ = 0;
  SSL_CTX* ctx_ = nullptr;
  bool ok_ = false;
  std::thread thread_;
};

std::string redirect_to(int status, std::string_view location) {
  return "HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + std::string(location) +
         "\r\nContent-Length: 0\r\n\r\n";
}

TlsRedirector::TlsRedirector(std::string location) : location_(std::move(location)) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("redirector"), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_sign(cert, key, EVP_sha256());
  ctx_ = SSL_CTX_new(TLS_server_method());
  ok_ = key && SSL_CTX_use_certificate(ctx_, cert) == 1 && SSL_CTX_use_PrivateKey(ctx_, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  listener_ = net::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  ok_ = ok_ && ::bind(listener_.get(), raw, length) == 0 && ::listen(listener_.get(), 4) == 0 &&
        ::getsockname(listener_.get(), raw, &length) == 0;
  port_ = ntohs(address.sin_port);
  if (ok_) thread_ = std::thread([this] { serve(); });
}

TlsRedirector::~TlsRedirector() {
  ::shutdown(listener_.get(), SHUT_RDWR);  // wakes an accept still waiting
  if (thread_.joinable()) thread_.join();
  SSL_CTX_free(ctx_);
}

void TlsRedirector::serve() {
  net::UniqueFd peer(::accept(listener_.get(), nullptr, nullptr));
  if (!peer) return;
  timeval bound{3, 0};  // a client that says nothing does not hold the test
  ::setsockopt(peer.get(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, peer.get());
  std::string request;
  char buffer[4096];
  if (SSL_accept(ssl) == 1) {
    while (request.find("\r\n\r\n") == std::string::npos) {
      const int n = SSL_read(ssl, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string answer = redirect_to(302, location_);
    SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
}

class ClientRedirect : public ::testing::TestWithParam<int> {};

TEST_P(ClientRedirect, NotFollowedByDefault) {
  CraftedServer second;
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [&](const SeenRequest&) { return redirect_to(GetParam(), second.url("/there")); }, error));
  EXPECT_EQ(error->status(), GetParam());
  std::optional<PeerConnection> none;
  EXPECT_FALSE(second.accept(none, 100ms)) << "the redirect was followed";
}

TEST_P(ClientRedirect, FollowedWhenAsked) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 1;
  CraftedServer first, second;
  PendingDial dial(first.url("/here"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request1, request2;
  ASSERT_TRUE(first.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request1));
  ASSERT_TRUE(peer1->send_raw(redirect_to(GetParam(), second.url("/there?x=1"))));
  ASSERT_TRUE(second.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request2));
  ASSERT_TRUE(check_client_request(request2, second.host()));
  EXPECT_EQ(request2.target, "/there?x=1");
  EXPECT_NE(key_of(request2), key_of(request1)) << "a new connection, a new key";
  ASSERT_TRUE(peer2->send_raw(response_101(key_of(request2))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  ASSERT_TRUE(peer2->send_raw(server_frame(kText, "moved")));
  ASSERT_TRUE(expect_message(*client, ws::Opcode::text, "moved"));
  peer2->close();
}

INSTANTIATE_TEST_SUITE_P(All, ClientRedirect, ::testing::Values(301, 302, 307, 308));

// RFC 9110 10.2.2: a Location may be a path on the same server, or an
// http:// URL (what a redirect usually holds), taken as ws://.
TEST(ClientRedirectLocation, RelativePathOnTheSameServer) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 2;
  CraftedServer server;
  PendingDial dial(server.url("/old"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request1, request2;
  ASSERT_TRUE(server.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request1));
  ASSERT_TRUE(peer1->send_raw(redirect_to(307, "/new?y=2")));
  ASSERT_TRUE(server.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request2));
  ASSERT_TRUE(check_client_request(request2, server.host()));
  EXPECT_EQ(request2.target, "/new?y=2");
  ASSERT_TRUE(peer2->send_raw(response_101(key_of(request2))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer2->close();
}

TEST(ClientRedirectLocation, HttpSchemeTakenAsWs) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 1;
  CraftedServer first, second;
  PendingDial dial(first.url("/"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request1, request2;
  ASSERT_TRUE(first.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request1));
  ASSERT_TRUE(peer1->send_raw(redirect_to(301, "http://" + second.host() + "/plain")));
  ASSERT_TRUE(second.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request2));
  EXPECT_EQ(request2.target, "/plain");
  ASSERT_TRUE(peer2->send_raw(response_101(key_of(request2))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer2->close();
}

TEST(ClientRedirectLimit, MoreRedirectsThanAllowedFail) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 1;
  CraftedServer first, second, third;
  PendingDial dial(first.url("/"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request;
  ASSERT_TRUE(first.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request));
  ASSERT_TRUE(peer1->send_raw(redirect_to(302, second.url("/"))));
  ASSERT_TRUE(second.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request));
  ASSERT_TRUE(peer2->send_raw(redirect_to(302, third.url("/"))));
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error));
  EXPECT_EQ(error->status(), 302);
  std::optional<PeerConnection> none;
  EXPECT_FALSE(third.accept(none, 100ms)) << "a second redirect was followed";
}

TEST(ClientRedirectLimit, RedirectWithoutLocationFails) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 3;
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [](const SeenRequest&) {
        return std::string("HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
      },
      error, options));
  EXPECT_EQ(error->status(), 302);
}

// Credentials were given for the server dialed; another host or port does
// not get them (Origin and the rest still go).
TEST(ClientRedirectCredentials, StayBehindWhenTheRedirectLeavesTheServer) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 1;
  options.headers = {
      {"Authorization", "Bearer SECRET"}, {"Cookie", "sid=1"}, {"Origin", "http://app.test"}};
  CraftedServer first, second;
  PendingDial dial(first.url("/"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request1, request2;
  ASSERT_TRUE(first.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request1));
  EXPECT_EQ(request1.get("Authorization"), "Bearer SECRET");
  ASSERT_TRUE(peer1->send_raw(redirect_to(302, second.url("/elsewhere"))));
  ASSERT_TRUE(second.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request2));
  EXPECT_EQ(request2.count("Authorization"), 0u) << request2.raw;
  EXPECT_EQ(request2.count("Cookie"), 0u) << request2.raw;
  EXPECT_EQ(request2.get("Origin"), "http://app.test");
  ASSERT_TRUE(check_client_request(request2, second.host()));
  ASSERT_TRUE(peer2->send_raw(response_101(key_of(request2))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer2->close();
}

TEST(ClientRedirectCredentials, KeptOnTheSameServer) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 1;
  options.headers = {{"Authorization", "Bearer SECRET"}};
  CraftedServer server;
  PendingDial dial(server.url("/old"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request1, request2;
  ASSERT_TRUE(server.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request1));
  ASSERT_TRUE(peer1->send_raw(redirect_to(307, "/new")));
  ASSERT_TRUE(server.accept(peer2));
  ASSERT_TRUE(peer2->read_request(request2));
  EXPECT_EQ(request2.get("Authorization"), "Bearer SECRET");
  ASSERT_TRUE(peer2->send_raw(response_101(key_of(request2))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer2->close();
}

// A wss:// server's redirect to ws:// would send the request, and every
// message after it, in clear: refused, and nothing reaches the ws:// server.
TEST(ClientRedirectScheme, NeverFromWssDownToWs) {
  CraftedServer plain;
  TlsRedirector secure(plain.url("/clear"));
  ASSERT_TRUE(secure.ok());
  ws::ClientOptions options = test_options();
  options.max_redirects = 3;
  options.tls.insecure = true;  // the redirector's certificate is throwaway
  PendingDial dial(secure.url(), options);
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error));
  EXPECT_NE(std::string(error->what()).find("wss:// to ws://"), std::string::npos) << error->what();
  std::optional<PeerConnection> none;
  EXPECT_FALSE(plain.accept(none, 200ms)) << "the downgrade was followed";
}

// The whole dial, redirects included, has one handshake_timeout.
TEST(ClientRedirectTime, TotalIsOneHandshakeTimeout) {
  ws::ClientOptions options = test_options();
  options.max_redirects = 5;
  options.handshake_timeout = std::chrono::milliseconds(600);
  CraftedServer first, second;
  PendingDial dial(first.url("/"), options);
  std::optional<PeerConnection> peer1, peer2;
  SeenRequest request;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(first.accept(peer1));
  ASSERT_TRUE(peer1->read_request(request));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(peer1->send_raw(redirect_to(302, second.url("/"))));
  ASSERT_TRUE(second.accept(peer2));  // and says nothing
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000))
      << "the redirect restarted the handshake timeout";
  EXPECT_NE(std::string(error->what()).find("timeout"), std::string::npos) << error->what();
}

}  // namespace
}  // namespace wstest
