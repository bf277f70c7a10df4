// tests/ws/fault_injection_test.cpp: every system call the event loop and
// its connections make, failed in turn (net::FaultInjector: the n-th send,
// recv, accept4 or epoll_ctl), under five scenarios on a real ws::Server in
// this process, with clients on real loopback sockets. The clients
// (tests/support/scenario_client.hpp) call ::send and ::recv themselves,
// never net::sys, so only the server is ever faulted.
//
// For each (scenario, fault) pair: one run with an injector that never
// fires counts the calls of that kind the scenario makes (and must end
// normally); then, for n = 1 .. count + 1, a run fails the n-th call. Each
// run has a fresh server, with the injector installed before start() (as
// net/syscalls.hpp asks) and removed before the witness and the stop. A run
// ends cleanly when:
//   * its client sees the scenario's normal result, a close frame with a
//     code the server may send a well-behaved client, or its connection
//     closed or reset, within a time bound (every client wait is a poll
//     with a timeout: a hang fails, it does not block);
//   * every server-side connection is freed once the client has gone (the
//     process's open descriptors are back where they were: nothing dropped
//     but never freed);
//   * with the injector removed, a fresh witness client gets an echo from
//     the same server (the fault touched one connection, not the loop);
//   * stop() + wait() return promptly, and every opened WebSocket was told
//     of its end exactly once (on_close).
// The server's timeouts are a few hundred milliseconds, because some runs
// can only end by one: a request whose read was failed with EAGAIN (no new
// edge comes for bytes already there), or a send failed with EAGAIN (the
// kernel never refused, so no EPOLLOUT edge need follow).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "net/syscalls.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/scenario_client.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;
using net::Fault;
using net::FaultInjector;
using net::SysCall;
using wstest::Ending;
using wstest::ScenarioClient;
using Clock = std::chrono::steady_clock;

// The server's timers: short, so that a run a fault leaves stuck ends soon.
constexpr auto kHandshakeTimeout = 200ms;
constexpr auto kIdleTimeout = 300ms;
constexpr auto kCloseTimeout = 500ms;
constexpr auto kShutdownTimeout = 500ms;
// The client's patience for one frame or one send: longer than any chain of
// server timers that can end a stuck connection (idle, then close).
constexpr auto kPatience = 1500ms;
// One scenario, from connect to its end.
constexpr auto kRunBound = 3s;
// After the client has gone, how long the server may take to free its side.
constexpr auto kSettleBound = 2s;
// server.wait() that takes longer than this is a hang: the binary aborts.
constexpr auto kWaitBound = 5s;

constexpr int kLargeReceiveBuffer = 1 << 20;
constexpr int kSmallReceiveBuffer = 4096;  // the slow consumer's: backs the server up at once
constexpr std::size_t kMaxBackpressure = 256 * 1024;
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::uint32_t kMaxChunks = 1000;  // 64 MiB: far past the bound
constexpr std::string_view kFloodRequest = "flood";

enum class Scenario : std::uint8_t {
  echo,             // upgrade, one echo, then the client closes the socket
  fragmented_echo,  // a text message in 3 fragments, each its own write
  close_handshake,  // the client's close 1000, answered by 1000 and EOF
  slow_consumer,    // a small receive window that reads nothing: 1008
  shutdown,         // stop() with a client connected: 1001, wait() returns
};

struct Plan {
  Scenario scenario;
  SysCall call;
  Fault fault;
};

// ---- what may end a run -------------------------------------------------

// The codes a server may close a client with that sent only valid frames:
// 1000, 1001 (idle, shutdown), 1008 (slow consumer), 1011, 1013 (memory).
// 1002, 1007 and 1009 would blame the client for bytes it never sent wrong,
// except 1002 after an injected EOF: the server then saw a FIN cut a
// message. 1005, 1006 and 1015 never go on the wire (RFC 6455 7.4.1).
bool may_close_with(std::uint16_t code, const Plan& plan) {
  switch (code) {
    case 1000:
    case 1001:
    case 1008:
    case 1011:
    case 1013:
      return true;
    case 1002:
      return plan.call == SysCall::recv && plan.fault == Fault::eof;
    default:
      return false;
  }
}

