// tls::Session against tls::Session through memory (tests/tls/tls_pair.hpp):
// the handshake and its versions, ALPN, data both ways and the wire bound,
// any split of the bytes, close_notify, what is not TLS, resumption, client
// certificates, renegotiation, and the memory an idle session keeps.
#include "tls/session.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/err.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/tls/tls_pair.hpp"

namespace {

using tlstest::client_context;
using tlstest::handshake;
using tlstest::server_context;
using tlstest::shuttle;
using tlstest::Status;

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Seals all of `text` (wire output sent to the peer whenever seal() stops
// taking), checking the bound; returns what the peer pulled.
std::string send_all(tls::Session& from, tls::Session& to, std::string_view text) {
  std::string received;
  std::size_t max_pending = 0;
  while (!text.empty()) {
    const std::size_t taken = from.seal(bytes(text));
    max_pending = std::max(max_pending, from.wire_pending());
    text.remove_prefix(taken);
    received += shuttle(from, to).data;
  }
  received += shuttle(from, to).data;
  // 64 KiB, plus the one record that may cross it.
  EXPECT_LE(max_pending, 64u * 1024 + 16 * 1024 + 256);
  return received;
}

// The first flight of a client, for the tests that cut or mangle it.
std::vector<std::uint8_t> client_hello() {
  auto client = tls::Session::connect(client_context(), "localhost");
  auto out = client->wire_output();
  return {out.begin(), out.end()};
}

TEST(TlsSession, HandshakeTls13WithAlpnAndVerifiedServer) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(server && client);
  EXPECT_FALSE(server->handshake_done());
  EXPECT_GT(client->wire_pending(), 0u) << "the ClientHello is ready at once";
  ASSERT_TRUE(handshake(*client, *server)) << client->last_error() << " / " << server->last_error();
  EXPECT_EQ(server->protocol(), "TLSv1.3");
  EXPECT_EQ(client->protocol(), "TLSv1.3");
  EXPECT_EQ(server->alpn(), "http/1.1");
  EXPECT_EQ(client->alpn(), "http/1.1");
  EXPECT_TRUE(client->peer_verified());
  EXPECT_FALSE(server->peer_verified()) << "no client certificate asked for";
  EXPECT_FALSE(server->session_reused());
}

TEST(TlsSession, IpAddressIsVerifiedAgainstTheIpSan) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "127.0.0.1");
  ASSERT_TRUE(handshake(*client, *server)) << client->last_error();
  EXPECT_TRUE(client->peer_verified());
}

TEST(TlsSession, WrongHostNameFailsVerification) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "example.com");
  EXPECT_FALSE(handshake(*client, *server));
  EXPECT_NE(client->last_error().find("verify"), std::string_view::npos) << client->last_error();
  EXPECT_EQ(client->pull({}).status, Status::failed);
}

TEST(TlsSession, Tls12WhenTheClientCapsThere) {
  tls::ClientOptions options;
  options.max_version = TLS1_2_VERSION;
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(options), "localhost");
  ASSERT_TRUE(handshake(*client, *server)) << client->last_error() << " / " << server->last_error();
  EXPECT_EQ(server->protocol(), "TLSv1.2");
  EXPECT_EQ(server->alpn(), "http/1.1");
  EXPECT_EQ(send_all(*client, *server, "over 1.2"), "over 1.2");
}

// A client of OpenSSL's own, unbound by tls::Context's policy: memory BIOs.
struct RawClient {
  struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::unique_ptr<SSL_CTX, CtxFree> ctx{SSL_CTX_new(TLS_client_method())};
  std::unique_ptr<SSL, SslFree> ssl;
  BIO* in = BIO_new(BIO_s_mem());   // owned by ssl
  BIO* out = BIO_new(BIO_s_mem());  // owned by ssl

