// The backend seam (net/backend.hpp), the same tests on both backends: what
// a handler sees must not depend on whether the loop reads and sends itself
// (epoll) or the kernel does it and reports completions (io_uring). An echo
// over real loopback sockets: many connections at once, each stream in
// order; a write of megabytes that must leave in many pieces; a peer that
// resets while megabytes are queued for it; a handler that closes its
// connection, abruptly or gracefully, while a send is in flight; a read
// paused by backpressure that resumes. After each, the loop must still serve. io_uring cases are
// skipped, saying why, where the kernel does not allow a ring.
#include "net/backend.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/backend_loop.hpp"
#include "tests/support/eventually.hpp"

namespace net {
// For gtest's messages: "GetParam() = io_uring", not a byte in hex.
void PrintTo(BackendKind kind, std::ostream* out) { *out << backend_name(kind); }
}  // namespace net

namespace {

using namespace std::chrono_literals;
using wstest::BackendLoop;
using wstest::Received;

class BackendSeam : public ::testing::TestWithParam<net::BackendKind> {
 protected:
  void SetUp() override {
    if (const std::string why = wstest::why_unusable(GetParam()); !why.empty()) GTEST_SKIP() << why;
  }
};

// A new connection is accepted and echoes: the loop is still serving.
void expect_serves(BackendLoop& server, std::string_view text = "still serving") {
  net::UniqueFd client = wstest::connect_loopback(server.port());
  ASSERT_TRUE(client);
  wstest::send_all(client.get(), text);
  EXPECT_EQ(wstest::read_up_to(client.get(), text.size()).bytes, text);
}

TEST_P(BackendSeam, ManyConnectionsEachGetTheirOwnBytesInOrder) {
  BackendLoop server(GetParam());
  std::vector<wstest::StreamingClient> clients =
      wstest::streaming_clients(server.port(), 200, 256 * 1024);
  ASSERT_TRUE(wstest::stream_all(clients, 16 * 1024, 20s));
  for (std::size_t i = 0; i < clients.size(); ++i)
    ASSERT_TRUE(clients[i].in == clients[i].out) << "client " << i << "'s echo differs";
  EXPECT_EQ(server.log.failed, 0);
}

// One client sending and reading 8 MiB at once: the echo's queue fills and
// drains while input keeps arriving.
TEST_P(BackendSeam, MegabytesEchoedWhileMoreArrive) {
  BackendLoop server(GetParam());
  std::vector<wstest::StreamingClient> clients =
      wstest::streaming_clients(server.port(), 1, 8 << 20);
  ASSERT_TRUE(wstest::stream_all(clients, 256 * 1024, 20s));
  EXPECT_TRUE(clients[0].in == clients[0].out) << "the echo differs";
}

// One write() of 8 MiB to a client with a 4 KiB receive window: it leaves
// in hundreds of sends (a send limit, partial sends, the socket full), and
// must arrive whole and in order.
TEST_P(BackendSeam, ALargeWriteLeavesInPiecesAndArrivesIntact) {
  BackendLoop server(GetParam());
  net::UniqueFd client = wstest::connect_loopback(server.port(), 4096);
  ASSERT_TRUE(client);
  constexpr std::size_t size = 8 << 20;
  wstest::command(client.get(), "#big " + std::to_string(size));
  const Received received = wstest::read_up_to(client.get(), size);
  ASSERT_EQ(received.bytes.size(), size);
  EXPECT_TRUE(received.bytes == wstest::pattern().substr(0, size)) << "the bytes differ";
  expect_serves(server);
}

// The peer resets while the server has megabytes queued for it (and, on
// io_uring, a send in the kernel): the connection ends with error() set,
// and only that one.
TEST_P(BackendSeam, APeerResetWhileMegabytesAreQueuedEndsOnlyThatConnection) {
  BackendLoop server(GetParam());
  net::UniqueFd survivor = wstest::connect_loopback(server.port());
  net::UniqueFd doomed = wstest::connect_loopback(server.port(), 4096);
  ASSERT_TRUE(survivor && doomed);
  wstest::command(doomed.get(), "#big " + std::to_string(16 << 20));
  // The server is sending: read a little, then reset with the rest queued.
  ASSERT_EQ(wstest::read_up_to(doomed.get(), 64 * 1024).bytes.size(), 64u * 1024);
  std::this_thread::sleep_for(50ms);
  wstest::reset_connection(doomed);

  ASSERT_TRUE(wstest::eventually([&] { return server.log.disconnected == 1; }, 3000ms));
  EXPECT_EQ(server.log.failed, 1) << "ended without error()";
  const int error = server.log.last_error;
  EXPECT_TRUE(error == ECONNRESET || error == EPIPE) << "error() is " << std::strerror(error);
  wstest::send_all(survivor.get(), "still here");
  EXPECT_EQ(wstest::read_up_to(survivor.get(), 10).bytes, "still here");
  EXPECT_EQ(server.log.disconnected, 1) << "the survivor ended too";
  expect_serves(server);
}

// A handler aborts from on_data while megabytes are queued and a send is
// in flight: the peer sees a reset (not a clean end after a cut stream),
// and the loop carries on.
TEST_P(BackendSeam, AbortFromOnDataWhileASendIsInFlight) {
  BackendLoop server(GetParam());
  net::UniqueFd client = wstest::connect_loopback(server.port(), 4096);
  ASSERT_TRUE(client);
  constexpr std::size_t size = 8 << 20;
  wstest::command(client.get(), "#big " + std::to_string(size));
  wstest::command(client.get(), "#abort");
  ASSERT_TRUE(wstest::eventually([&] { return server.log.disconnected == 1; }, 3000ms));
  EXPECT_EQ(server.log.closed_backed_up, 1) << "nothing was backed up when it closed";
  EXPECT_GT(server.log.least_queued_at_close, std::size_t{1} << 20);
  if (GetParam() == net::BackendKind::io_uring) {
    EXPECT_EQ(server.log.closed_sending, 1) << "no send was in flight when it closed";
  }
  std::size_t read = 0;
  EXPECT_EQ(wstest::drain_to_end(client.get(), &read), Received::End::reset);
  EXPECT_LT(read, size);
  expect_serves(server);
}

// close_gracefully() from on_data while a send is in flight: every byte
// queued before it is delivered, then a clean end (FIN).
TEST_P(BackendSeam, GracefulCloseFromOnDataWhileASendIsInFlightDeliversEverything) {
  BackendLoop server(GetParam());
  net::UniqueFd client = wstest::connect_loopback(server.port(), 4096);
  ASSERT_TRUE(client);
  constexpr std::size_t size = 8 << 20;
  wstest::command(client.get(), "#big " + std::to_string(size));
  wstest::command(client.get(), "#close 10000");
  ASSERT_TRUE(
      wstest::eventually([&] { return server.log.least_queued_at_close != SIZE_MAX; }, 3000ms));
  EXPECT_EQ(server.log.closed_backed_up, 1) << "nothing was backed up when it closed";
  if (GetParam() == net::BackendKind::io_uring) {
    EXPECT_EQ(server.log.closed_sending, 1) << "no send was in flight when it closed";
  }
  const Received received = wstest::read_up_to(client.get(), size);
  ASSERT_EQ(received.bytes.size(), size);
  EXPECT_TRUE(received.bytes == wstest::pattern().substr(0, size)) << "the bytes differ";
  EXPECT_EQ(wstest::drain_to_end(client.get()), Received::End::eof);
  client.reset();
  ASSERT_TRUE(wstest::eventually([&] { return server.log.disconnected == 1; }, 3000ms));
  EXPECT_EQ(server.log.failed, 0);
  expect_serves(server);
}

// An echo to a client that reads nothing stops reading at the read-pause
// mark (io_uring: its receive is cancelled, and what had already arrived
// is still delivered), so the client's sends stall; once the client reads,
// reading resumes (io_uring: re-armed) and the whole stream comes back,
// nothing lost or repeated around the pause.
TEST_P(BackendSeam, AReadPausedByBackpressureResumesWithoutLosingAByte) {
  BackendLoop server(GetParam());
  net::UniqueFd client = wstest::connect_loopback(server.port(), 4096);
  ASSERT_TRUE(client);
  wstest::command(client.get(), "#pause 262144");
  const std::string stream = wstest::pattern_at(12345, 64 << 20);
  std::size_t offered = 0;
  while (offered < stream.size()) {
    const ssize_t n = ::send(client.get(), stream.data() + offered,
                             std::min<std::size_t>(64 * 1024, stream.size() - offered),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      offered += static_cast<std::size_t>(n);
      continue;
    }
    ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);
    pollfd p{client.get(), POLLOUT, 0};
    if (::poll(&p, 1, 300) == 0) break;  // stalled: the server stopped reading
  }
  EXPECT_LT(offered, stream.size()) << "the server kept reading past its pause mark";
  const Received echoed = wstest::read_up_to(client.get(), offered);
  ASSERT_EQ(echoed.bytes.size(), offered);
  EXPECT_TRUE(echoed.bytes == stream.substr(0, offered)) << "the echo differs";
  // And reading goes on as usual after the pause.
  wstest::send_all(client.get(), "more");
  EXPECT_EQ(wstest::read_up_to(client.get(), 4).bytes, "more");
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendSeam,
                         ::testing::Values(net::BackendKind::epoll, net::BackendKind::io_uring),
                         [](const ::testing::TestParamInfo<net::BackendKind>& info) {
                           return std::string(net::backend_name(info.param));
                         });

}  // namespace
