// The reactor on real loopback sockets, with a tiny protocol (no WebSocket):
// echo, graceful close under unread input, shutdown, and running out of
// file descriptors. Then defer(), the one cross-thread call that carries
// work: order, batching, calls from the loop's own thread, and stopping.
#include "net/event_loop.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/socket.hpp"
#include "tests/support/loopback.hpp"

namespace {

using namespace std::chrono_literals;

// Echoes bytes; "close" makes it answer "bye" and close gracefully.
class EchoHandler : public net::StreamHandler {
 public:
  explicit EchoHandler(net::Connection& connection, std::atomic<int>* shutdowns)
      : connection_(connection), shutdowns_(shutdowns) {}
  void on_data(std::span<std::uint8_t> bytes) override {
    const std::string text(bytes.begin(), bytes.end());
    if (text.starts_with("close")) {
      connection_.write(
          std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("bye"), 3));
      connection_.close_gracefully(2000ms);
      return;
    }
    connection_.write(bytes);
  }
  // The peer is done sending: what it sent is echoed, then the socket closes.
  void on_end_of_input() override { connection_.close_gracefully(1000ms); }
  void on_shutdown() override {
    if (shutdowns_) ++*shutdowns_;
    connection_.close_gracefully(1000ms);
  }
  void on_disconnect() override {}

 private:
  net::Connection& connection_;
  std::atomic<int>* shutdowns_;
};

struct LoopFixture {
  std::atomic<int> shutdowns{0};
  net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
  std::uint16_t port = net::local_port(listener.get());
  net::EventLoop loop{
      std::move(listener),
      [this](net::Connection& c) { return std::make_unique<EchoHandler>(c, &shutdowns); },
      net::EventLoop::Options{2000ms}};
  std::thread thread{[this] { loop.run(); }};
  ~LoopFixture() {
    loop.request_stop();
    thread.join();
  }
};

void send_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads until `size` bytes arrived, EOF, or the timeout; returns what came.
std::string read_some(int fd, std::size_t size, std::chrono::milliseconds timeout = 2000ms) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < size && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// True if the peer closed (EOF) within the timeout, after any data.
bool reaches_eof(int fd, std::chrono::milliseconds timeout = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return true;
    if (n < 0) return false;
  }
  return false;
}

TEST(EventLoop, EchoesOnManyConnections) {
  LoopFixture fixture;
  std::vector<net::UniqueFd> clients;
  for (int i = 0; i < 50; ++i) clients.push_back(wstest::connect_loopback(fixture.port));
  for (std::size_t i = 0; i < clients.size(); ++i)
    send_all(clients[i].get(), "hello " + std::to_string(i));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::string expected = "hello " + std::to_string(i);
    EXPECT_EQ(read_some(clients[i].get(), expected.size()), expected);
  }
}

TEST(EventLoop, EchoesMegabytesInBothDirectionsAtOnce) {
  LoopFixture fixture;
  net::UniqueFd client = wstest::connect_loopback(fixture.port);
  const std::string payload(8 << 20, 'z');
  std::thread writer([&] { send_all(client.get(), payload); });
  const std::string echoed = read_some(client.get(), payload.size(), 10000ms);
  writer.join();
  EXPECT_EQ(echoed.size(), payload.size());
  EXPECT_EQ(echoed, payload);
}