  RawClient(int min_version, int max_version) {
    SSL_CTX_set_min_proto_version(ctx.get(), min_version);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0");  // lets 1.0 offer itself
    ssl.reset(SSL_new(ctx.get()));
    SSL_set_bio(ssl.get(), in, out);
    SSL_set_connect_state(ssl.get());
  }
  std::vector<std::uint8_t> output() {
    std::vector<std::uint8_t> bytes(BIO_ctrl_pending(out));
    if (!bytes.empty()) BIO_read(out, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  // Steps the client, exchanging with `server` until neither has anything.
  void exchange(tls::Session& server, Status& server_status) {
    for (int round = 0; round < 10; ++round) {
      SSL_do_handshake(ssl.get());
      char scratch[256];
      SSL_read(ssl.get(), scratch, sizeof scratch);
      ERR_clear_error();
      const std::vector<std::uint8_t> wire = output();
      server.push(wire);
      tlstest::Pulled pulled;
      tlstest::drain(server, pulled);
      server_status = pulled.status;
      const auto answer = server.wire_output();
      if (wire.empty() && answer.empty()) return;
      BIO_write(in, answer.data(), static_cast<int>(answer.size()));
      server.wire_sent(answer.size());
    }
  }
};

TEST(TlsSession, Tls10And11ClientsAreRefused) {
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    auto server = tls::Session::accept(server_context());
    RawClient client(version, version);
    Status status = Status::ok;
    client.exchange(*server, status);
    EXPECT_EQ(status, Status::failed) << version;
    EXPECT_FALSE(server->handshake_done());
    EXPECT_FALSE(server->last_error().empty());
  }
}

TEST(TlsSession, RenegotiationEndsTheConnection) {
  auto server = tls::Session::accept(server_context());
  RawClient client(TLS1_2_VERSION, TLS1_2_VERSION);
  Status status = Status::ok;
  client.exchange(*server, status);
  ASSERT_TRUE(server->handshake_done()) << server->last_error();
  ASSERT_EQ(status, Status::need_more);
  ASSERT_EQ(SSL_renegotiate(client.ssl.get()), 1);
  client.exchange(*server, status);
  EXPECT_EQ(status, Status::failed);
  EXPECT_EQ(server->last_error(), "renegotiation refused");
}

TEST(TlsSession, DataBothWaysAndAMebibyteInManyRecords) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(handshake(*client, *server));
  EXPECT_EQ(send_all(*client, *server, "GET /echo HTTP/1.1\r\n\r\n"), "GET /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(send_all(*server, *client, "HTTP/1.1 101\r\n\r\n"), "HTTP/1.1 101\r\n\r\n");
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  EXPECT_TRUE(send_all(*server, *client, big) == big);
  EXPECT_TRUE(send_all(*client, *server, big) == big);
}

TEST(TlsSession, SealTakesNothingPastTheBoundUntilSent) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(handshake(*client, *server));
  const std::string big(1 << 20, 'x');
  const std::size_t taken = server->seal(bytes(big));
  EXPECT_GE(taken, 64u * 1024);
  EXPECT_LT(taken, big.size());
  EXPECT_EQ(server->seal(bytes(big)), 0u) << "at its bound";
  server->wire_sent(server->wire_pending());
  EXPECT_GT(server->seal(bytes(big)), 0u) << "sent: room again";
}

TEST(TlsSession, SealBeforeTheHandshakeTakesNothing) {
  auto client = tls::Session::connect(client_context(), "localhost");
  EXPECT_EQ(client->seal(bytes("early")), 0u);
}

TEST(TlsSession, HandshakeOneByteAtATime) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(handshake(*client, *server, 1)) << server->last_error();
  EXPECT_EQ(send_all(*client, *server, "after"), "after");
}

TEST(TlsSession, RecordsSplitAcrossPushes) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(handshake(*client, *server));
  const std::string text(40000, 'r');  // three records
  for (std::size_t piece : {1u, 7u, 100u, 5000u, 16500u}) {
    ASSERT_EQ(client->seal(bytes(text)), text.size());
    EXPECT_TRUE(shuttle(*client, *server, piece).data.size() >= text.size()) << piece;
  }
}

