// tests/tls/connection_test.cpp: a net::Connection with a tls::Session as
// its transport, on a real event loop and loopback sockets, against a
// client Session driven by hand over its own socket. What the seam must
// keep: the handler sees plaintext and echoes it (a few bytes, and 1 MiB in
// many records); the handshake survives a ClientHello sent a byte at a
// time; a graceful close sends close_notify before the FIN; a peer's FIN
// without close_notify is its end of input like any other; garbage or plain
// HTTP instead of a ClientHello ends that connection and no other.
#include "net/connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "tests/support/loopback.hpp"
#include "tests/tls/tls_pair.hpp"

namespace {

using namespace std::chrono_literals;
using Status = net::Transport::Status;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Echoes; "close" closes gracefully; the peer's end of input does too.
class EchoHandler : public net::StreamHandler {
 public:
  explicit EchoHandler(net::Connection& connection) : connection_(connection) {}
  void on_data(std::span<std::uint8_t> bytes) override {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text == "close") return connection_.close_gracefully(2000ms);
    connection_.write(bytes);
  }
  void on_end_of_input() override { connection_.close_gracefully(2000ms); }
  void on_shutdown() override { connection_.close_gracefully(500ms); }
  void on_disconnect() override {}

 private:
  net::Connection& connection_;
};

struct TlsEchoLoop {
  std::shared_ptr<const tls::Context> context = tlstest::server_context();
  net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
  std::uint16_t port = net::local_port(listener.get());
  net::EventLoop loop{std::move(listener),
                      [this](net::Connection& c) {
                        c.set_transport(tls::Session::accept(context));
                        return std::make_unique<EchoHandler>(c);
                      },
                      net::EventLoop::Options{1000ms}};
  std::thread thread{[this] { loop.run(); }};
  ~TlsEchoLoop() {
    loop.request_stop();
    thread.join();
  }
};

// The client's side, by hand: a blocking socket and a client Session.
class TlsClient {
 public:
  explicit TlsClient(std::uint16_t port)
      : fd_(wstest::connect_loopback(port)),
        session_(tls::Session::connect(tlstest::client_context(), "127.0.0.1")) {}

  // Sends the session's wire output, `piece` bytes per send.
  void flush(std::size_t piece = SIZE_MAX) {
    for (auto out = session_->wire_output(); !out.empty(); out = session_->wire_output()) {
      const std::size_t n = std::min(piece, out.size());
      ASSERT_EQ(::send(fd_.get(), out.data(), n, MSG_NOSIGNAL), static_cast<ssize_t>(n));
      session_->wire_sent(n);
      if (piece != SIZE_MAX) std::this_thread::sleep_for(1ms);
    }
  }

  // One receive: what arrived within 3 s pushed and pulled into `plain`,
  // and the handshake's next flight sent. False once nothing more can come.
  bool step(std::string& plain, Status& status, bool& eof, int timeout_ms = 3000) {
    std::uint8_t buffer[64 * 1024];
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n <= 0) {
      eof = true;
      return false;
    }
    session_->push({buffer, static_cast<std::size_t>(n)});
    for (;;) {
      const auto pulled = session_->pull(buffer);
      plain.append(reinterpret_cast<const char*>(buffer), pulled.bytes);
      status = pulled.status;
      if (status != Status::ok) break;
    }
    flush();
    return status != Status::peer_closed && status != Status::failed;
  }

  // Until `want` plaintext bytes, the end, or 3 s of quiet.
  std::string read(std::size_t want, Status& status, bool& eof) {
    std::string plain;
    status = Status::need_more;
    eof = false;
    while (plain.size() < want && step(plain, status, eof)) {
    }
    return plain;
  }

  std::string handshake(std::size_t piece = SIZE_MAX) {
    flush(piece);
    std::string plain;
    Status status = Status::need_more;
    bool eof = false;
    while (!session_->handshake_done() && step(plain, status, eof)) {
    }
    return session_->handshake_done() ? "" : "handshake: " + std::string(session_->last_error());
  }

  void send(std::string_view text) {
    std::size_t sealed = 0;
    while (sealed < text.size()) {
      sealed += session_->seal(bytes_of(text.substr(sealed)));
      flush();
    }
  }

  std::string echo(std::string_view text) {
    send(text);
    Status status;
    bool eof;
    return read(text.size(), status, eof);
  }

  int fd() const { return fd_.get(); }
  tls::Session& session() { return *session_; }

 private:
  net::UniqueFd fd_;
  std::unique_ptr<tls::Session> session_;
};

