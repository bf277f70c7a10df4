// tests/ws/websocket_api_test.cpp: the edges of the WebSocket handle an
// application holds, on a real server in this process and a raw client:
// close(code, reason) cuts a long reason at a code point boundary (a cut
// sequence would make the peer fail us with 1007, RFC 6455 8.1), and send()
// takes only text and binary (control and continuation frames have their
// own rules, 5.4 and 5.5, which ping() and close() keep).
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/utf8.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Serves /api, whose handler does what `act` says with each message.
struct ApiServer {
  explicit ApiServer(std::function<void(ws::WebSocket&, const ws::Message&)> act)
      : server(options()) {
    ws::Handlers handlers;
    handlers.on_message = std::move(act);
    server.route(ws::Route{"/api", {}, std::move(handlers)});
    server.start();
  }
  static ws::ServerOptions options() {
    ws::ServerOptions o;
    o.port = 0;
    o.close_timeout = 500ms;
    o.shutdown_timeout = 500ms;
    return o;
  }
  ws::Server server;
};

// 122 ASCII bytes, then two-byte characters: the 123rd byte of the reason
// (the most a close frame carries after its code) is the first half of one.
std::string reason_with_a_character_across_123() {
  std::string reason(122, 'r');
  for (int i = 0; i < 10; ++i) reason += "\xc3\xa9";  // U+00E9
  return reason;
}

TEST(WebSocketApi, ALongCloseReasonIsCutAtACodePointBoundary) {
  const std::string reason = reason_with_a_character_across_123();
  ApiServer api([&](ws::WebSocket& socket, const ws::Message&) {
    socket.close(ws::CloseCode::normal, reason);
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.open(api.server.port(), "/api"));
  ASSERT_TRUE(client.send_text("close, please"));
  wstest::Frame frame;
  ASSERT_EQ(client.read_frame(frame), wstest::ReadStatus::kFrame);
  ASSERT_EQ(frame.opcode, wstest::kClose);
  const std::string sent_reason = frame.payload.substr(2);
  EXPECT_EQ(sent_reason.size(), 122u) << "cut inside U+00E9, or not cut at all";
  EXPECT_EQ(sent_reason, reason.substr(0, 122));
  EXPECT_TRUE(wstest::utf8_valid(sent_reason));
}

TEST(WebSocketApi, AReasonThatFitsIsSentWhole) {
  ApiServer api([](ws::WebSocket& socket, const ws::Message&) {
    socket.close(ws::CloseCode::going_away, "\xc3\xa9t\xc3\xa9");
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.open(api.server.port(), "/api"));
  ASSERT_TRUE(client.send_text("close, please"));
  wstest::Frame frame;
  ASSERT_EQ(client.read_frame(frame), wstest::ReadStatus::kFrame);
  EXPECT_EQ(frame.payload, std::string("\x03\xe9\xc3\xa9t\xc3\xa9", 7));
}

TEST(WebSocketApi, SendRefusesControlAndContinuationOpcodes) {
  std::atomic<int> refused{0};
  ApiServer api([&](ws::WebSocket& socket, const ws::Message& message) {
    for (ws::Opcode opcode :
         {ws::Opcode::ping, ws::Opcode::pong, ws::Opcode::close, ws::Opcode::continuation})
      if (socket.send(bytes_of(std::string(200, 'x')), opcode) == ws::SendResult::dropped)
        ++refused;
    socket.send(message.payload, message.opcode);  // and the connection is fine
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.open(api.server.port(), "/api"));
  ASSERT_TRUE(client.echo(wstest::kText, "still open"));
  EXPECT_EQ(refused, 4);
  ASSERT_TRUE(client.echo(wstest::kBinary, "and still"));
}

}  // namespace