// A short write and a failed accept the listener reports again are the
// kernel's everyday answers: nothing may change for the client.
bool must_stay_normal(const Plan& plan) {
  return (plan.call == SysCall::send && plan.fault == Fault::short_count) ||
         (plan.call == SysCall::accept && plan.fault == Fault::no_memory);
}

// A send the kernel fails with ECONNRESET or EPIPE ends the connection:
// its bytes never leave, so a client that still sees its normal result
// after one (the fault fired before the result) was served by a server that
// ignored the failure and went on writing to a socket it was told is dead.
bool ends_the_connection(const Plan& plan) {
  return plan.call == SysCall::send &&
         (plan.fault == Fault::reset || plan.fault == Fault::broken_pipe);
}

// `fired`: the fault had fired by the time the client had its result.
::testing::AssertionResult ended_cleanly(const Ending& ending, const Plan& plan,
                                         bool must_be_normal, bool fired) {
  switch (ending.kind) {
    case Ending::Kind::normal:
      if (fired && ends_the_connection(plan))
        return ::testing::AssertionFailure()
               << "the normal result after a failed send: the failure was ignored";
      return ::testing::AssertionSuccess();
    case Ending::Kind::closed:
      if (!must_be_normal && may_close_with(ending.code, plan))
        return ::testing::AssertionSuccess();
      break;
    case Ending::Kind::dropped:
      if (!must_be_normal) return ::testing::AssertionSuccess();
      break;
    case Ending::Kind::failed:
      break;
  }
  return ::testing::AssertionFailure() << "the client saw " << ending.describe();
}

// The flood's n-th frame: its number, then dots.
std::string chunk_payload(std::uint32_t index) {
  std::string payload = std::to_string(index);
  payload.resize(kChunk, '.');
  return payload;
}

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// ---- the server --------------------------------------------------------------

// What the route's handlers saw (they run on the loop's thread).
struct Observed {
  std::atomic<int> opened{0};
  std::atomic<int> ended{0};  // on_close: once per opened WebSocket, however it ended
  std::atomic<bool> flood_over{false};
};

// Numbered 64 KiB frames until send() drops one (the 1008) or 64 MiB.
void flood(ws::WebSocket& socket, Observed& seen) {
  for (std::uint32_t index = 0; index < kMaxChunks; ++index) {
    if (socket.send_binary(bytes_of(chunk_payload(index))) == ws::SendResult::dropped) break;
  }
  seen.flood_over = true;
}

// /echo (tools/wsserver's), plus the slow consumer's trigger.
ws::Route echo_route(Observed& seen) {
  ws::Handlers handlers;
  handlers.on_open = [&seen](ws::WebSocket&) { ++seen.opened; };
  handlers.on_message = [&seen](ws::WebSocket& socket, const ws::Message& message) {
    if (message.is_text() && message.text() == kFloodRequest) return flood(socket, seen);
    socket.send(message.payload, message.opcode);
  };
  handlers.on_close = [&seen](ws::WebSocket&, std::uint16_t, std::string_view) { ++seen.ended; };
  return ws::Route{"/echo", {}, std::move(handlers)};
}

ws::ServerOptions quick_options() {
  ws::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  // The injector stands in for the system calls epoll's path makes itself;
  // io_uring's go through the ring (its own failures: uring_backend_test).
  options.backend = net::BackendKind::epoll;
  options.handshake_timeout = kHandshakeTimeout;
  options.idle_timeout = kIdleTimeout;
  options.ping_interval = 0ms;  // no pings: a client sees only what it asked for
  options.close_timeout = kCloseTimeout;
  options.shutdown_timeout = kShutdownTimeout;
  options.max_backpressure = kMaxBackpressure;
  return options;
}

// The server's file descriptors (and ours): a connection the server has not
// freed still holds its socket.
std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

::testing::AssertionResult settles(std::size_t baseline) {
  if (wstest::eventually([&] { return open_descriptors() == baseline; }, kSettleBound))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << open_descriptors() << " descriptors open, " << baseline << " before the client came, "
         << kSettleBound.count() << " s after it went: a connection was never freed";
}

