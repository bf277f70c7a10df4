// net::Connection's limits seen from a handler, on real loopback sockets:
// discard_unsent() gives the queue's memory back to the loop's account at
// once (a slow consumer's close must relieve the budget), and a
// limit_input() set from inside on_data() counts from that read on (it once
// wrapped around and let reading run without limit).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"

namespace {

using namespace std::chrono_literals;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct Seen {
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> charged_full{0};
  std::atomic<std::size_t> charged_after_discard{0};
  std::atomic<bool> filled{false};
  std::atomic<bool> discarded{false};
};

// "fill": queue far more than the peer reads; "discard": discard_unsent();
// "limit...": limit_input(10), as a protocol does once it decides to close.
class LimitsHandler : public net::StreamHandler {
 public:
  LimitsHandler(net::Connection& connection, Seen& seen) : connection_(connection), seen_(seen) {}
  void on_data(std::span<std::uint8_t> bytes) override {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    seen_.received += bytes.size();
    if (text == "fill") return fill();
    if (text == "discard") {
      connection_.discard_unsent();
      seen_.charged_after_discard = connection_.loop().memory().charged();
      seen_.discarded = true;
      return;
    }
    if (text.starts_with("limit")) connection_.limit_input(10);
  }
  void on_end_of_input() override { connection_.close_gracefully(500ms); }
  void on_shutdown() override { connection_.close_gracefully(500ms); }
  void on_disconnect() override {}

 private:
  void fill() {
    const std::string unit(64 * 1024, 'u');
    for (int i = 0, backed_up = 0; i < 2000 && backed_up < 64; ++i) {
      connection_.write(bytes_of(unit));
      if (connection_.backed_up()) ++backed_up;
    }
    seen_.charged_full = connection_.loop().memory().charged();
    seen_.filled = true;
  }

  net::Connection& connection_;
  Seen& seen_;
};

struct LimitsLoop {
  Seen seen;
  net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
  std::uint16_t port = net::local_port(listener.get());
  net::EventLoop loop{
      std::move(listener),
      [this](net::Connection& c) { return std::make_unique<LimitsHandler>(c, seen); },
      net::EventLoop::Options{1000ms}};
  std::thread thread{[this] { loop.run(); }};
  ~LimitsLoop() {
    loop.request_stop();
    thread.join();
  }
};

TEST(ConnectionLimits, DiscardUnsentGivesTheQueuesMemoryBack) {
  LimitsLoop test;
  net::UniqueFd client = wstest::connect_loopback(test.port, 4096);
  ASSERT_TRUE(client);
  ::send(client.get(), "fill", 4, 0);
  ASSERT_TRUE(wstest::eventually([&] { return test.seen.filled.load(); }, 2000ms));
  std::this_thread::sleep_for(50ms);
  ::send(client.get(), "discard", 7, 0);
  ASSERT_TRUE(wstest::eventually([&] { return test.seen.discarded.load(); }, 2000ms));
  ASSERT_GT(test.seen.charged_full.load(), 2u << 20);
  EXPECT_LT(test.seen.charged_after_discard.load(), test.seen.charged_full.load() / 4);
}

TEST(ConnectionLimits, ALimitSetFromOnDataCountsFromThatRead) {
  LimitsLoop test;
  net::UniqueFd client = wstest::connect_loopback(test.port, 4096);
  ASSERT_TRUE(client);
  const std::string first = "limit" + std::string(995, 'x');  // one 1000-byte read
  ASSERT_EQ(::send(client.get(), first.data(), first.size(), 0), 1000);
  ASSERT_TRUE(wstest::eventually([&] { return test.seen.received >= 1000; }, 2000ms));
  const std::string more(64 * 1024, 'y');
  for (int i = 0; i < 16; ++i) ::send(client.get(), more.data(), more.size(), MSG_DONTWAIT);
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(test.seen.received.load(), 1010u);
}

}  // namespace
