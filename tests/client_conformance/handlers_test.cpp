// tests/client_conformance/handlers_test.cpp: the event-driven ws::Client on a
// loop thread of the test's own, where the blocking facade hides what the
// handlers see: on_open once, on_message per message, on_pong per pong,
// on_close once with the code the connection ended with (the code the client
// failed it with, the server's, 1005 for an empty Close, 1006 for TCP
// without one), on_error once with the HTTP status of a refused upgrade, and
// never on_close for a connection that never opened.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"
#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/frame_codec.hpp"
#include "ws/client.hpp"

namespace wstest {
namespace {

// What the handlers saw, readable from the test's thread.
struct Seen {
  std::mutex mutex;
  int opens = 0, closes = 0, errors = 0;
  std::vector<std::string> messages;
  std::uint64_t pongs = 0;
  std::uint16_t close_code = 0;
  std::string close_reason;
  int error_status = -1;
  std::string error_reason;

  template <class F>
  auto read(F&& f) {
    std::lock_guard lock(mutex);
    return f();
  }
};

// A loop on its own thread with one Client dialed on it.
class LoopClient {
 public:
  // `also_on_open` runs in on_open after it is counted (a test's reaction).
  LoopClient(std::string url, ws::ClientOptions options,
             std::function<void(ws::Client&)> also_on_open = {})
      : loop_(net::UniqueFd{}, nullptr, net::EventLoop::Options{}) {
    ws::ClientHandlers handlers;
    Seen* seen = &seen_;
    handlers.on_open = [seen, also_on_open](ws::Client& client) {
      seen->read([&] { return ++seen->opens; });
      if (also_on_open) also_on_open(client);
    };
    handlers.on_message = [seen](ws::Client&, const ws::Message& m) {
      seen->read([&] {
        seen->messages.emplace_back(m.text());
        return 0;
      });
    };
    handlers.on_pong = [seen](ws::Client&, std::span<const std::uint8_t>) {
      seen->read([&] { return ++seen->pongs; });
    };
    handlers.on_close = [seen](ws::Client&, std::uint16_t code, std::string_view reason) {
      seen->read([&] {
        seen->close_code = code;
        seen->close_reason = std::string(reason);
        return ++seen->closes;
      });
    };
    handlers.on_error = [seen](ws::Client&, const ws::DialFailure& failure) {
      seen->read([&] {
        seen->error_status = failure.status;
        seen->error_reason = failure.reason;
        return ++seen->errors;
      });
    };
    loop_.defer([this, url = std::move(url), options = std::move(options),
                 handlers = std::move(handlers)]() mutable {
      client_ = ws::Client::dial(loop_, url, std::move(options), std::move(handlers));
    });
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~LoopClient() {
    loop_.defer([this] { client_.reset(); });
    loop_.request_stop();
    thread_.join();
  }
  Seen& seen() { return seen_; }
  // Runs `task` with the client on the loop's thread.
  void with_client(std::function<void(ws::Client&)> task) {
    loop_.defer([this, task = std::move(task)] {
      if (client_) task(*client_);
    });
  }

 private:
  Seen seen_;
  net::EventLoop loop_;
  std::unique_ptr<ws::Client> client_;
  std::thread thread_;
};

// Accepts the LoopClient's connection and completes the upgrade.
::testing::AssertionResult upgrade(CraftedServer& server, std::optional<PeerConnection>& peer) {
  SeenRequest request;
  if (auto accepted = server.accept(peer); !accepted) return accepted;
  if (auto read = peer->read_request(request); !read) return read;
  if (auto valid = check_client_request(request, server.host()); !valid) return valid;
  return peer->send_raw(response_101(request.get("Sec-WebSocket-Key")));
}

TEST(ClientHandlers, OpenMessagesPongsAndOneCloseOnFailure) {
  CraftedServer server;
  LoopClient c(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  ASSERT_TRUE(upgrade(server, peer));
  ASSERT_TRUE(peer->send_raw(server_frame(kText, "one") + server_frame(kPong, "p") +
                             server_frame(kBinary, "two") + server_frame(kText, "\xff")));
  ASSERT_TRUE(peer->expect_close(1007));
  peer->close();
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.closes > 0; }); }, 2000ms));
  std::this_thread::sleep_for(50ms);  // room for a second, wrong, on_close
  seen.read([&] {
    EXPECT_EQ(seen.opens, 1);
    EXPECT_EQ(seen.closes, 1);
    EXPECT_EQ(seen.errors, 0);
    EXPECT_EQ(seen.messages, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(seen.pongs, 1u);
    EXPECT_EQ(seen.close_code, 1007);
    return 0;
  });
}

