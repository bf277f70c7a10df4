// What only the io_uring backend (net/uring_backend.hpp) does, on real
// loopback sockets, with the echo-and-commands server of
// tests/support/backend_loop.hpp:
//   - the provided buffer ring running dry (-ENOBUFS) while a thousand
//     connections send at once: receives are re-armed, no byte is lost;
//   - connections ended while their receive and send are in the kernel's
//     hands (the limbo in UringBackend::release / free_if_done): freed
//     once the kernel lets go, and the loop carries on;
//   - running out of file descriptors: the multishot accept fails with
//     EMFILE, and the loop sheds as the epoll path does, without spinning;
//   - 20,000 connect/close cycles: descriptors, connections and memory
//     come back to where they were.
// Skipped, saying why, where the kernel does not allow a ring.
#include "net/uring_backend.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend_loop.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace std::chrono_literals;
using wstest::BackendLoop;
using wstest::Received;

constexpr net::BackendKind io_uring = net::BackendKind::io_uring;

class UringBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = wstest::why_unusable(io_uring); !why.empty()) GTEST_SKIP() << why;
  }
};

// Keeps the loop's thread inside a deferred call until released (at the
// latest when this goes out of scope, so a failed assertion cannot leave
// the loop stuck and the fixture's join hanging). Meanwhile nothing is
// received: the kernel queues what arrives, and the receives that find it
// all run together once the loop waits again.
class LoopHold {
 public:
  explicit LoopHold(net::EventLoop& loop) {
    loop.defer([this] {
      held_ = true;
      while (!released_) std::this_thread::sleep_for(1ms);
    });
  }
  ~LoopHold() { release(); }
  LoopHold(const LoopHold&) = delete;
  LoopHold& operator=(const LoopHold&) = delete;
  bool held() {
    return wstest::eventually([this] { return held_.load(); }, 2000ms);
  }
  void release() { released_ = true; }

 private:
  std::atomic<bool> held_{false};
  std::atomic<bool> released_{false};
};

// ---- the buffer ring running dry ----

// 1,000 connections have 64 KiB each waiting when the loop accepts them:
// 64 MiB against a ring of 1,024 buffers of 16 KiB (16 MiB). Each receive
// takes a buffer as soon as it is armed, and more as its task work runs,
// until none is left and receives end with -ENOBUFS; each is re-armed once
// the handlers have given their buffers back. Every byte must be echoed,
// in order, and no connection may fail.
//
// The loop is held while the clients connect and send, so that the data is
// there before the receives are: data arriving at receives already armed
// would be taken a few connections at a time (with DEFER_TASKRUN the
// kernel runs a bounded batch of task work per wait, and the loop gives
// the buffers back after each), and the ring would never run dry.
TEST_F(UringBackendTest, TheBufferRingRunningDryLosesNoByte) {
  constexpr int client_count = 1000;
  constexpr std::size_t each = 64 * 1024;
  constexpr std::size_t ring_bytes =
      net::UringBackend::receive_buffers * net::UringBackend::receive_buffer_size;
  static_assert(client_count * each > 2 * ring_bytes, "the ring could hold it all");
  const rlim_t fds_needed = 2 * client_count + wstest::open_fd_count() + 64;  // both ends
  const wstest::FdLimit limit(fds_needed);
  if (!limit.ok(fds_needed))
    GTEST_SKIP() << "RLIMIT_NOFILE allows " << limit.soft() << " descriptors, " << fds_needed
                 << " needed";

  BackendLoop server(io_uring);
  LoopHold hold(server.loop());
  ASSERT_TRUE(hold.held());
  std::vector<wstest::StreamingClient> clients =
      wstest::streaming_clients(server.port(), client_count, each);  // in the backlog
  std::size_t waiting = 0;
  for (wstest::StreamingClient& client : clients) {
    ASSERT_TRUE(client.fd);
    const ssize_t n =
        ::send(client.fd.get(), client.out.data(), client.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) client.sent = static_cast<std::size_t>(n);
    waiting += client.sent;
  }
  ASSERT_GT(waiting, 2 * ring_bytes) << "the kernel took too little to drain the ring";
  EXPECT_EQ(server.log.accepted, 0) << "the loop accepted while held";
  hold.release();

  ASSERT_TRUE(wstest::stream_all(clients, each, 60s)) << "not every echo came back";
  for (std::size_t i = 0; i < clients.size(); ++i)
    ASSERT_TRUE(clients[i].in == clients[i].out) << "client " << i << "'s echo differs";
  EXPECT_EQ(server.log.accepted, client_count);
  EXPECT_EQ(server.log.failed, 0);
  EXPECT_EQ(server.log.disconnected, 0);
}

// ---- ended while the kernel holds its receive and send ----

