// tests/client_conformance/reconnect_test.cpp: ws::Client's reconnection
// (ReconnectPolicy) against the real server, build/wsserver ($WSSERVER),
// killed and restarted on the same port:
//   - a connection cut (SIGKILL) is reported once (on_close, 1006); redials
//     fail while the server is down (on_error, will_retry), spaced by the
//     backoff; once the server is back the client opens again (on_open once
//     more) within the schedule, and messages echo again;
//   - the client's close() stops reconnecting, whether open or waiting to
//     redial;
//   - max_attempts failures in a row give up: finished();
//   - connections shorter than stable_after count as failures (a crafted
//     server that upgrades and closes at once).
// The client lives on a net::EventLoop of its own thread; its handlers run
// there and record what they saw under a mutex, which the test's thread
// polls, every wait bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"
#include "tests/client_conformance/crafted_server.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/server_process.hpp"
#include "ws/client.hpp"

namespace wstest {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds initial_delay{50};
constexpr milliseconds max_delay{400};
// Scheduling slack on a loaded machine (and under the sanitizers) on top of
// what the backoff itself allows.
constexpr milliseconds slack{1500};
constexpr milliseconds wait_bound{5000};

// What one handler call saw.
struct Event {
  enum class Kind { open, close, error, message } kind;
  Clock::time_point at;
  std::uint16_t code = 0;   // close
  std::string text;         // close reason, error reason, message
  bool will_retry = false;  // error
};

// A ws::Client dialing `url` on a loop of its own thread.
class LoopClient {
 public:
  LoopClient(std::string url, ws::ClientOptions options)
      : loop_(net::UniqueFd{}, nullptr, {}), thread_([this] { loop_.run(); }) {
    on_loop([&] { client_ = ws::Client::dial(loop_, url, std::move(options), handlers()); });
  }
  ~LoopClient() {
    // Destroyed on its loop's thread (the Client's contract), then the loop.
    on_loop([&] { client_.reset(); });
    loop_.request_stop();
    thread_.join();
  }
  LoopClient(const LoopClient&) = delete;
  LoopClient& operator=(const LoopClient&) = delete;

  // Runs `task` on the loop's thread and waits for it (bounded).
  bool on_loop(std::function<void()> task) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    loop_.defer([task = std::move(task), done] {
      task();
      done->set_value();
    });
    return future.wait_for(wait_bound) == std::future_status::ready;
  }

  std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<Event> of(Event::Kind kind) const {
    std::vector<Event> out;
    for (const Event& e : events())
      if (e.kind == kind) out.push_back(e);
    return out;
  }
  std::size_t count(Event::Kind kind) const { return of(kind).size(); }
  bool wait_count(Event::Kind kind, std::size_t n, milliseconds timeout = wait_bound) const {
    return eventually([&] { return count(kind) >= n; }, timeout);
  }

  void send_text(std::string text) {
    on_loop([&] { client_->send_text(text); });
  }
  void close() {
    on_loop([&] { client_->close(1000, "done"); });
  }
  bool finished() {
    bool result = false;
    on_loop([&] { result = client_->finished(); });
    return result;
  }

 private:
  void record(Event event) {
    event.at = Clock::now();
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }

  ws::ClientHandlers handlers() {
    ws::ClientHandlers h;
    h.on_open = [this](ws::Client&) { record({Event::Kind::open, {}, 0, {}, false}); };
    h.on_close = [this](ws::Client&, std::uint16_t code, std::string_view reason) {
      record({Event::Kind::close, {}, code, std::string(reason), false});
    };
    h.on_error = [this](ws::Client&, const ws::DialFailure& failure) {
      record({Event::Kind::error, {}, 0, failure.reason, failure.will_retry});
    };
    h.on_message = [this](ws::Client&, const ws::Message& message) {
      record({Event::Kind::message, {}, 0, std::string(message.text()), false});
    };
    return h;
  }

  net::EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<ws::Client> client_;  // the loop's thread only
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

// The server, as the other suites start it: wss:// when the TLS stage's
// environment says so (then trusting its CA).
struct Target {
  std::string scheme = tls_server_flags().empty() ? "ws" : "wss";
  std::unique_ptr<ServerProcess> server;

  ::testing::AssertionResult start(std::uint16_t port = 0) {
    std::string error;
    std::vector<std::string> flags;
    if (port != 0) flags = {"--port", std::to_string(port)};  // after start()'s "--port 0"
    server = ServerProcess::start(flags, error);
    if (!server) return ::testing::AssertionFailure() << "server did not start: " << error;
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult kill() {
    server->send_signal(SIGKILL);
    if (!server->wait_exit(wait_bound))
      return ::testing::AssertionFailure() << "server still running after SIGKILL";
    return ::testing::AssertionSuccess();
  }
  std::string url() const {
    return scheme + "://127.0.0.1:" + std::to_string(server->port()) + "/echo";
  }
  ws::ClientOptions options(std::uint32_t max_attempts = 0) const {
    ws::ClientOptions o;
    o.reconnect.enabled = true;
    o.reconnect.initial_delay = initial_delay;
    o.reconnect.max_delay = max_delay;
    o.reconnect.max_attempts = max_attempts;
    o.handshake_timeout = milliseconds(3000);
    o.close_timeout = milliseconds(1000);
    if (const char* ca = std::getenv("WSTEST_TLS_CA"); ca && scheme == "wss") o.tls.ca_file = ca;
    return o;
  }
};

// The lower bound of the backoff's wait before redial `attempt` (from 0):
// half of min(max_delay, initial_delay * 2^attempt) (client_options.hpp).
milliseconds least_delay(std::uint32_t attempt) {
  milliseconds d = initial_delay;
  for (std::uint32_t i = 0; i < attempt && d < max_delay; ++i) d *= 2;
  return std::min(d, max_delay) / 2;
}

long ms_between(Clock::time_point a, Clock::time_point b) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(b - a).count());
}