// server.wait(), bounded: a loop that never returns aborts the binary
// rather than hang the suite (a join cannot be given up).
void wait_bounded(ws::Server& server) {
  std::mutex mutex;
  std::condition_variable returned_cv;
  bool returned = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!returned_cv.wait_for(lock, kWaitBound, [&] { return returned; })) {
      std::fprintf(stderr, "fault_injection_test: server.wait() hung for %lld s\n",
                   static_cast<long long>(kWaitBound.count()));
      std::abort();
    }
  });
  const auto began = Clock::now();
  server.wait();
  {
    const std::lock_guard lock(mutex);
    returned = true;
  }
  returned_cv.notify_one();
  watchdog.join();
  EXPECT_LT(Clock::now() - began, kShutdownTimeout + 1s) << "wait() was slow to return";
}

// ---- the scenarios -----------------------------------------------------------

Ending echo(ScenarioClient& client, std::uint16_t port, std::string_view text) {
  if (auto end = client.open(port)) return *end;
  if (auto end = client.send(wstest::frame_bytes(wstest::kText, text))) return *end;
  return client.expect_message(wstest::kText, text);
}

Ending fragmented_echo(ScenarioClient& client, std::uint16_t port) {
  static constexpr std::string_view pieces[] = {"frag-", "ment-", "ed"};
  if (auto end = client.open(port)) return *end;
  for (std::size_t i = 0; i < std::size(pieces); ++i) {
    const std::uint8_t opcode = i == 0 ? wstest::kText : wstest::kContinuation;
    const bool last = i + 1 == std::size(pieces);
    if (auto end = client.send(wstest::frame_bytes(opcode, pieces[i], last))) return *end;
    std::this_thread::sleep_for(2ms);  // one read per fragment
  }
  return client.expect_message(wstest::kText, "frag-ment-ed");
}

Ending close_handshake(ScenarioClient& client, std::uint16_t port) {
  if (auto end = client.open(port)) return *end;
  if (auto end = client.send_close(1000)) return *end;
  return client.expect_close().normal_if_closed_with(1000);
}

Ending slow_consumer(ScenarioClient& client, std::uint16_t port, const Observed& seen) {
  if (auto end = client.open(port)) return *end;
  if (auto end = client.send(wstest::frame_bytes(wstest::kText, kFloodRequest))) return *end;
  // Read nothing until the route has given up on us (or the fault ended us).
  wstest::eventually([&] { return seen.flood_over || seen.ended > 0; }, 2s);
  return client.read_binary_stream(chunk_payload).normal_if_closed_with(1008);
}

Ending shutdown(ScenarioClient& client, ws::Server& server) {
  if (Ending echoed = echo(client, server.port(), "before"); echoed.kind != Ending::Kind::normal)
    return echoed;
  server.stop();
  return client.expect_close().normal_if_closed_with(1001);
}

Ending play(Scenario scenario, ScenarioClient& client, ws::Server& server, const Observed& seen) {
  switch (scenario) {
    case Scenario::echo:
      return echo(client, server.port(), "hello");
    case Scenario::fragmented_echo:
      return fragmented_echo(client, server.port());
    case Scenario::close_handshake:
      return close_handshake(client, server.port());
    case Scenario::slow_consumer:
      return slow_consumer(client, server.port(), seen);
    case Scenario::shutdown:
      return shutdown(client, server);
  }
  return Ending::failed("no such scenario");
}

// ---- one run -------------------------------------------------------------------

// Installed from construction until remove() or destruction. Declare it
// after the server, so it is removed before the server's destructor joins
// the loop; the injector, declared before the server, outlives the loop's
// last look at it.
class Installed {
 public:
  explicit Installed(FaultInjector& injector) { FaultInjector::install(&injector); }
  ~Installed() { remove(); }
  Installed(const Installed&) = delete;
  Installed& operator=(const Installed&) = delete;
  void remove() noexcept { FaultInjector::install(nullptr); }
};

