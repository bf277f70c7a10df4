// tests/conformance/isolation_test.cpp: RFC 6455 7.1.7: failing a WebSocket
// connection closes that connection only. One server serves many connections at
// once; what one client does (errors, partial frames, resets, not reading) must
// not disturb another.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

struct Offence {
  const char* name;
  std::string bytes;
  std::uint16_t code;
};

void PrintTo(const Offence& c, std::ostream* os) { *os << c.name << " -> " << c.code; }

std::vector<Offence> offences() {
  FrameSpec huge;
  huge.opcode = kBinary;
  huge.announced_length = std::uint64_t{1} << 40;
  FrameSpec unmasked;
  unmasked.opcode = kText;
  unmasked.payload = "unmasked";
  unmasked.masked = false;
  std::array<std::uint8_t, 4> key{};
  return {
      {"rsv_bits", frame_bytes(kText, "x", true, 4), 1002},
      {"reserved_opcode", frame_bytes(5, "x"), 1002},
      {"unmasked", encode_frame(unmasked), 1002},
      {"orphan_continuation", frame_bytes(kContinuation, "x"), 1002},
      {"invalid_utf8", frame_bytes(kText, "\xff"), 1007},
      {"too_big", encode_header(huge, key), 1009},
      {"bad_close_code", frame_bytes(kClose, close_payload(1005)), 1002},
  };
}

using Rfc6455_7_1_7_Isolation = ServerSuiteWithParam<Offence>;

TEST_P(Rfc6455_7_1_7_Isolation, FailingOneConnectionLeavesAnotherEchoing) {
  WSTEST_OPEN(bystander);
  WSTEST_OPEN(offender);
  ASSERT_TRUE(bystander.echo(kText, "before"));
  // The bystander is mid-message while the offender fails.
  ASSERT_TRUE(bystander.send_raw(frame_bytes(kText, "half ", false)));
  (void)offender.send_raw(GetParam().bytes);
  ASSERT_TRUE(offender.expect_close(GetParam().code));
  ASSERT_TRUE(bystander.send_raw(frame_bytes(kContinuation, "and half")));
  ASSERT_TRUE(bystander.expect_text("half and half"));
  ASSERT_TRUE(bystander.echo(kBinary, "after"));
}

INSTANTIATE_TEST_SUITE_P(Offences, Rfc6455_7_1_7_Isolation, ::testing::ValuesIn(offences()),
                         [](const auto& info) { return std::string(info.param.name); });

using Rfc6455_7_1_7_Concurrency = ServerSuite;

TEST_F(Rfc6455_7_1_7_Concurrency, InterleavedPartialFrames) {
  WSTEST_OPEN(a);
  WSTEST_OPEN(b);
  const std::string fa = frame_bytes(kText, "message from a");
  const std::string fb = frame_bytes(kBinary, "message from b");
  ASSERT_TRUE(a.send_raw(fa.substr(0, 5)));
  ASSERT_TRUE(b.send_raw(fb.substr(0, 9)));
  ASSERT_TRUE(a.send_raw(fa.substr(5, 4)));
  ASSERT_TRUE(b.send_raw(fb.substr(9)));
  ASSERT_TRUE(b.expect_binary("message from b"));
  ASSERT_TRUE(a.expect_nothing(30ms));
  ASSERT_TRUE(a.send_raw(fa.substr(9)));
  ASSERT_TRUE(a.expect_text("message from a"));
}

TEST_F(Rfc6455_7_1_7_Concurrency, SixtyFourConnectionsAtOnce) {
  std::vector<RawClient> clients(64);
  for (auto& c : clients) ASSERT_TRUE(c.open(port()));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].send_text("client " + std::to_string(i)));
  }
  for (std::size_t i = clients.size(); i-- > 0;) {
    ASSERT_TRUE(clients[i].expect_text("client " + std::to_string(i)));
  }
  for (auto& c : clients) {
    ASSERT_TRUE(c.send_close(1000));
    ASSERT_TRUE(c.expect_close(1000));
  }
}