std::string describe(const std::vector<Event>& events) {
  static const char* names[] = {"open", "close", "error", "message"};
  std::string out;
  const Clock::time_point start = events.empty() ? Clock::now() : events.front().at;
  for (const Event& e : events) {
    out += "\n  +" + std::to_string(ms_between(start, e.at)) + " ms " +
           names[static_cast<int>(e.kind)];
    if (e.kind == Event::Kind::close) out += " " + std::to_string(e.code);
    if (!e.text.empty()) out += " \"" + e.text + "\"";
    if (e.kind == Event::Kind::error) out += e.will_retry ? " (will retry)" : " (gives up)";
  }
  return out;
}

::testing::AssertionResult echoes(LoopClient& client, const std::string& text) {
  const std::size_t before = client.count(Event::Kind::message);
  client.send_text(text);
  if (!client.wait_count(Event::Kind::message, before + 1))
    return ::testing::AssertionFailure() << "no echo of \"" << text << "\"";
  const std::string got = client.of(Event::Kind::message).back().text;
  if (got != text)
    return ::testing::AssertionFailure() << "echo \"" << got << "\", sent \"" << text << "\"";
  return ::testing::AssertionSuccess();
}

TEST(Reconnect, ServerKilledAndRestartedComesBackWithinTheBackoff) {
  Target target;
  ASSERT_TRUE(target.start());
  const std::uint16_t port = target.server->port();
  LoopClient client(target.url(), target.options());
  ASSERT_TRUE(client.wait_count(Event::Kind::open, 1)) << describe(client.events());
  ASSERT_TRUE(echoes(client, "before"));

  ASSERT_TRUE(target.kill());
  ASSERT_TRUE(client.wait_count(Event::Kind::close, 1)) << describe(client.events());
  EXPECT_EQ(client.of(Event::Kind::close).front().code, 1006) << describe(client.events());
  // Redials while the server is down: each refused, each to be retried.
  ASSERT_TRUE(client.wait_count(Event::Kind::error, 4)) << describe(client.events());

  ASSERT_TRUE(target.start(port)) << "restart on port " << port;
  const Clock::time_point restarted = Clock::now();
  ASSERT_TRUE(client.wait_count(Event::Kind::open, 2, max_delay + slack))
      << "no reopen within " << (max_delay + slack).count() << " ms of the restart"
      << describe(client.events());
  const long reopen_ms = ms_between(restarted, client.of(Event::Kind::open).back().at);
  std::printf("reconnect: reopened %ld ms after the restart (max_delay %ld ms)\n", reopen_ms,
              static_cast<long>(max_delay.count()));
  ASSERT_TRUE(echoes(client, "after"));

  // Settled: one close, one open more, no more errors after the open.
  std::this_thread::sleep_for(max_delay);
  const std::vector<Event> events = client.events();
  EXPECT_EQ(client.count(Event::Kind::open), 2u) << describe(events);
  EXPECT_EQ(client.count(Event::Kind::close), 1u) << describe(events);
  const std::vector<Event> errors = client.of(Event::Kind::error);
  for (const Event& e : errors) EXPECT_TRUE(e.will_retry) << describe(events);
  EXPECT_LT(errors.back().at, client.of(Event::Kind::open).back().at) << describe(events);

  // The schedule: the first redial waits at least least_delay(0) after the
  // close; redial k+1 at least least_delay(k) after failure k (1-based).
  const Clock::time_point closed = client.of(Event::Kind::close).front().at;
  EXPECT_GE(ms_between(closed, errors.front().at), least_delay(0).count() - 5) << describe(events);
  for (std::size_t k = 1; k < errors.size(); ++k) {
    EXPECT_GE(ms_between(errors[k - 1].at, errors[k].at),
              least_delay(static_cast<std::uint32_t>(k - 1)).count() - 5)
        << "failure " << k << " to " << k + 1 << describe(events);
    EXPECT_LE(ms_between(errors[k - 1].at, errors[k].at), (max_delay + slack).count())
        << "failure " << k << " to " << k + 1 << describe(events);
  }
}