TEST(TlsConnection, TheHandlerSeesPlaintextAndItsEchoComesBackSealed) {
  TlsEchoLoop server;
  TlsClient client(server.port);
  ASSERT_EQ(client.handshake(), "");
  EXPECT_EQ(client.session().alpn(), "http/1.1");
  EXPECT_EQ(client.echo("hello over TLS"), "hello over TLS");
}

TEST(TlsConnection, AMegabyteGoesBothWaysInManyRecords) {
  TlsEchoLoop server;
  TlsClient client(server.port);
  ASSERT_EQ(client.handshake(), "");
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  // One thread, as a Connection would: send a piece, take what came back.
  std::string back;
  Status status = Status::need_more;
  bool eof = false;
  for (std::size_t sent = 0; sent < big.size(); sent += 16 * 1024) {
    client.send(std::string_view(big).substr(sent, 16 * 1024));
    while (client.step(back, status, eof, 0)) {
    }
  }
  while (back.size() < big.size() && client.step(back, status, eof)) {
  }
  EXPECT_EQ(back.size(), big.size());
  EXPECT_TRUE(back == big) << "the echo differs";
}

TEST(TlsConnection, AClientHelloSentAByteAtATimeStillCompletes) {
  TlsEchoLoop server;
  TlsClient client(server.port);
  ASSERT_EQ(client.handshake(1), "");
  EXPECT_EQ(client.echo("split"), "split");
}

TEST(TlsConnection, AGracefulCloseSendsCloseNotifyBeforeTheFin) {
  TlsEchoLoop server;
  TlsClient client(server.port);
  ASSERT_EQ(client.handshake(), "");
  EXPECT_EQ(client.echo("last words"), "last words");
  client.send("close");
  Status status;
  bool eof;
  client.read(1, status, eof);
  EXPECT_EQ(status, Status::peer_closed) << "no close_notify before the end";
}

TEST(TlsConnection, APeersFinWithoutCloseNotifyIsItsEndOfInput) {
  TlsEchoLoop server;
  TlsClient client(server.port);
  ASSERT_EQ(client.handshake(), "");
  ::shutdown(client.fd(), SHUT_WR);  // no close_notify: a truncation, tolerated
  Status status;
  bool eof;
  client.read(1, status, eof);
  EXPECT_TRUE(status == Status::peer_closed || eof) << "the server never ended";
}

TEST(TlsConnection, GarbageOrPlainHttpEndsThatConnectionOnly) {
  TlsEchoLoop server;
  TlsClient bystander(server.port);
  ASSERT_EQ(bystander.handshake(), "");
  for (std::string_view junk : {std::string_view("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
                                std::string_view("\x16\x03\x01\xff\xff garbage")}) {
    net::UniqueFd raw = wstest::connect_loopback(server.port);
    ASSERT_EQ(::send(raw.get(), junk.data(), junk.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(junk.size()));
    pollfd p{raw.get(), POLLIN, 0};
    char buffer[4096];
    ssize_t n = 1;
    for (int reads = 0; reads < 10 && n > 0 && ::poll(&p, 1, 3000) > 0; ++reads)
      n = ::recv(raw.get(), buffer, sizeof buffer, 0);  // an alert, maybe, then the end
    EXPECT_LE(n, 0) << "the server kept a connection that sent " << junk.size() << " bytes of junk";
  }
  EXPECT_EQ(bystander.echo("still here"), "still here");
}

}  // namespace
