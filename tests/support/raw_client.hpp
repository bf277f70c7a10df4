// tests/support/raw_client.hpp: a blocking-style TCP client for driving the
// server with raw bytes. Every wait is bounded (kTimeout unless given), so a
// hung server fails a test instead of hanging the suite. While sending, the
// client keeps reading into its receive buffer, so a server that echoes while
// the client still writes cannot deadlock the two.
//
// The expect_* helpers return ::testing::AssertionResult; use them as
// ASSERT_TRUE(client.expect_text("hi")) so failures point at the test line.
// expect_* are strict: the next frame must be the expected one, and every
// server frame must be unmasked with RSV = 0 and a minimal length
// (RFC 6455 5.1, 5.2). Not thread-safe.
//
// With WSTEST_TLS_CA set (tests/support/tls_client.hpp) every RawClient
// speaks TLS: connect() does the TLS handshake after the TCP one, and the
// bytes sent and read are the TLS session's. shutdown_write() and reset()
// stay TCP's (a FIN without close_notify, an RST), so tests mean the same.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/http_handshake.hpp"

namespace wstest {

class TlsStream;

using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds kTimeout = 2000ms;

enum class ReadStatus { kFrame, kTimeout, kEof, kReset, kError, kMalformed };

std::string read_status_name(ReadStatus status);

class RawClient {
 public:
  RawClient();
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&& other) noexcept;
  RawClient& operator=(RawClient&& other) noexcept;

  // TCP connect to 127.0.0.1:port (TCP_NODELAY, so each write is a segment);
  // in TLS mode, then the TLS handshake, within kTimeout.
  ::testing::AssertionResult connect(std::uint16_t port);

  // Sends `request` and checks the 101 answer (Upgrade, Connection,
  // Sec-WebSocket-Accept, no extension or subprotocol we did not ask for).
  ::testing::AssertionResult handshake(const UpgradeRequest& request);

  // connect() + handshake() with the standard request for `path`.
  ::testing::AssertionResult open(std::uint16_t port, const std::string& path = "/echo");

  // Reads one HTTP response head (through the blank line).
  ::testing::AssertionResult read_http_response(HttpResponse& out,
                                                std::chrono::milliseconds timeout = kTimeout);

  // Reads exactly `n` more bytes (an HTTP body) into `out`, each within
  // `timeout` of the one before.
  ::testing::AssertionResult read_bytes(std::size_t n, std::string& out,
                                        std::chrono::milliseconds timeout = kTimeout);

  // Reads the response head, checks its status, then checks the server
  // closes the TCP connection (any body is skipped).
  ::testing::AssertionResult expect_http_rejection(int status, HttpResponse* out = nullptr);

  // --- sending. Failures say how many bytes got out; tests that expect the
  // server to close early may ignore them.
  ::testing::AssertionResult send_raw(std::string_view bytes);
  // `bytes` in writes of `chunk` bytes with `pause` between them.
  ::testing::AssertionResult send_chunked(std::string_view bytes, std::size_t chunk,
                                          std::chrono::microseconds pause = 1000us);
  // `bytes` cut at the given offsets (ascending), `pause` between writes.
  ::testing::AssertionResult send_split(std::string_view bytes,
                                        const std::vector<std::size_t>& cuts,
                                        std::chrono::microseconds pause = 2000us);
  ::testing::AssertionResult send_frame(const FrameSpec& spec);
  ::testing::AssertionResult send_message(std::uint8_t opcode, std::string_view payload,
                                          bool fin = true);
  ::testing::AssertionResult send_text(std::string_view payload) {
    return send_message(kText, payload);
  }
  ::testing::AssertionResult send_binary(std::string_view payload) {
    return send_message(kBinary, payload);
  }
  ::testing::AssertionResult send_ping(std::string_view payload = {}) {
    return send_message(kPing, payload);
  }
  ::testing::AssertionResult send_pong(std::string_view payload = {}) {
    return send_message(kPong, payload);
  }
  ::testing::AssertionResult send_close(std::uint16_t code, std::string_view reason = {});
  ::testing::AssertionResult send_close_empty() { return send_message(kClose, {}); }
  // Stops writing (TCP FIN) but keeps reading.
  void shutdown_write();

  // --- receiving.
  // Next frame within `timeout` of inactivity. `detail` says what went
  // wrong for anything but kFrame.
  ReadStatus read_frame(Frame& out, std::string* detail = nullptr,
                        std::chrono::milliseconds timeout = kTimeout);

  // The next frame must be a final, unmasked, RSV = 0, minimally encoded
  // frame with this opcode and payload.
  ::testing::AssertionResult expect_frame(std::uint8_t opcode, std::string_view payload,
                                          std::chrono::milliseconds timeout = kTimeout);
  ::testing::AssertionResult expect_text(std::string_view payload) {
    return expect_frame(kText, payload);
  }
  ::testing::AssertionResult expect_binary(std::string_view payload) {
    return expect_frame(kBinary, payload);
  }
  ::testing::AssertionResult expect_pong(std::string_view payload = {}) {
    return expect_frame(kPong, payload);
  }

  // Sends the message as one frame and expects it back.
  ::testing::AssertionResult echo(std::uint8_t opcode, std::string_view payload);

  // The next frame must be a Close with `code` (a valid close payload: not
  // 1 byte, reason valid UTF-8), and then the server must end the TCP
  // connection within kTimeout without sending anything else. With
  // `reply`, answers the Close with a Close carrying the same code first
  // (for server-initiated closes).
  ::testing::AssertionResult expect_close(std::uint16_t code, bool reply = false);
  // Same for a Close with an empty payload.
  ::testing::AssertionResult expect_close_empty();

  // No more bytes; the server closes (EOF or RST) within `timeout`.
  ::testing::AssertionResult expect_tcp_end(std::chrono::milliseconds timeout = kTimeout);

  // Nothing arrives for `quiet`, and the connection is still open.
  ::testing::AssertionResult expect_nothing(std::chrono::milliseconds quiet = 100ms);

  bool connected() const { return fd_ >= 0; }
  void close();
  // Closes with SO_LINGER 0: the server sees a TCP reset.
  void reset();

 private:
  enum class Fill { kData, kTimeout, kEof, kReset, kError };
  Fill fill(std::chrono::milliseconds timeout);
  Fill fill_tls(std::chrono::milliseconds timeout);
  ::testing::AssertionResult write_all_tls(std::string_view bytes);
  void make_room();
  ::testing::AssertionResult wait_to_send(short events, std::size_t sent, std::size_t total,
                                          std::chrono::steady_clock::time_point& last_progress);
  ::testing::AssertionResult write_all(std::string_view bytes);
  std::string_view pending() const { return std::string_view(rx_).substr(rx_pos_); }
  void consume(std::size_t n);
  ::testing::AssertionResult check_close_frame(const Frame& frame,
                                               std::optional<std::uint16_t> code);

  int fd_ = -1;
  std::unique_ptr<TlsStream> tls_;  // TLS mode only
  std::string rx_;
  std::size_t rx_pos_ = 0;
  bool eof_ = false;
  bool reset_ = false;
  std::string error_;
};

}  // namespace wstest