TEST_F(Rfc6455_7_1_7_Concurrency, ResetMidFrameLeavesOthersEchoing) {
  WSTEST_OPEN(bystander);
  for (int i = 0; i < 10; ++i) {
    WSTEST_OPEN(gone);
    ASSERT_TRUE(gone.send_raw(frame_bytes(kBinary, binary_payload(1000)).substr(0, 500)));
    gone.reset();
    ASSERT_TRUE(bystander.echo(kText, "still here " + std::to_string(i)));
  }
}

TEST_F(Rfc6455_7_1_7_Concurrency, ClientClosingWithoutHandshakeLeavesOthersEchoing) {
  WSTEST_OPEN(bystander);
  for (int i = 0; i < 10; ++i) {
    WSTEST_OPEN(gone);
    ASSERT_TRUE(gone.send_raw(frame_bytes(kText, "partial", false)));
    gone.close();
    ASSERT_TRUE(bystander.echo(kText, "still here " + std::to_string(i)));
  }
}

TEST_F(Rfc6455_7_1_7_Concurrency, ClientThatDoesNotReadDoesNotBlockOthers) {
  // The server's echo to `sluggish` cannot fit in the socket buffers; a
  // server that blocks on that write stops serving everyone else.
  WSTEST_OPEN(sluggish);
  WSTEST_OPEN(bystander);
  const std::string big = binary_payload(8u << 20, 8);
  ASSERT_TRUE(sluggish.send_raw(frame_bytes(kBinary, big) + frame_bytes(kBinary, big)));
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(bystander.echo(kText, "responsive " + std::to_string(i)));
  // Now read it all: nothing was lost while it waited.
  ASSERT_TRUE(sluggish.expect_binary(big));
  ASSERT_TRUE(sluggish.expect_binary(big));
}

TEST_F(Rfc6455_7_1_7_Concurrency, SlowlyTricklingClientDoesNotBlockOthers) {
  WSTEST_OPEN(trickler);
  WSTEST_OPEN(bystander);
  const std::string bytes = frame_bytes(kText, "trickled message");
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_TRUE(trickler.send_raw(bytes.substr(i, 1)));
    ASSERT_TRUE(bystander.echo(kBinary, std::to_string(i)));
  }
  ASSERT_TRUE(trickler.expect_text("trickled message"));
}

// The same server with four event loops: connections land on different
// threads (SO_REUSEPORT), and each must behave exactly as on one.
class Rfc6455_7_1_7_FourThreads : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--threads", "4"}); }
};

TEST_F(Rfc6455_7_1_7_FourThreads, ManyConnectionsEchoAndFailIndependently) {
  std::vector<RawClient> clients(64);
  for (auto& c : clients) ASSERT_TRUE(c.open(port()));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (i % 4 == 3) {
      (void)clients[i].send_raw(frame_bytes(kText, "bad", true, 1));
    } else {
      ASSERT_TRUE(clients[i].send_raw(frame_bytes(kText, "frag ", false) + frame_bytes(kPing, "p") +
                                      frame_bytes(kContinuation, std::to_string(i))));
    }
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (i % 4 == 3) {
      ASSERT_TRUE(clients[i].expect_close(1002)) << "client " << i;
    } else {
      ASSERT_TRUE(clients[i].expect_pong("p")) << "client " << i;
      ASSERT_TRUE(clients[i].expect_text("frag " + std::to_string(i))) << "client " << i;
    }
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (i % 4 == 3) continue;
    ASSERT_TRUE(clients[i].echo(kBinary, binary_payload(70000, static_cast<std::uint32_t>(i))));
    ASSERT_TRUE(clients[i].send_close(1000));
    ASSERT_TRUE(clients[i].expect_close(1000));
  }
}

TEST_F(Rfc6455_7_1_7_FourThreads, LargeMessagesOnManyConnectionsAtOnce) {
  std::vector<RawClient> clients(8);
  for (auto& c : clients) ASSERT_TRUE(c.open(port()));
  const std::string big = utf8_text_payload(2u << 20);
  for (auto& c : clients) ASSERT_TRUE(c.send_text(big));
  for (auto& c : clients) ASSERT_TRUE(c.expect_text(big));
}

}  // namespace
}  // namespace wstest