// The server closes while the client is still sending: the client must
// still read the last bytes and then a clean EOF, not a reset.
TEST(EventLoop, GracefulCloseDeliversLastBytesDespiteUnreadInput) {
  LoopFixture fixture;
  net::UniqueFd client = wstest::connect_loopback(fixture.port);
  send_all(client.get(), "close");
  const std::string flood(256 * 1024, 'x');
  for (int i = 0; i < 8; ++i)
    if (::send(client.get(), flood.data(), flood.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) break;
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + 3000ms;
  bool clean_eof = false;
  while (std::chrono::steady_clock::now() < deadline) {
    char buffer[4096];
    pollfd p{client.get(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(client.get(), buffer, sizeof buffer, 0);
    if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
    if (n <= 0) {
      clean_eof = n == 0;
      break;
    }
  }
  EXPECT_EQ(received, "bye");
  EXPECT_TRUE(clean_eof);
}

TEST(EventLoop, StopAsksEveryConnectionToCloseAndRunReturns) {
  std::vector<net::UniqueFd> clients;
  int shutdowns = 0;
  {
    LoopFixture fixture;
    for (int i = 0; i < 10; ++i) clients.push_back(wstest::connect_loopback(fixture.port));
    send_all(clients[0].get(), "ping");
    EXPECT_EQ(read_some(clients[0].get(), 4), "ping");  // all ten are accepted by now
    std::this_thread::sleep_for(50ms);
    fixture.loop.request_stop();
    for (auto& client : clients) EXPECT_TRUE(reaches_eof(client.get()));
    fixture.thread.join();
    fixture.thread = std::thread([] {});
    shutdowns = fixture.shutdowns.load();
  }
  EXPECT_EQ(shutdowns, 10);
}

TEST(EventLoop, PeerResetEndsOnlyThatConnection) {
  LoopFixture fixture;
  net::UniqueFd doomed = wstest::connect_loopback(fixture.port);
  net::UniqueFd survivor = wstest::connect_loopback(fixture.port);
  linger hard{1, 0};  // close() with a zero linger sends a reset
  ::setsockopt(doomed.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  send_all(doomed.get(), "x");
  doomed.reset();
  send_all(survivor.get(), "still here");
  EXPECT_EQ(read_some(survivor.get(), 10), "still here");
}

// A client's loop: no listener, one outbound connection still connecting
// when its first bytes are queued.
TEST(EventLoop, OutboundConnectionSendsOnceConnectedAndReceives) {
  net::UniqueFd server = net::listen_tcp("127.0.0.1", 0);
  const std::uint16_t port = net::local_port(server.get());
  std::atomic<bool> got_reply{false};
  struct Client : net::StreamHandler {
    net::Connection& connection;
    std::atomic<bool>& got_reply;
    Client(net::Connection& c, std::atomic<bool>& flag) : connection(c), got_reply(flag) {
      connection.write(
          std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("hello"), 5));
    }
    void on_data(std::span<std::uint8_t> bytes) override {
      if (std::string(bytes.begin(), bytes.end()) == "world") got_reply = true;
      connection.loop().request_stop();
    }
    void on_end_of_input() override { connection.close_gracefully(100ms); }
    void on_shutdown() override { connection.close_gracefully(100ms); }
    void on_disconnect() override {}
  };
  net::EventLoop loop(net::UniqueFd{}, nullptr, net::EventLoop::Options{1000ms});
  loop.add_connection(net::connect_tcp("127.0.0.1", port),
                      [&](net::Connection& c) { return std::make_unique<Client>(c, got_reply); });
  std::thread thread([&] { loop.run(); });
  pollfd p{server.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  net::UniqueFd accepted(::accept(server.get(), nullptr, nullptr));
  EXPECT_EQ(read_some(accepted.get(), 5), "hello");
  send_all(accepted.get(), "world");
  thread.join();
  EXPECT_TRUE(got_reply);
}

double cpu_seconds_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  for (int i = 0; i < 13; ++i) stat >> field;
  long user = 0, system = 0;
  stat >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// With its descriptors exhausted, the loop sheds new connections (they see
// EOF) instead of spinning on a listener that stays readable, and serves
// again as soon as descriptors free up.
TEST(EventLoop, RunningOutOfFileDescriptorsShedsInsteadOfSpinning) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit limit{32, 32};
    ::setrlimit(RLIMIT_NOFILE, &limit);
    net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
    const std::uint16_t port = net::local_port(listener.get());
    net::EventLoop loop(
        std::move(listener),
        [](net::Connection& c) { return std::make_unique<EchoHandler>(c, nullptr); },
        net::EventLoop::Options{});
    [[maybe_unused]] ssize_t ignored = ::write(ready[1], &port, sizeof port);
    loop.run();
    ::_exit(0);
  }
  std::uint16_t port = 0;
  ASSERT_EQ(::read(ready[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ::close(ready[0]);
  ::close(ready[1]);

  std::vector<net::UniqueFd> clients;
  for (int i = 0; i < 60; ++i) clients.push_back(wstest::connect_loopback(port));
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds_of(child);
  std::this_thread::sleep_for(1000ms);
  const double cpu_spent = cpu_seconds_of(child) - cpu_before;
  EXPECT_LT(cpu_spent, 0.5) << "the loop spins while out of descriptors";

  int served = 0, shed = 0;
  for (auto& client : clients) {
    send_all(client.get(), "x");
    const std::string reply = read_some(client.get(), 1, 300ms);
    reply == "x" ? ++served : ++shed;
  }
  EXPECT_GT(served, 0);
  EXPECT_GT(shed, 0);
  clients.clear();
  std::this_thread::sleep_for(200ms);
  net::UniqueFd fresh = wstest::connect_loopback(port);
  send_all(fresh.get(), "again");
  EXPECT_EQ(read_some(fresh.get(), 5), "again");

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

// ---- defer() ----

// A loop with no listener, on its own thread; stopped and joined at the end.
struct DeferFixture {
  net::EventLoop loop{net::UniqueFd{}, nullptr, net::EventLoop::Options{1000ms}};
  std::thread thread{[this] { loop.run(); }};
  ~DeferFixture() { stop(); }
  void stop() {
    loop.request_stop();
    if (thread.joinable()) thread.join();
  }
};

bool wait_until(const std::atomic<bool>& flag, std::chrono::milliseconds timeout = 10000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!flag.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return flag.load();
}

constexpr int producers = 4;
constexpr int calls_per_producer = 100'000;
constexpr long all_calls = long{producers} * calls_per_producer;

// Each of four threads defers 100,000 numbered calls; every call must run
// once, on the loop's thread, each producer's in order.
struct Numbered {
  std::array<std::vector<int>, producers> ran;  // loop thread only
  int off_thread = 0;                           // loop thread only
  std::atomic<bool> done{false};

  Numbered() {
    for (auto& r : ran) r.reserve(calls_per_producer);
  }
  void defer_all(net::EventLoop& loop, std::thread::id loop_thread) {
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&, p] {
        for (int i = 0; i < calls_per_producer; ++i)
          ASSERT_TRUE(loop.defer([this, p, i, loop_thread] {
            if (std::this_thread::get_id() != loop_thread) ++off_thread;
            ran[p].push_back(i);
          }));
      });
    for (auto& t : threads) t.join();
    // After every producer's calls: they all happened before this push.
    loop.defer([this] { done = true; });
  }
  void expect_all_in_order() {
    ASSERT_TRUE(wait_until(done));
    EXPECT_EQ(off_thread, 0);
    for (int p = 0; p < producers; ++p) {
      ASSERT_EQ(ran[p].size(), static_cast<std::size_t>(calls_per_producer)) << "producer " << p;
      for (int i = 0; i < calls_per_producer; ++i)
        ASSERT_EQ(ran[p][i], i) << "producer " << p << " out of order";
    }
  }
};

TEST(EventLoopDefer, FourProducersEachInOrderExactlyOnceOnTheLoopThread) {
  DeferFixture fixture;
  Numbered numbered;
  const std::uint64_t before = fixture.loop.wakeups_written();
  numbered.defer_all(fixture.loop, fixture.thread.get_id());
  numbered.expect_all_in_order();
  const std::uint64_t wakeups = fixture.loop.wakeups_written() - before;
  std::printf("defer, loop running: %ld calls, %llu eventfd writes\n", all_calls + 1,
              static_cast<unsigned long long>(wakeups));
  EXPECT_LT(wakeups, static_cast<std::uint64_t>(all_calls / 10));
}

// While the loop is busy (here: inside a deferred call), a burst of 400,000
// calls from four threads finds the inbox non-empty after its first call:
// one eventfd write for all of them.
TEST(EventLoopDefer, ABurstWhileTheLoopIsBusyCostsOneWakeup) {
  DeferFixture fixture;
  std::atomic<bool> busy{false}, release{false};
  fixture.loop.defer([&] {
    busy = true;
    while (!release.load()) std::this_thread::yield();
  });
  ASSERT_TRUE(wait_until(busy));
  Numbered numbered;
  const std::uint64_t before = fixture.loop.wakeups_written();
  numbered.defer_all(fixture.loop, fixture.thread.get_id());
  const std::uint64_t wakeups = fixture.loop.wakeups_written() - before;
  std::printf("defer, loop busy: %ld calls, %llu eventfd writes\n", all_calls + 1,
              static_cast<unsigned long long>(wakeups));
  EXPECT_EQ(wakeups, 1u);
  release = true;
  numbered.expect_all_in_order();
}

// From the loop's own thread: no eventfd, not run inside defer(), and run
// without waiting for anything else (a chain of 1000 would hang in
// epoll_wait if the loop did not know it had work).
TEST(EventLoopDefer, FromTheLoopThreadItRunsLaterWithoutTheEventfd) {
  DeferFixture fixture;
  std::atomic<bool> done{false};
  std::uint64_t wakeups_before = 0, wakeups_after = 0;
  bool ran_inside_defer = false;
  int chained = 0;
  std::function<void()> next = [&] {
    if (++chained < 1000) {
      fixture.loop.defer(next);
      return;
    }
    wakeups_after = fixture.loop.wakeups_written();
    done = true;
  };
  fixture.loop.defer([&] {
    wakeups_before = fixture.loop.wakeups_written();
    bool second_ran = false;
    fixture.loop.defer([&] { second_ran = true; });
    ran_inside_defer = second_ran;
    fixture.loop.defer(next);
  });
  ASSERT_TRUE(wait_until(done, 2000ms));
  EXPECT_FALSE(ran_inside_defer);
  EXPECT_EQ(chained, 1000);
  EXPECT_EQ(wakeups_after, wakeups_before);
}

// Producers defer as fast as they can until the loop refuses; the loop stops
// all the same, and every call it accepted ran once, all before run()
// returned.
TEST(EventLoopDefer, RacingRequestStopEveryAcceptedCallRunsBeforeRunReturns) {
  net::EventLoop loop(net::UniqueFd{}, nullptr, net::EventLoop::Options{1000ms});
  long ran = 0;  // loop thread, then read after joins
  long ran_when_run_returned = -1;
  std::thread loop_thread([&] {
    loop.run();
    ran_when_run_returned = ran;
  });
  std::array<long, producers> accepted{};
  std::atomic<bool> started{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      while (loop.defer([&] { ++ran; })) {
        started = true;
        ++accepted[p];
      }
    });
  ASSERT_TRUE(wait_until(started));
  std::this_thread::sleep_for(20ms);
  const auto stop_asked = std::chrono::steady_clock::now();
  loop.request_stop();
  loop_thread.join();
  const auto stop_took = std::chrono::steady_clock::now() - stop_asked;
  for (auto& t : threads) t.join();

  long total = 0;
  for (long a : accepted) total += a;
  EXPECT_GT(total, 0);
  EXPECT_EQ(ran, total);
  EXPECT_EQ(ran_when_run_returned, total);
  EXPECT_LT(stop_took, 2000ms);
}

// A call that defers itself forever keeps the loop busy, not alive.
TEST(EventLoopDefer, ALoopDeferringToItselfForeverStillStops) {
  DeferFixture fixture;
  std::atomic<bool> spinning{false};
  long runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    spinning = true;
    fixture.loop.defer(again);
  };
  fixture.loop.defer(again);
  ASSERT_TRUE(wait_until(spinning));
  const auto stop_asked = std::chrono::steady_clock::now();
  fixture.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_asked, 2000ms);
  EXPECT_GT(runs, 0);
}

TEST(EventLoopDefer, CallsBeforeRunRunOnceItStarts) {
  net::EventLoop loop(net::UniqueFd{}, nullptr, net::EventLoop::Options{1000ms});
  std::vector<int> ran;
  for (int i = 0; i < 3; ++i) loop.defer([&ran, i] { ran.push_back(i); });
  loop.defer([&] { loop.request_stop(); });
  std::thread thread([&] { loop.run(); });
  thread.join();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
}

// After run() has returned, defer() says no and destroys the call at once,
// on the caller's thread; a loop that never ran destroys its calls unrun.
TEST(EventLoopDefer, AfterRunReturnedCallsAreRefusedAndDestroyed) {
  auto captured = std::make_shared<int>(0);
  bool ran = false;
  {
    DeferFixture fixture;
    fixture.stop();
    EXPECT_FALSE(fixture.loop.defer([captured, &ran] { ran = true; }));
    EXPECT_EQ(captured.use_count(), 1);
  }
  {
    net::EventLoop never_run(net::UniqueFd{}, nullptr, net::EventLoop::Options{});
    EXPECT_TRUE(never_run.defer([captured, &ran] { ran = true; }));
    EXPECT_EQ(captured.use_count(), 2);
  }
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_FALSE(ran);
}

}  // namespace