TEST(ClientHandlers, ServerCloseReportedOnceWithItsCodeAndReason) {
  CraftedServer server;
  LoopClient c(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  ASSERT_TRUE(upgrade(server, peer));
  ASSERT_TRUE(peer->send_raw(server_frame(kClose, close_payload(4001, "bye now"))));
  ASSERT_TRUE(peer->expect_close(4001));
  peer->close();
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.closes > 0; }); }, 2000ms));
  std::this_thread::sleep_for(50ms);
  seen.read([&] {
    EXPECT_EQ(seen.closes, 1);
    EXPECT_EQ(seen.close_code, 4001);
    EXPECT_EQ(seen.close_reason, "bye now");
    return 0;
  });
}

TEST(ClientHandlers, EmptyCloseIs1005AndTcpEndIs1006) {
  for (const bool empty_close : {true, false}) {
    CraftedServer server;
    LoopClient c(server.url("/"), test_options());
    std::optional<PeerConnection> peer;
    ASSERT_TRUE(upgrade(server, peer));
    if (empty_close) {
      ASSERT_TRUE(peer->send_raw(server_frame(kClose)));
      ASSERT_TRUE(peer->expect_close_empty());
    }
    peer->close();
    Seen& seen = c.seen();
    ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.closes > 0; }); }, 2000ms));
    seen.read([&] {
      EXPECT_EQ(seen.closes, 1);
      EXPECT_EQ(seen.close_code, empty_close ? 1005 : 1006);
      return 0;
    });
  }
}

TEST(ClientHandlers, RefusedUpgradeIsOneErrorWithTheStatusAndNoClose) {
  CraftedServer server;
  LoopClient c(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.errors > 0; }); }, 2000ms));
  std::this_thread::sleep_for(50ms);
  seen.read([&] {
    EXPECT_EQ(seen.errors, 1);
    EXPECT_EQ(seen.error_status, 403);
    EXPECT_NE(seen.error_reason.find("HTTP/1.1 403 Forbidden"), std::string::npos)
        << seen.error_reason;
    EXPECT_EQ(seen.opens, 0);
    EXPECT_EQ(seen.closes, 0) << "a connection that never opened does not close";
    return 0;
  });
}

TEST(ClientHandlers, ClientCloseReportsTheServersAnswer) {
  CraftedServer server;
  LoopClient c(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  ASSERT_TRUE(upgrade(server, peer));
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.opens > 0; }); }, 2000ms));
  c.with_client([](ws::Client& client) { client.close(3001, "client done"); });
  ASSERT_TRUE(peer->expect_close(3001, "client done"));
  ASSERT_TRUE(peer->send_raw(server_frame(kClose, close_payload(3001))));
  peer->close();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.closes > 0; }); }, 2000ms));
  std::this_thread::sleep_for(50ms);
  seen.read([&] {
    EXPECT_EQ(seen.closes, 1);
    EXPECT_EQ(seen.close_code, 3001);
    return 0;
  });
}

TEST(ClientHandlers, NothingSentBeforeThe101) {
  // 4.1: "the client MUST wait for a response from the server before
  // sending any further data": a send while dialing is dropped, not queued.
  CraftedServer server;
  LoopClient c(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  std::promise<ws::SendResult> sent;
  c.with_client([&](ws::Client& client) { sent.set_value(client.send_text("too early")); });
  std::future<ws::SendResult> result = sent.get_future();
  ASSERT_EQ(result.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(result.get(), ws::SendResult::dropped);
  EXPECT_TRUE(peer->expect_nothing(50ms)) << "bytes before the 101";
  ASSERT_TRUE(peer->send_raw(response_101(request.get("Sec-WebSocket-Key"))));
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.opens > 0; }); }, 2000ms));
  EXPECT_TRUE(peer->expect_nothing(50ms)) << "the early message was queued after all";
}

// Frames that came in the same read as the 101 are read even when on_open
// closed at once: the server's close among them is the answer to ours.
TEST(ClientHandlers, FramesBehindThe101AreReadWhenOnOpenCloses) {
  CraftedServer server;
  LoopClient c(server.url("/"), test_options(), [](ws::Client& client) { client.close(1000); });
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw(response_101(request.get("Sec-WebSocket-Key")) +
                             server_frame(kClose, close_payload(1001, "going"))));
  ASSERT_TRUE(peer->expect_close(1000));
  Seen& seen = c.seen();
  ASSERT_TRUE(eventually([&] { return seen.read([&] { return seen.closes > 0; }); }, 2000ms));
  seen.read([&] {
    EXPECT_EQ(seen.close_code, 1001) << "the close behind the 101 was not read";
    EXPECT_EQ(seen.close_reason, "going");
    return 0;
  });
}

}  // namespace
}  // namespace wstest