::testing::AssertionResult witness_echoes(std::uint16_t port) {
  ScenarioClient witness(kLargeReceiveBuffer, kPatience);
  const Ending ending = echo(witness, port, "witness");
  if (ending.kind == Ending::Kind::normal) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the witness saw " << ending.describe();
}

// Runs `plan` with its fault on the `nth` call of its kind (0: never) and
// checks the run ended cleanly; returns how many such calls it made.
std::uint64_t run(const Plan& plan, std::uint64_t nth) {
  FaultInjector injector(plan.call, nth, plan.fault);
  Observed seen;
  ws::Server server(quick_options());
  server.route(echo_route(seen));
  // Before start(): the loop's thread sees the injector from its first call.
  Installed installed(injector);
  try {
    server.start();
  } catch (const std::system_error& error) {
    // Only epoll_ctl at the loop's construction (its eventfd, its listener)
    // may stop start(), and that is a clean failure: no server, so the
    // witness asks a fresh one.
    installed.remove();
    EXPECT_TRUE(plan.call == SysCall::epoll_ctl && injector.fired())
        << "start() threw: " << error.what();
    Observed fresh_seen;
    ws::Server fresh(quick_options());
    fresh.route(echo_route(fresh_seen));
    fresh.start();
    EXPECT_TRUE(witness_echoes(fresh.port()));
    return injector.calls(plan.call);
  }

  const std::size_t baseline = open_descriptors();
  {
    ScenarioClient client(
        plan.scenario == Scenario::slow_consumer ? kSmallReceiveBuffer : kLargeReceiveBuffer,
        kPatience);
    const auto began = Clock::now();
    const Ending ending = play(plan.scenario, client, server, seen);
    const bool fired = injector.fired();  // the client has not closed yet
    EXPECT_LT(Clock::now() - began, kRunBound) << "the run ended with " << ending.describe();
    EXPECT_TRUE(ended_cleanly(ending, plan, nth == 0 || must_stay_normal(plan), fired));
  }  // the client closes its socket

  if (plan.scenario == Scenario::shutdown) {
    // The server is stopping (or is told to now, if the fault ended the run
    // before the scenario could): no witness can be served; wait() must
    // return in bounded time, with the connection ended however it was left.
    server.stop();
    wait_bounded(server);
    installed.remove();
  } else {
    // Teardown (the server's EOF read, its linger) counts as part of the
    // run: the fault may land there too.
    EXPECT_TRUE(settles(baseline));
    installed.remove();
    EXPECT_TRUE(witness_echoes(server.port()));
    EXPECT_TRUE(settles(baseline));
    server.stop();
    wait_bounded(server);
  }
  EXPECT_EQ(seen.opened.load(), seen.ended.load()) << "a WebSocket was never told it ended";
  return injector.calls(plan.call);
}

// ---- the cases ---------------------------------------------------------------

// A send failure inside a burst (Connection::end_unit's early send) once
// went unnoticed: the connection stayed open and kept queuing for a peer
// that was gone. Calls 2 to 45 of the slow consumer's 48 sends are there.
class FaultInjection : public ::testing::TestWithParam<Plan> {};

TEST_P(FaultInjection, EachCallOfItsKindFailedInTurnEndsCleanly) {
  const Plan plan = GetParam();
  std::uint64_t calls = 0;
  {
    SCOPED_TRACE("counting run: no fault");
    calls = run(plan, 0);
  }
  ASSERT_FALSE(HasFailure()) << "the scenario fails with no fault at all";
  ASSERT_GT(calls, 0u) << "the scenario makes no call of this kind";
  std::printf("[ calls    ] %llu\n", static_cast<unsigned long long>(calls));
  for (std::uint64_t n = 1; n <= calls + 1; ++n) {
    SCOPED_TRACE(::testing::Message() << "fault on call " << n << " of " << calls);
    run(plan, n);
    if (HasFailure()) return;  // the first n that fails says it; later ones repeat it
  }
}

constexpr Fault send_faults[] = {Fault::again, Fault::short_count, Fault::reset,
                                 Fault::broken_pipe};
constexpr Fault recv_faults[] = {Fault::eof, Fault::reset, Fault::again};