// Forty connections each with 4 MiB queued for a client that reads nothing
// (so a send waits in the kernel) and a multishot receive armed: half are
// aborted by their handler, half closed gracefully with a 100 ms deadline
// that expires with the send still waiting. Each is cancelled and kept
// until its last completion; then freed, its descriptor closed. Under ASan
// a completion that found freed memory would stop the test here.
TEST_F(UringBackendTest, ConnectionsEndedWhileTheirReceiveAndSendAreInFlightAreFreedLater) {
  BackendLoop server(io_uring);
  const std::size_t fds_before = wstest::open_fd_count();
  constexpr int doomed_count = 40;
  std::vector<net::UniqueFd> doomed;
  for (int i = 0; i < doomed_count; ++i) {
    doomed.push_back(wstest::connect_loopback(server.port(), 4096));
    ASSERT_TRUE(doomed.back());
    wstest::send_all(doomed.back().get(), "#big " + std::to_string(4 << 20));
  }
  std::this_thread::sleep_for(200ms);  // every one is backed up, a send waiting
  for (int i = 0; i < doomed_count; ++i)
    wstest::send_all(doomed[i].get(), i % 2 == 0 ? "#abort" : "#close 100");

  ASSERT_TRUE(wstest::eventually([&] { return server.log.disconnected == doomed_count; }, 5000ms));
  EXPECT_EQ(server.log.closed_sending, doomed_count) << "not every send was still in flight";
  EXPECT_GT(server.log.least_queued_at_close, std::size_t{1} << 20);
  // Bytes were still queued: each client sees a reset, not a clean end.
  for (int i = 0; i < doomed_count; ++i)
    EXPECT_EQ(wstest::drain_to_end(doomed[i].get()), Received::End::reset) << "client " << i;
  doomed.clear();

  // The loop serves on: 500 more connections, echoed whole.
  {
    std::vector<wstest::StreamingClient> clients =
        wstest::streaming_clients(server.port(), 500, 32 * 1024);
    ASSERT_TRUE(wstest::stream_all(clients, 32 * 1024, 20s));
    for (std::size_t i = 0; i < clients.size(); ++i)
      ASSERT_TRUE(clients[i].in == clients[i].out) << "client " << i << "'s echo differs";
  }
  // And every connection, the cancelled ones included, has been let go.
  EXPECT_TRUE(wstest::eventually([&] { return server.connection_count() == 0; }, 5000ms));
  EXPECT_TRUE(wstest::eventually([&] { return wstest::open_fd_count() == fds_before; }, 5000ms))
      << wstest::open_fd_count() << " descriptors open, " << fds_before << " before";
}

// ---- out of file descriptors ----

