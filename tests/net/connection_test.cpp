// net::Connection's output queue on real loopback sockets: units, the urgent
// lane (bytes that pass a queue the peer has refused, at a unit boundary),
// discard_unsent, the read pause and on_drain at the low-water mark. The
// client side reads nothing until the test says so, with a small receive
// buffer, so the server's queue backs up quickly.
#include "net/connection.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "tests/support/loopback.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::size_t unit_size = 64 * 1024;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Units of 64 KiB, each filled with its own letter, so the stream shows
// where every unit starts and whether one was cut.
std::string unit(int index) { return std::string(unit_size, static_cast<char>('a' + index % 26)); }

// Commands, one per read (the client sends each alone and waits a little):
//   "fill"    queue units until the socket is backed up, then 48 more
//   "urgent"  write_urgent("!URGENT!")
//   "discard" discard_unsent(), then write "END"
//   "order"   write "a", write_urgent "b", write "c" (nothing backed up)
//   anything else is counted and echoed
struct Probe {
  std::atomic<int> units{0};
  std::atomic<int> drains{0};
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> queued_at_urgent{0};
  std::atomic<std::size_t> pause_mark{SIZE_MAX};  // read before a connection is made
};

class ProbeHandler : public net::StreamHandler {
 public:
  ProbeHandler(net::Connection& connection, Probe& probe) : connection_(connection), probe_(probe) {
    connection_.set_low_water_mark(64 * 1024);
    connection_.set_read_pause_mark(probe_.pause_mark);
  }
  void on_data(std::span<std::uint8_t> bytes) override {
    probe_.received += bytes.size();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text == "fill") return fill();
    if (text == "urgent") {
      probe_.queued_at_urgent = connection_.buffered_bytes();
      connection_.write_urgent(bytes_of("!URGENT!"));
      return;
    }
    if (text == "discard") {
      connection_.discard_unsent();
      return connection_.write(bytes_of("END"));
    }
    if (text == "order") {
      connection_.write(bytes_of("a"));
      connection_.write_urgent(bytes_of("b"));
      return connection_.write(bytes_of("c"));
    }
    connection_.write(bytes);
  }
  void on_drain() override { ++probe_.drains; }
  void on_end_of_input() override { connection_.close_gracefully(500ms); }
  void on_shutdown() override { connection_.close_gracefully(500ms); }
  void on_disconnect() override {}

 private:
  void fill() {
    int extra = 0;
    for (int i = probe_.units; i < 10000 && extra < 48; ++i) {
      connection_.write(bytes_of(unit(i)));
      ++probe_.units;
      if (connection_.backed_up()) ++extra;
    }
  }

  net::Connection& connection_;
  Probe& probe_;
};

struct ProbeLoop {
  Probe probe;
  net::UniqueFd listener = net::listen_tcp("127.0.0.1", 0);
  std::uint16_t port = net::local_port(listener.get());
  net::EventLoop loop{
      std::move(listener),
      [this](net::Connection& c) { return std::make_unique<ProbeHandler>(c, probe); },
      net::EventLoop::Options{1000ms}};
  std::thread thread{[this] { loop.run(); }};
  ~ProbeLoop() {
    loop.request_stop();
    thread.join();
  }
};

void command(int fd, std::string_view text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  std::this_thread::sleep_for(50ms);  // one command per read on the server
}

// Reads until `size` bytes or nothing more for `quiet`.
std::string read_up_to(int fd, std::size_t size, std::chrono::milliseconds quiet = 500ms) {
  std::string out;
  while (out.size() < size) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 400 && !condition(); ++i) std::this_thread::sleep_for(5ms);
  return condition();
}

TEST(Connection, UrgentBytesKeepTheirOrderWhileNothingIsBackedUp) {
  ProbeLoop fixture;
  net::UniqueFd client = wstest::connect_loopback(fixture.port, 4096);
  command(client.get(), "order");
  EXPECT_EQ(read_up_to(client.get(), 3), "abc");
}

TEST(Connection, UrgentBytesPassARefusedQueueAtAUnitBoundary) {
  ProbeLoop fixture;
  net::UniqueFd client = wstest::connect_loopback(fixture.port, 4096);
  command(client.get(), "fill");
  ASSERT_TRUE(eventually([&] { return fixture.probe.units > 8; }));
  command(client.get(), "urgent");
  const std::size_t total = fixture.probe.units * unit_size + 8;
  const std::string stream = read_up_to(client.get(), total);
  ASSERT_EQ(stream.size(), total);
  const std::size_t at = stream.find("!URGENT!");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(at % unit_size, 0u) << "inserted inside a unit, at " << at;
  // It passed what was queued when it came, but for the unit being sent
  // and at most 4 KiB (boundaries are recorded sparsely).
  const std::size_t queued = fixture.probe.queued_at_urgent;
  ASSERT_GT(queued, 4 * unit_size) << "the kernel took nearly everything: nothing to pass";
  EXPECT_GE(stream.size() - 8 - at, queued - unit_size - 4096) << "waited behind the queue";
  std::string rest = stream;
  rest.erase(at, 8);
  for (int i = 0; i < fixture.probe.units; ++i)
    ASSERT_EQ(rest.compare(i * unit_size, unit_size, unit(i)), 0) << "unit " << i;
}

TEST(Connection, DiscardUnsentKeepsTheUnitBeingSentWhole) {
  ProbeLoop fixture;
  net::UniqueFd client = wstest::connect_loopback(fixture.port, 4096);
  command(client.get(), "fill");
  ASSERT_TRUE(eventually([&] { return fixture.probe.units > 8; }));
  command(client.get(), "discard");
  const std::string stream = read_up_to(client.get(), fixture.probe.units * unit_size + 3);
  ASSERT_GE(stream.size(), 3u);
  ASSERT_EQ(stream.substr(stream.size() - 3), "END");
  const std::size_t data = stream.size() - 3;
  EXPECT_EQ(data % unit_size, 0u) << "a unit was cut";
  EXPECT_LT(data, fixture.probe.units * unit_size) << "nothing was discarded";
  for (std::size_t i = 0; i < data / unit_size; ++i)
    ASSERT_EQ(stream.compare(i * unit_size, unit_size, unit(static_cast<int>(i))), 0);
}

TEST(Connection, BackedUpConnectionIsNotReadPastThePauseMarkAndResumes) {
  ProbeLoop fixture;
  fixture.probe.pause_mark = 256 * 1024;
  net::UniqueFd client = wstest::connect_loopback(fixture.port, 4096);
  // An echo the client does not read: the server stops reading at 256 KiB
  // queued, so the client's sends stall well short of what it offers.
  const std::string chunk(64 * 1024, 'e');
  std::size_t offered = 0;
  for (int i = 0; i < 4000; ++i) {
    const ssize_t n = ::send(client.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    offered += static_cast<std::size_t>(n);
  }
  EXPECT_LT(offered, 4000 * chunk.size()) << "the server kept reading";
  std::this_thread::sleep_for(50ms);
  const std::size_t received_while_paused = fixture.probe.received;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(fixture.probe.received, received_while_paused) << "read while paused";
  // Reading everything: the server resumes (on_drain at the low-water mark)
  // and every byte comes back.
  const std::string echoed = read_up_to(client.get(), offered, 1000ms);
  EXPECT_EQ(echoed.size(), offered);
  EXPECT_GE(fixture.probe.drains, 1);
}

}  // namespace