TEST(Reconnect, CloseWhileOpenStopsReconnecting) {
  Target target;
  ASSERT_TRUE(target.start());
  LoopClient client(target.url(), target.options());
  ASSERT_TRUE(client.wait_count(Event::Kind::open, 1)) << describe(client.events());
  client.close();
  ASSERT_TRUE(client.wait_count(Event::Kind::close, 1)) << describe(client.events());
  EXPECT_NE(client.of(Event::Kind::close).front().code, 1006) << describe(client.events());
  // The server is still up: a reconnection would open again well within this.
  std::this_thread::sleep_for(max_delay * 2);
  EXPECT_EQ(client.count(Event::Kind::open), 1u) << describe(client.events());
  EXPECT_EQ(client.count(Event::Kind::error), 0u) << describe(client.events());
  EXPECT_TRUE(client.finished());
}

TEST(Reconnect, CloseWhileWaitingToRedialGivesUp) {
  Target target;
  ASSERT_TRUE(target.start());
  const std::uint16_t port = target.server->port();
  LoopClient client(target.url(), target.options());
  ASSERT_TRUE(client.wait_count(Event::Kind::open, 1)) << describe(client.events());
  ASSERT_TRUE(target.kill());
  ASSERT_TRUE(client.wait_count(Event::Kind::error, 1)) << describe(client.events());
  client.close();
  EXPECT_TRUE(client.finished());
  const std::size_t errors = client.count(Event::Kind::error);
  ASSERT_TRUE(target.start(port));
  std::this_thread::sleep_for(max_delay * 2);
  EXPECT_EQ(client.count(Event::Kind::open), 1u) << describe(client.events());
  EXPECT_EQ(client.count(Event::Kind::error), errors) << describe(client.events());
  EXPECT_EQ(client.count(Event::Kind::close), 1u) << describe(client.events());
}

TEST(Reconnect, MaxAttemptsGivesUp) {
  constexpr std::uint32_t attempts = 3;
  Target target;
  ASSERT_TRUE(target.start());
  ws::ClientOptions options = target.options(attempts);
  // The first connection's end is not a failure here (see the next case).
  options.reconnect.stable_after = milliseconds(0);
  LoopClient client(target.url(), std::move(options));
  ASSERT_TRUE(client.wait_count(Event::Kind::open, 1)) << describe(client.events());
  ASSERT_TRUE(target.kill());
  // Three failures in a row: the first two to be retried, the last not.
  ASSERT_TRUE(client.wait_count(Event::Kind::error, attempts)) << describe(client.events());
  ASSERT_TRUE(eventually([&] { return client.finished(); }, wait_bound))
      << describe(client.events());
  std::this_thread::sleep_for(max_delay * 2);  // and no fourth
  const std::vector<Event> errors = client.of(Event::Kind::error);
  ASSERT_EQ(errors.size(), attempts) << describe(client.events());
  for (std::uint32_t i = 0; i + 1 < attempts; ++i)
    EXPECT_TRUE(errors[i].will_retry) << describe(client.events());
  EXPECT_FALSE(errors.back().will_retry) << describe(client.events());
  EXPECT_EQ(client.count(Event::Kind::close), 1u) << describe(client.events());
}

// A server that upgrades and then closes at once (an auth refusal): each
// short connection counts as a failure, so the waits grow and max_attempts
// ends it, instead of a dozen redials a second for ever.
TEST(Reconnect, ShortConnectionsCountAsFailures) {
  constexpr std::uint32_t attempts = 3;
  CraftedServer server;
  ASSERT_TRUE(server.ok());
  ws::ClientOptions options;
  options.reconnect.enabled = true;
  options.reconnect.initial_delay = milliseconds(100);
  options.reconnect.max_delay = milliseconds(2000);
  options.reconnect.max_attempts = attempts;
  LoopClient client(server.url("/"), std::move(options));
  for (std::uint32_t i = 0; i < attempts; ++i) {
    std::optional<PeerConnection> peer;
    ASSERT_TRUE(server.accept(peer, wait_bound)) << i << describe(client.events());
    SeenRequest request;
    ASSERT_TRUE(peer->read_request(request));
    const std::string close = server_frame(0x8, std::string("\x03\xf0unauthorized", 14));
    ASSERT_TRUE(peer->send_raw(response_101(request.get("Sec-WebSocket-Key")) + close));
    ASSERT_TRUE(peer->expect_close(1008));
  }
  ASSERT_TRUE(eventually([&] { return client.finished(); }, wait_bound))
      << describe(client.events());
  std::optional<PeerConnection> none;
  EXPECT_FALSE(server.accept(none, max_delay));  // and no fourth
  const std::vector<Event> opens = client.of(Event::Kind::open);
  ASSERT_EQ(opens.size(), attempts) << describe(client.events());
  EXPECT_EQ(client.count(Event::Kind::close), attempts);
  // Waits of delay(0) >= 50 ms, then delay(1) >= 100 ms: growing.
  EXPECT_GE(opens[1].at - opens[0].at, milliseconds(50)) << describe(client.events());
  EXPECT_GE(opens[2].at - opens[1].at, milliseconds(100)) << describe(client.events());
}

}  // namespace
}  // namespace wstest
