// tests/ws/backpressure_test.cpp: WebSocket::send under backpressure, on a
// real server in this process (one loop) and real loopback sockets, with
// routes that send far more than the peer reads: what send() reports
// (sent, buffered, dropped), Handlers::on_drain, the 1008 close of a slow
// consumer at max_backpressure, and pongs passing a queue the peer has not
// read. /echo cannot show the 1008: its non-reader is paused, not closed
// (tests/conformance/backpressure_test.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/conformance/non_reading_client.hpp"
#include "tests/support/frame_codec.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;
using wstest::Frame;
using wstest::NonReadingClient;
using wstest::ReadStatus;

constexpr std::size_t chunk = 64 * 1024;

// A 64 KiB payload that says which it is: its index in the first 4 bytes.
std::string numbered(std::uint32_t index) {
  std::string payload(chunk, static_cast<char>('a' + index % 26));
  std::memcpy(payload.data(), &index, sizeof index);
  return payload;
}

std::uint32_t index_of(const std::string& payload) {
  std::uint32_t index = 0;
  std::memcpy(&index, payload.data(), sizeof index);
  return index;
}

ws::SendResult send_numbered(ws::WebSocket& socket, std::uint32_t index) {
  const std::string payload = numbered(index);
  return socket.send_binary(
      {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
}

// What the route's handlers saw, read by the test thread.
struct Observed {
  std::atomic<int> sent{0};
  std::atomic<int> buffered{0};
  std::atomic<int> dropped{0};
  std::atomic<int> drains{0};
  std::atomic<std::size_t> buffered_at_drop{0};
  std::atomic<int> close_code{0};

  void count(ws::SendResult result) {
    switch (result) {
      case ws::SendResult::sent:
        ++sent;
        break;
      case ws::SendResult::buffered:
        ++buffered;
        break;
      case ws::SendResult::dropped:
        ++dropped;
        break;
    }
  }
};

struct TestServer {
  explicit TestServer(std::size_t max_backpressure, ws::Handlers handlers)
      : server(options(max_backpressure)) {
    server.route(ws::Route{"/echo", {}, std::move(handlers)});
    server.start();
  }
  static ws::ServerOptions options(std::size_t max_backpressure) {
    ws::ServerOptions o;
    o.port = 0;
    o.max_backpressure = max_backpressure;
    o.close_timeout = 1000ms;
    o.shutdown_timeout = 500ms;
    return o;
  }
  ws::Server server;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(Backpressure, SlowConsumerIsClosedWith1008AtTheBound) {
  Observed seen;
  ws::Handlers handlers;
  handlers.on_message = [&](ws::WebSocket& socket, const ws::Message&) {
    for (std::uint32_t i = 0; i < 1000; ++i) {  // 64 MiB: far past the bound
      const std::size_t queued = socket.buffered_bytes();
      const ws::SendResult result = send_numbered(socket, i);
      seen.count(result);
      if (result == ws::SendResult::dropped) {
        seen.buffered_at_drop = queued;  // what the refused send found
        EXPECT_LT(socket.buffered_bytes(), chunk + 64) << "unsent frames were kept";
        break;
      }
    }
  };
  handlers.on_close = [&](ws::WebSocket&, std::uint16_t code, std::string_view) {
    seen.close_code = code;
  };
  TestServer test(256 * 1024, std::move(handlers));
  NonReadingClient client;
  ASSERT_TRUE(client.open(test.server.port()));
  const std::string go = wstest::frame_bytes(wstest::kText, "go");
  ASSERT_EQ(client.send_some(go, 1000ms), go.size());
  ASSERT_TRUE(eventually([&] { return seen.dropped > 0; }, 2000ms));

  EXPECT_GE(seen.sent, 1);
  EXPECT_GE(seen.buffered, 1);
  EXPECT_EQ(seen.dropped, 1);
  EXPECT_GE(seen.buffered_at_drop, 256u * 1024);
  EXPECT_LT(seen.buffered_at_drop, 256u * 1024 + chunk + 16) << "the queue grew past the bound";

  // Reading now: whole frames in order (the unsent ones were dropped whole),
  // then the close 1008.
  std::uint32_t expected = 0;
  Frame frame;
  for (;;) {
    ASSERT_EQ(client.read_frame(frame), ReadStatus::kFrame) << "after frame " << expected;
    if (frame.opcode != wstest::kBinary) break;
    ASSERT_EQ(frame.payload.size(), chunk);
    ASSERT_EQ(index_of(frame.payload), expected) << "a frame was lost or reordered";
    ASSERT_EQ(frame.payload, numbered(expected));
    ++expected;
  }
  ASSERT_EQ(frame.opcode, wstest::kClose) << wstest::describe(frame);
  ASSERT_GE(frame.payload.size(), 2u);
  EXPECT_EQ((static_cast<std::uint8_t>(frame.payload[0]) << 8) |
                static_cast<std::uint8_t>(frame.payload[1]),
            1008);
  EXPECT_LT(static_cast<int>(expected), seen.sent + seen.buffered) << "nothing was discarded";
  const std::string reply = wstest::frame_bytes(wstest::kClose, wstest::close_payload(1008));
  ASSERT_EQ(client.send_some(reply, 1000ms), reply.size());
  ASSERT_TRUE(client.ended_within(2000ms));
  ASSERT_TRUE(eventually([&] { return seen.close_code != 0; }, 2000ms));
  EXPECT_EQ(seen.close_code, 1008);
}

TEST(Backpressure, OnDrainResumesASenderAndNothingIsLost) {
  Observed seen;
  constexpr std::uint32_t total = 200;  // 12.5 MiB through a 256 KiB bound
  std::uint32_t next = 0;               // loop thread only
  auto pump = [&](ws::WebSocket& socket) {
    while (next < total) {
      const ws::SendResult result = send_numbered(socket, next++);
      seen.count(result);
      if (result != ws::SendResult::sent) return;  // wait for on_drain
    }
  };
  ws::Handlers handlers;
  handlers.on_message = [&](ws::WebSocket& socket, const ws::Message&) { pump(socket); };
  handlers.on_drain = [&](ws::WebSocket& socket) {
    ++seen.drains;
    EXPECT_LE(socket.buffered_bytes(), 64u * 1024) << "on_drain above the low-water mark";
    pump(socket);
  };
  TestServer test(256 * 1024, std::move(handlers));
  NonReadingClient client;
  ASSERT_TRUE(client.open(test.server.port()));
  const std::string go = wstest::frame_bytes(wstest::kText, "go");
  ASSERT_EQ(client.send_some(go, 1000ms), go.size());
  for (std::uint32_t i = 0; i < total; ++i) {
    Frame frame;
    ASSERT_EQ(client.read_frame(frame), ReadStatus::kFrame) << "frame " << i;
    ASSERT_EQ(frame.opcode, wstest::kBinary) << wstest::describe(frame);
    ASSERT_EQ(index_of(frame.payload), i);
    if (i % 16 == 0) std::this_thread::sleep_for(2ms);  // a slow reader
  }
  EXPECT_EQ(seen.dropped, 0);
  EXPECT_GE(seen.buffered, 1);
  EXPECT_GE(seen.drains, 1);
  EXPECT_EQ(seen.sent + seen.buffered, static_cast<int>(total));
}

TEST(Backpressure, PongPassesAQueueThePeerHasNotRead) {
  Observed seen;
  ws::Handlers handlers;
  handlers.on_message = [&](ws::WebSocket& socket, const ws::Message&) {
    // Until the socket is backed up, then 32 frames (2 MiB) more.
    std::uint32_t i = 0;
    while (send_numbered(socket, i++) == ws::SendResult::sent && i < 1000) {
    }
    for (int extra = 0; extra < 32; ++extra) seen.count(send_numbered(socket, i++));
    seen.sent = static_cast<int>(i);
  };
  TestServer test(64u << 20, std::move(handlers));
  NonReadingClient client;
  ASSERT_TRUE(client.open(test.server.port()));
  const std::string go = wstest::frame_bytes(wstest::kText, "go");
  ASSERT_EQ(client.send_some(go, 1000ms), go.size());
  ASSERT_TRUE(eventually([&] { return seen.sent > 0; }, 2000ms));
  std::this_thread::sleep_for(50ms);
  const std::string ping = wstest::frame_bytes(wstest::kPing, "urgent");
  ASSERT_EQ(client.send_some(ping, 1000ms), ping.size());
  std::this_thread::sleep_for(50ms);

  int data_before_pong = -1;
  int frames = 0;
  for (int data = 0; data < seen.sent;) {
    Frame frame;
    ASSERT_EQ(client.read_frame(frame), ReadStatus::kFrame) << "after " << data << " frames";
    ++frames;
    if (frame.opcode == wstest::kPong) {
      EXPECT_EQ(frame.payload, "urgent");
      data_before_pong = data;
      continue;
    }
    ASSERT_EQ(frame.opcode, wstest::kBinary);
    ASSERT_EQ(index_of(frame.payload), static_cast<std::uint32_t>(data));
    ++data;
  }
  ASSERT_GE(data_before_pong, 0) << "no pong";
  // The pong waited for what the kernel held and the frame being sent, not
  // for the 2 MiB queued behind them.
  EXPECT_LT(data_before_pong, seen.sent - 16) << "the pong waited behind the queue";
}

}  // namespace
