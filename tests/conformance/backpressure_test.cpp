// tests/conformance/backpressure_test.cpp: --max-backpressure on /echo. A
// client that floods the server and reads nothing makes its own echo pile
// up; the server stops reading from it at the bound (TCP pushes back on the
// flood), its memory stays flat, the other clients keep echoing, and the
// idle timeout finally ends the non-reader: dropped at once if its output
// is backed up, else sent a close 1001 that it does not read, and dropped
// after the close timeout. A client that
// reads slowly loses nothing. The 1008 close of a slow consumer fed by
// others is tested in-process (tests/ws/backpressure_test.cpp): /echo has
// no such sender.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/conformance/non_reading_client.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

using Clock = std::chrono::steady_clock;

class Backpressure : public ServerSuite {
 public:
  static void SetUpTestSuite() {
    start_server({"--max-backpressure", "256K", "--idle-timeout", "1.5", "--close-timeout", "0.3",
                  "--ping-interval", "0"});
  }
};

TEST_F(Backpressure, NonReaderIsBoundedWhileOthersKeepEchoing) {
  WSTEST_OPEN(bystander);
  NonReadingClient flooder;
  ASSERT_TRUE(flooder.open(port()));
  const long rss_before = resident_kib(server()->pid());
  // 64 KiB messages, as fast as the kernel takes them, for 1 s at most: a
  // server that kept reading (and queuing the echo) would take gigabytes.
  const std::string message = frame_bytes(kBinary, std::string(64 * 1024, 'f'));
  std::size_t flooded = 0;
  const auto start = Clock::now();
  int round = 0;
  while (Clock::now() - start < 1000ms) {
    const std::size_t sent = flooder.send_some(message, 20ms);
    flooded += sent;
    if (++round % 8 == 0) {
      ASSERT_TRUE(bystander.echo(kText, "still served"));
    }
    if (sent < message.size()) break;  // the server stopped reading: TCP pushes back
  }
  EXPECT_LT(flooded, 256u << 20) << "the server kept reading a client that reads nothing";
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(bystander.echo(kText, "still served " + std::to_string(i)));
  const long rss_after = resident_kib(server()->pid());
  EXPECT_LT(rss_after - rss_before, 32 * 1024)
      << "server RSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
  // Nothing read from it for the idle timeout: dropped.
  bool ended = false;
  for (int i = 0; i < 30 && !ended; ++i) {
    ended = flooder.ended_within(100ms);
    ASSERT_TRUE(bystander.echo(kText, "meanwhile " + std::to_string(i)));  // not idle itself
  }
  ASSERT_TRUE(ended) << "the non-reader was never dropped";
}

TEST_F(Backpressure, SlowReaderLosesNothing) {
  // More echo than the bound, read late: the server pauses reading instead
  // of dropping anything or closing.
  NonReadingClient slow;
  ASSERT_TRUE(slow.open(port()));
  constexpr int count = 64;
  std::string burst;
  for (int i = 0; i < count; ++i)
    burst += frame_bytes(kBinary, std::string(16 * 1024, static_cast<char>('a' + i % 26)));
  std::size_t sent = slow.send_some(burst, 200ms);
  for (int i = 0; i < count; ++i) {
    Frame frame;
    if (sent < burst.size()) sent += slow.send_some(std::string_view(burst).substr(sent), 10ms);
    ASSERT_EQ(slow.read_frame(frame), ReadStatus::kFrame) << "message " << i;
    ASSERT_EQ(frame.opcode, kBinary) << describe(frame);
    ASSERT_EQ(frame.payload, std::string(16 * 1024, static_cast<char>('a' + i % 26)))
        << "message " << i;
  }
  ASSERT_EQ(sent, burst.size());
}

TEST_F(Backpressure, PingsFromANonReaderDoNotGrowTheServer) {
  // A ping flood with no reading: each pong is queued; the bound (and the
  // read pause) holds there too.
  NonReadingClient pinger;
  ASSERT_TRUE(pinger.open(port()));
  const std::string ping = frame_bytes(kPing, std::string(125, 'p'));
  std::string burst;
  for (int i = 0; i < 1000; ++i) burst += ping;
  std::size_t flooded = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < 500ms) {
    const std::size_t sent = pinger.send_some(burst, 20ms);
    flooded += sent;
    if (sent < burst.size()) break;
  }
  EXPECT_LT(flooded, 256u << 20);
  WSTEST_OPEN(bystander);
  ASSERT_TRUE(bystander.echo(kText, "served"));
}

}  // namespace
}  // namespace wstest