TEST(TlsSession, CloseGivesThePeerPeerClosed) {
  auto server = tls::Session::accept(server_context());
  auto client = tls::Session::connect(client_context(), "localhost");
  ASSERT_TRUE(handshake(*client, *server));
  ASSERT_EQ(server->seal(bytes("last words")), 10u);
  server->close();
  EXPECT_EQ(server->seal(bytes("more")), 0u) << "nothing after close";
  server->close();  // once only: a second call does nothing
  const tlstest::Pulled pulled = shuttle(*server, *client);
  EXPECT_EQ(pulled.data, "last words");
  EXPECT_EQ(pulled.status, Status::peer_closed);
  EXPECT_EQ(client->pull({}).status, Status::peer_closed) << "and stays so";
  client->close();
  EXPECT_EQ(shuttle(*client, *server).status, Status::peer_closed);
}

TEST(TlsSession, CloseBeforeTheHandshakeSendsNothing) {
  auto server = tls::Session::accept(server_context());
  server->close();
  EXPECT_EQ(server->wire_pending(), 0u);
}

TEST(TlsSession, GarbageInsteadOfAClientHelloFails) {
  auto server = tls::Session::accept(server_context());
  std::vector<std::uint8_t> garbage(300);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<std::uint8_t>(i * 31);
  server->push(garbage);
  EXPECT_EQ(server->pull({}).status, Status::failed);
  EXPECT_FALSE(server->last_error().empty());
  EXPECT_EQ(server->pull({}).status, Status::failed) << "and stays so";
  EXPECT_EQ(server->seal(bytes("x")), 0u);
  server->close();
}