// Every scenario meets every send and recv fault. Accept and epoll_ctl
// faults happen at connect time (and at start()), before any scenario
// differs from the plain echo, so only the echo meets them; the shutdown
// also meets epoll_ctl, which it calls once more to remove the listener.
std::vector<Plan> plans() {
  std::vector<Plan> all;
  for (Scenario scenario : {Scenario::echo, Scenario::fragmented_echo, Scenario::close_handshake,
                            Scenario::slow_consumer, Scenario::shutdown}) {
    for (Fault fault : send_faults) all.push_back({scenario, SysCall::send, fault});
    for (Fault fault : recv_faults) all.push_back({scenario, SysCall::recv, fault});
  }
  for (Fault fault : {Fault::no_fds, Fault::no_memory})
    all.push_back({Scenario::echo, SysCall::accept, fault});
  all.push_back({Scenario::echo, SysCall::epoll_ctl, Fault::no_memory});
  all.push_back({Scenario::shutdown, SysCall::epoll_ctl, Fault::no_memory});
  return all;
}

std::string name(const Plan& plan) {
  static constexpr const char* scenarios[] = {"echo", "fragmented_echo", "close_handshake",
                                              "slow_consumer", "shutdown"};
  static constexpr const char* calls[] = {"send", "recv", "accept", "epoll_ctl"};
  static constexpr const char* faults[] = {"again", "short_count", "reset",    "broken_pipe",
                                           "eof",   "no_fds",      "no_memory"};
  return std::string(scenarios[static_cast<int>(plan.scenario)]) + "_" +
         calls[static_cast<int>(plan.call)] + "_" + faults[static_cast<int>(plan.fault)];
}

void PrintTo(const Plan& plan, std::ostream* out) { *out << name(plan); }

INSTANTIATE_TEST_SUITE_P(Scenarios, FaultInjection, ::testing::ValuesIn(plans()),
                         [](const ::testing::TestParamInfo<Plan>& info) {
                           return name(info.param);
                         });

// The same fault from the kernel: a peer that resets while a handler is in
// the middle of a burst of sends. Once a send has failed, send() must stop
// reporting `sent`, and nothing may queue past max_backpressure plus one
// message. The handler holds the loop (a test may) until the reset is in.
TEST(FaultInjectionFromTheKernel, APeerResetInsideABurstStopsTheSender) {
  std::atomic<bool> burst_begun{false};
  std::atomic<bool> reset_sent{false};
  std::atomic<bool> burst_over{false};
  std::atomic<int> sent_after_reset{0};
  std::atomic<std::size_t> most_queued{0};
  ws::Handlers handlers;
  handlers.on_message = [&](ws::WebSocket& socket, const ws::Message&) {
    const std::string payload = chunk_payload(0);
    const std::span<const std::uint8_t> bytes = bytes_of(payload);
    socket.send_binary(bytes);
    burst_begun = true;
    wstest::eventually([&] { return reset_sent.load(); }, 2s);
    std::this_thread::sleep_for(20ms);  // the RST crosses loopback
    for (int i = 0; i < 100 && socket.send_binary(bytes) == ws::SendResult::sent; ++i) {
      ++sent_after_reset;
      most_queued = std::max(most_queued.load(), socket.buffered_bytes());
    }
    burst_over = true;
  };
  ws::Server server(quick_options());
  server.route(ws::Route{"/echo", {}, std::move(handlers)});
  server.start();
  {
    ScenarioClient client(kSmallReceiveBuffer, kPatience);
    ASSERT_FALSE(client.open(server.port()));
    ASSERT_FALSE(client.send(wstest::frame_bytes(wstest::kText, "go")));
    ASSERT_TRUE(wstest::eventually([&] { return burst_begun.load(); }, 2s));
    client.reset_on_close();
  }  // closed: a reset
  reset_sent = true;
  ASSERT_TRUE(wstest::eventually([&] { return burst_over.load(); }, 3s));
  EXPECT_LT(sent_after_reset, 100) << "send() kept reporting sent to a reset peer";
  EXPECT_LT(most_queued, kMaxBackpressure + kChunk + 16) << "the queue grew past the bound";
}

}  // namespace
