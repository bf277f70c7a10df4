// The zero-copy receive path, checked from outside the process
// (docs/ARCHITECTURE.md, "The path of a message", item 4): a message that is
// one whole frame lying whole in one read reaches the handler as a view into
// the receive buffer; only a fragmented message (or a frame cut by the end of
// a read) is copied, once. tools/wsserver prints its counters as the last
// stdout line when SIGTERM stops it:
//
//   wsserver: stopped; connections N, messages N, bytes received N, payload bytes copied N
//
// Each test starts its own server, closes every connection cleanly (the
// counters are added up when a connection ends), stops the server and reads
// that line. Every frame goes out in its own write (TCP_NODELAY) and the
// client waits for the echo before sending the next, so no read of the
// server's can end inside a frame: a split frame is copied by design, which
// would make the count depend on timing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"

namespace wstest {
namespace {

struct Counters {
  std::uint64_t connections = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_copied = 0;
};

class ZeroCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = ServerProcess::start({}, error);
    ASSERT_NE(server_, nullptr) << error;
  }

  // SIGTERM, a clean exit, then the counters from the last stdout line.
  ::testing::AssertionResult stop_server(Counters& out) {
    if (!server_->send_signal(SIGTERM)) return ::testing::AssertionFailure() << "server gone";
    const auto status = server_->wait_exit(5000ms);
    if (!status) return ::testing::AssertionFailure() << "still running 5 s after SIGTERM";
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      return ::testing::AssertionFailure() << describe_wait_status(*status);
    }
    // The process has exited; its last line may still be in the pipe.
    std::string line;
    for (int i = 0; i < 200; ++i) {
      const std::string output = server_->output();
      const auto start = output.rfind("wsserver: stopped;");
      if (start != std::string::npos && output.find('\n', start) != std::string::npos) {
        line = output.substr(start, output.find('\n', start) - start);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    const int fields =
        std::sscanf(line.c_str(),
                    "wsserver: stopped; connections %" SCNu64 ", messages %" SCNu64
                    ", bytes received %" SCNu64 ", payload bytes copied %" SCNu64,
                    &out.connections, &out.messages, &out.bytes_received, &out.bytes_copied);
    if (fields != 4) {
      return ::testing::AssertionFailure()
             << "no counters line in the server's stdout: \"" << server_->output() << "\"";
    }
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<ServerProcess> server_;
};

// A valid close from the client, answered, then the TCP end: the connection's
// counters are added up. Returns the bytes the close frame took on the wire.
std::size_t close_cleanly(RawClient& client) {
  const std::string close_frame = frame_bytes(kClose, close_payload(1000));
  EXPECT_TRUE(client.send_raw(close_frame));
  EXPECT_TRUE(client.expect_close(1000));
  return close_frame.size();
}

TEST_F(ZeroCopy, SingleFrameMessagesInOneReadAreNotCopied) {
  constexpr int connections = 2;
  constexpr int messages_per_connection = 100;
  std::uint64_t sent = 0;  // bytes after the handshakes
  for (int c = 0; c < connections; ++c) {
    RawClient client;
    ASSERT_TRUE(client.open(server_->port()));
    for (int i = 0; i < messages_per_connection; ++i) {
      // Sizes from 1 byte to 16 KiB (7-bit and 16-bit length forms),
      // text and binary alternating.
      const std::size_t size = (static_cast<std::size_t>(i) * 167) % 16384 + 1;
      const std::uint8_t opcode = i % 2 == 0 ? kText : kBinary;
      const std::string payload(size, static_cast<char>('a' + i % 26));
      const std::string frame = frame_bytes(opcode, payload);
      ASSERT_TRUE(client.send_raw(frame)) << "message " << i;
      ASSERT_TRUE(client.expect_frame(opcode, payload)) << "message " << i;
      sent += frame.size();
    }
    sent += close_cleanly(client);
  }

  Counters counters;
  ASSERT_TRUE(stop_server(counters));
  EXPECT_EQ(counters.connections, static_cast<std::uint64_t>(connections));
  EXPECT_EQ(counters.messages, static_cast<std::uint64_t>(connections * messages_per_connection));
  EXPECT_EQ(counters.bytes_received, sent);
  EXPECT_EQ(counters.bytes_copied, 0u) << "a whole frame in one read must reach the handler as a "
                                          "view into the receive buffer";
}

TEST_F(ZeroCopy, FragmentedMessagesAreCopiedExactlyOnce) {
  constexpr int messages = 50;
  constexpr int fragments = 3;
  constexpr std::size_t fragment_size = 100;
  std::uint64_t sent = 0;
  RawClient client;
  ASSERT_TRUE(client.open(server_->port()));
  for (int i = 0; i < messages; ++i) {
    std::string message;
    for (int f = 0; f < fragments; ++f) {
      const std::string piece(fragment_size, static_cast<char>('A' + (i + f) % 26));
      const std::string frame =
          frame_bytes(f == 0 ? kText : kContinuation, piece, /*fin=*/f + 1 == fragments);
      ASSERT_TRUE(client.send_raw(frame)) << "message " << i << " fragment " << f;
      message += piece;
      sent += frame.size();
    }
    ASSERT_TRUE(client.expect_text(message)) << "message " << i;
  }
  sent += close_cleanly(client);

  Counters counters;
  ASSERT_TRUE(stop_server(counters));
  EXPECT_EQ(counters.connections, 1u);
  EXPECT_EQ(counters.messages, static_cast<std::uint64_t>(messages));
  EXPECT_EQ(counters.bytes_received, sent);
  EXPECT_EQ(counters.bytes_copied, static_cast<std::uint64_t>(messages * fragments * fragment_size))
      << "each fragment's payload is copied into the message once, and nothing else is";
}

}  // namespace
}  // namespace wstest