TEST(TlsSession, PlainHttpFails) {
  auto server = tls::Session::accept(server_context());
  server->push(bytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  std::uint8_t buffer[64];
  EXPECT_EQ(server->pull(buffer).status, Status::failed);
  EXPECT_FALSE(server->last_error().empty());
}

TEST(TlsSession, TruncatedClientHelloNeedsMore) {
  const std::vector<std::uint8_t> hello = client_hello();
  ASSERT_GT(hello.size(), 100u);
  auto server = tls::Session::accept(server_context());
  server->push(std::span(hello).first(hello.size() / 2));
  std::uint8_t buffer[64];
  EXPECT_EQ(server->pull(buffer).status, Status::need_more);
  EXPECT_EQ(server->wire_pending(), 0u) << "nothing to say yet";
  EXPECT_FALSE(server->handshake_done());
  server->push(std::span(hello).subspan(hello.size() / 2));
  EXPECT_EQ(server->pull(buffer).status, Status::need_more);
  EXPECT_GT(server->wire_pending(), 0u) << "the ServerHello flight";
}

// Tickets: TLS 1.3's arrive after the handshake (the client reads them).
void expect_resumption(const tls::ClientOptions& options, std::string_view version) {
  auto server_ctx = server_context();
  auto client_ctx = client_context(options);
  auto server = tls::Session::accept(server_ctx);
  auto client = tls::Session::connect(client_ctx, "localhost");
  ASSERT_TRUE(handshake(*client, *server));
  EXPECT_EQ(client->protocol(), version);
  const tls::SavedSession saved = client->saved_session();
  ASSERT_TRUE(saved) << "a ticket";
  auto server2 = tls::Session::accept(server_ctx);
  auto client2 = tls::Session::connect(client_ctx, "localhost", saved);
  ASSERT_TRUE(handshake(*client2, *server2));
  EXPECT_TRUE(client2->session_reused());
  EXPECT_TRUE(server2->session_reused());
  EXPECT_EQ(send_all(*client2, *server2, "resumed"), "resumed");
  // Another server Context (a reload) has other ticket keys: a full handshake.
  auto server3 = tls::Session::accept(server_context());
  auto client3 = tls::Session::connect(client_ctx, "localhost", saved);
  ASSERT_TRUE(handshake(*client3, *server3));
  EXPECT_FALSE(server3->session_reused());
}

TEST(TlsSession, ResumptionWithATicketTls13) { expect_resumption({}, "TLSv1.3"); }

TEST(TlsSession, ResumptionWithATicketTls12) {
  tls::ClientOptions options;
  options.max_version = TLS1_2_VERSION;
  expect_resumption(options, "TLSv1.2");
}

tls::ServerFiles files_requiring_client_certs() {
  const tlstest::TestPki& pki = tlstest::TestPki::get();
  return {pki.cert, pki.key, pki.ca, {}};
}

TEST(TlsSession, ClientCertificateRequiredWhenCaIsSet) {
  auto server = tls::Session::accept(server_context(files_requiring_client_certs()));
  auto client = tls::Session::connect(client_context(), "localhost");
  handshake(*client, *server);
  EXPECT_FALSE(server->handshake_done());
  EXPECT_EQ(server->pull({}).status, Status::failed);
  // TLS 1.3: the client finished before the server judged it; the alert
  // ends it at its next pull.
  EXPECT_EQ(client->pull({}).status, Status::failed);
}

TEST(TlsSession, ClientCertificateAcceptedAndVerified) {
  const tlstest::TestPki& pki = tlstest::TestPki::get();
  tls::ClientOptions options;
  options.cert_chain = pki.client_cert;
  options.key = pki.client_key;
  auto server = tls::Session::accept(server_context(files_requiring_client_certs()));
  auto client = tls::Session::connect(client_context(options), "localhost");
  ASSERT_TRUE(handshake(*client, *server)) << server->last_error();
  EXPECT_TRUE(server->peer_verified());
  EXPECT_EQ(send_all(*client, *server, "mutual"), "mutual");
}

TEST(TlsSession, SniPicksTheMatchingCertificate) {
  const tlstest::TestPki& pki = tlstest::TestPki::get();
  auto server_ctx = server_context({pki.cert, pki.key, "", {{pki.other_cert, pki.other_key}}});
  for (const char* name : {"other.test", "localhost"}) {
    auto server = tls::Session::accept(server_ctx);
    auto client = tls::Session::connect(client_context(), name);
    ASSERT_TRUE(handshake(*client, *server)) << name << ": " << client->last_error();
    EXPECT_TRUE(client->peer_verified()) << name;
    EXPECT_EQ(server->alpn(), "http/1.1") << name;
  }
  // A name no certificate has: the default one (which then fails the check).
  auto server = tls::Session::accept(server_ctx);
  auto client = tls::Session::connect(client_context(), "nobody.test");
  EXPECT_FALSE(handshake(*client, *server));
}

TEST(TlsSession, WrongRoleRefused) {
  EXPECT_FALSE(tls::Session::accept(client_context()));
  EXPECT_FALSE(tls::Session::connect(server_context(), "localhost"));
  EXPECT_FALSE(tls::Session::accept(nullptr));
}

// Heap bytes per idle server session after a full handshake (tickets sent,
// the client gone). OpenSSL's buffers are released (RELEASE_BUFFERS) and
// ours are empty and freed; what stays is the SSL object and its session.
// Measured (OpenSSL 3.0, Debian 12): ~14.7 KB, of which ~8.5 KB is a bare
// SSL_new() before any handshake; the rest the session, keys and cipher
// contexts. A retained record buffer (17 KiB) would fail the bound.
TEST(TlsSession, IdleMemory) {
  auto server_ctx = server_context();
  auto client_ctx = client_context();
  // Warm up: OpenSSL's one-time tables, the BIO method, the PKI.
  {
    auto server = tls::Session::accept(server_ctx);
    auto client = tls::Session::connect(client_ctx, "localhost");
    ASSERT_TRUE(handshake(*client, *server));
  }
  constexpr int kSessions = 1000;
  std::vector<std::unique_ptr<tls::Session>> servers;
  servers.reserve(kSessions);
  const std::size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kSessions; ++i) {
    servers.push_back(tls::Session::accept(server_ctx));
    auto client = tls::Session::connect(client_ctx, "localhost");
    ASSERT_TRUE(handshake(*client, *servers.back()));
    ASSERT_EQ(servers.back()->wire_pending(), 0u);
  }
  const std::size_t after = mallinfo2().uordblks;
  const double per_session = static_cast<double>(after - before) / kSessions;
  std::printf("[ idle    ] %.0f heap bytes per idle TLS 1.3 server session\n", per_session);
  RecordProperty("idle_bytes_per_session", static_cast<int>(per_session));
  EXPECT_LT(per_session, 24 * 1024.0);
}

}  // namespace
