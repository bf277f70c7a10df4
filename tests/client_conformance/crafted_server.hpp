// tests/client_conformance/crafted_server.hpp: the server side of the client's
// conformance suite, written with plain socket calls and no code of the
// library under test, so that a bug in ws/ cannot hide behind the same bug
// here. It is the mirror of tests/support/raw_client.hpp: there a crafted
// client drives the real server, here a crafted server drives the real client.
//
// CraftedServer listens on 127.0.0.1 on an ephemeral port in the test's own
// process. accept() hands back a PeerConnection: the client's socket, from
// which the test reads and checks the upgrade request (RFC 6455 4.1), to
// which it writes whatever response and frame bytes it chooses (valid or not:
// tests/support/frame_codec.hpp encodes anything), and from which it reads
// back the client's frames, checking each one is masked (5.3) and keeping its
// key.
//
// Every wait is bounded (kTimeout unless given), so a client that hangs fails
// the test instead of the suite; every socket is closed by its destructor.
// Single-threaded: one test thread uses a server and its connections (the
// client under test runs on threads of its own).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/unique_fd.hpp"
#include "tests/support/http_handshake.hpp"

namespace wstest {

using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds kPeerTimeout = 3000ms;

// The upgrade request as the client sent it.
struct SeenRequest {
  std::string method, target, version;
  HeaderList headers;  // in order, names as written
  std::string raw;     // the whole head, for failure messages

  std::string get(std::string_view name) const;  // first, "" if absent
  std::size_t count(std::string_view name) const;
};

// RFC 6455 4.1 items 1-9 (what every client request must carry): GET,
// HTTP/1.1, one Host, Upgrade: websocket, Connection with the token
// "Upgrade", a Sec-WebSocket-Key that is base64 of 16 bytes, and
// Sec-WebSocket-Version: 13. `host` is the Host value expected.
::testing::AssertionResult check_client_request(const SeenRequest& request, std::string_view host);

// A correct 101 for `key` (4.2.2 item 5), with `extra` header lines
// ("Name: value\r\n" each) before the blank line.
std::string response_101(std::string_view key, std::string_view extra = {});

// A server frame (5.2): unmasked, as a server must send (5.1), unless the
// test says otherwise through a FrameSpec of its own.
std::string server_frame(std::uint8_t opcode, std::string_view payload = {}, bool fin = true,
                         std::uint8_t rsv = 0);

// A frame as the client sent it (5.2), with its mask key.
struct ClientFrame {
  bool fin = false;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::array<std::uint8_t, 4> key{};
  std::string payload;  // unmasked
};

class PeerConnection {
 public:
  explicit PeerConnection(net::UniqueFd fd);
  PeerConnection(PeerConnection&&) = default;
  PeerConnection& operator=(PeerConnection&&) = default;

  // Reads the request head (through the blank line) and parses it.
  ::testing::AssertionResult read_request(SeenRequest& out,
                                          std::chrono::milliseconds timeout = kPeerTimeout);

  ::testing::AssertionResult send_raw(std::string_view bytes);
  // `bytes` in two writes cut at `cut`, with `pause` between them so that
  // they tend to reach the client in separate reads (TCP_NODELAY is set).
  ::testing::AssertionResult send_split(std::string_view bytes, std::size_t cut,
                                        std::chrono::microseconds pause = 1000us);

  // The client's next frame; it must be masked (5.3: "a client MUST mask all
  // frames that it sends to the server").
  ::testing::AssertionResult read_frame(ClientFrame& out,
                                        std::chrono::milliseconds timeout = kPeerTimeout);
  // The next frame is a Close with `code` (and `reason` if given); pongs
  // before it are skipped (a client may answer pings the test sent earlier).
  ::testing::AssertionResult expect_close(std::uint16_t code,
                                          std::optional<std::string_view> reason = {});
  // The next frame is a Close with an empty payload.
  ::testing::AssertionResult expect_close_empty();
  // Nothing at all arrives for `quiet`.
  ::testing::AssertionResult expect_nothing(std::chrono::milliseconds quiet = 100ms);
  // The client ends TCP (EOF or reset) within `timeout`, sending nothing more.
  ::testing::AssertionResult expect_tcp_end(std::chrono::milliseconds timeout = kPeerTimeout);

  // Stops writing (TCP FIN), still reading: what a server does after its
  // last bytes.
  void shutdown_write();
  void close() { fd_ = net::UniqueFd(); }
  bool connected() const { return fd_.get() >= 0; }

 private:
  enum class Fill { data, timeout, eof, error };
  Fill fill(std::chrono::milliseconds timeout);

  net::UniqueFd fd_;
  std::string rx_;  // received, not yet consumed
};

class CraftedServer {
 public:
  CraftedServer();  // listens on 127.0.0.1:0; check ok()
  bool ok() const { return listener_.get() >= 0; }
  std::uint16_t port() const { return port_; }
  // "ws://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "/") const;
  std::string host() const;  // "127.0.0.1:PORT", the Host the client must send

  // The next connection, within `timeout`.
  ::testing::AssertionResult accept(std::optional<PeerConnection>& out,
                                    std::chrono::milliseconds timeout = kPeerTimeout);

 private:
  net::UniqueFd listener_;
  std::uint16_t port_ = 0;
};

}  // namespace wstest