double cpu_seconds_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  for (int i = 0; i < 13; ++i) stat >> field;
  long user = 0, system = 0;
  stat >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A loop on io_uring in a child process allowed 32 descriptors (so the
// test's own are not at risk); its port comes back through a pipe, and it
// is killed when the test is done.
class ChildServer {
 public:
  ChildServer() {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) serve(ready[1]);
    ::close(ready[1]);
    if (pid_ > 0 && ::read(ready[0], &port_, sizeof port_) != static_cast<ssize_t>(sizeof port_))
      port_ = 0;
    ::close(ready[0]);
  }
  ~ChildServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  pid_t pid() const noexcept { return pid_; }
  std::uint16_t port() const noexcept { return port_; }  // 0: it did not start

 private:
  [[noreturn]] static void serve(int ready) {
    try {
      const rlimit limit{32, 32};
      ::setrlimit(RLIMIT_NOFILE, &limit);
      wstest::ServerLog log;
      net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
      const std::uint16_t port = net::local_port(listener.get());
      net::EventLoop::Options options;
      options.backend = io_uring;
      net::EventLoop loop(
          std::move(listener),
          [&log](net::Connection& c) {
            return std::make_unique<wstest::EchoCommandHandler>(c, log);
          },
          options);
      [[maybe_unused]] ssize_t ignored = ::write(ready, &port, sizeof port);
      loop.run();
    } catch (...) {
    }
    ::_exit(0);
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// As EventLoop.RunningOutOfFileDescriptorsShedsInsteadOfSpinning for epoll:
// 60 clients against a loop that can hold about 25. Those it cannot take
// are shed (accepted on the spare descriptor and closed: the client sees
// its connection end at once) rather than left hanging in the backlog; the
// loop does not spin while it stays out of descriptors; and once clients
// leave, it accepts again.
TEST_F(UringBackendTest, RunningOutOfFileDescriptorsShedsInsteadOfSpinning) {
  ChildServer child;
  ASSERT_GT(child.pid(), 0);
  ASSERT_NE(child.port(), 0) << "the child's loop did not start";

  std::vector<net::UniqueFd> clients;
  for (int i = 0; i < 60; ++i) clients.push_back(wstest::connect_loopback(child.port()));
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds_of(child.pid());
  std::this_thread::sleep_for(1000ms);
  const double cpu_spent = cpu_seconds_of(child.pid()) - cpu_before;
  EXPECT_LT(cpu_spent, 0.5) << "the loop spins while out of descriptors";

  int served = 0, shed = 0, hung = 0;
  for (net::UniqueFd& client : clients) {
    wstest::send_all(client.get(), "x");
    const Received reply = wstest::read_up_to(client.get(), 1, 1000ms);
    if (reply.end == Received::End::wanted && reply.bytes == "x")
      ++served;
    else if (reply.end == Received::End::timeout)
      ++hung;
    else
      ++shed;
  }
  EXPECT_GT(served, 0);
  EXPECT_GT(shed, 0);
  EXPECT_EQ(hung, 0) << "left waiting: neither served nor shed";

  clients.clear();
  std::this_thread::sleep_for(200ms);
  net::UniqueFd fresh = wstest::connect_loopback(child.port());
  wstest::send_all(fresh.get(), "again");
  EXPECT_EQ(wstest::read_up_to(fresh.get(), 5).bytes, "again");
}

// ---- many short connections ----

// How a cycle's connection ends, in turn: the client's FIN (the server's
// receive completes with 0), the client's reset (it fails), or the server's
// abort from on_data while its receive is armed (cancelled, in limbo until
// the cancellation completes).
enum class Ending { client_fin, client_reset, server_abort };

void one_cycle(Ending ending, net::UniqueFd& client) {
  if (ending == Ending::server_abort) {
    wstest::send_all(client.get(), "#abort");
    EXPECT_EQ(wstest::drain_to_end(client.get()), Received::End::eof);
    client.reset();
    return;
  }
  wstest::send_all(client.get(), "ping");
  EXPECT_EQ(wstest::read_up_to(client.get(), 4).bytes, "ping");
  if (ending == Ending::client_reset)
    wstest::reset_connection(client);
  else
    client.reset();
}

TEST_F(UringBackendTest, TwentyThousandConnectCloseCyclesGiveEverythingBack) {
  constexpr int cycles = 20000;
  constexpr int batch = 100;  // connections open at once
  constexpr int measured_from = 5000;
  BackendLoop server(io_uring);
  const std::size_t fds_before = wstest::open_fd_count();
  std::size_t rss_at_measured_from = 0;
  const auto started = std::chrono::steady_clock::now();

  for (int done = 0; done < cycles; done += batch) {
    if (done == measured_from) rss_at_measured_from = wstest::resident_bytes();
    std::vector<net::UniqueFd> clients;
    for (int i = 0; i < batch; ++i) {
      clients.push_back(wstest::connect_loopback(server.port()));
      ASSERT_TRUE(clients.back()) << "connect failed at cycle " << done + i;
    }
    for (int i = 0; i < batch; ++i) one_cycle(static_cast<Ending>((done + i) % 3), clients[i]);
    ASSERT_FALSE(::testing::Test::HasFailure()) << "at cycle " << done;
    // Every connection of the batch has ended on the server before the next.
    ASSERT_TRUE(wstest::eventually([&] { return server.log.disconnected == done + batch; }, 5000ms))
        << server.log.disconnected << " ended of " << done + batch;
    ASSERT_LT(std::chrono::steady_clock::now() - started, 120s) << "too slow, at cycle " << done;
  }
  const std::size_t rss_at_end = wstest::resident_bytes();

  EXPECT_EQ(server.log.accepted, cycles);
  EXPECT_TRUE(wstest::eventually([&] { return server.connection_count() == 0; }, 5000ms));
  EXPECT_TRUE(wstest::eventually([&] { return wstest::open_fd_count() == fds_before; }, 5000ms))
      << wstest::open_fd_count() << " descriptors open, " << fds_before << " before";
#if defined(__SANITIZE_ADDRESS__)
  (void)rss_at_end;  // ASan's quarantine holds freed memory: RSS grows by design
#else
  const std::ptrdiff_t growth =
      static_cast<std::ptrdiff_t>(rss_at_end) - static_cast<std::ptrdiff_t>(rss_at_measured_from);
  EXPECT_LT(growth, 8 << 20) << "RSS grew by " << growth / 1024 << " KiB from cycle "
                             << measured_from << " to " << cycles;
#endif
  std::printf("20,000 cycles: %.2f s, RSS %zu KiB at cycle %d, %zu KiB at the end\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              rss_at_measured_from / 1024, measured_from, rss_at_end / 1024);
}

}  // namespace
