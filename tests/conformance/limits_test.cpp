// tests/conformance/limits_test.cpp: RFC 6455 10.4 ("implementations SHOULD
// impose implementation-specific limits on frame sizes and the total message
// size") and 7.4.1 (1009: "a message that is too big for it to process"). The
// server's limit is --max-message (default 16 MiB). When a frame header alone
// announces more than the limit, the close comes at once, before any payload.
// Autobahn category 9 covers the sizes the default server must take.
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

constexpr std::size_t kLimit = 65536;

std::string message_of(std::uint8_t opcode, std::size_t size) {
  return opcode == kText ? utf8_text_payload(size) : binary_payload(size, 11);
}

// The message cut into the given fragment sizes (the last takes the rest).
std::string fragments(std::uint8_t opcode, std::string_view message,
                      const std::vector<std::size_t>& sizes) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; i <= sizes.size(); ++i) {
    const std::size_t len = i < sizes.size() ? sizes[i] : message.size() - at;
    const bool last = i == sizes.size();
    out += frame_bytes(at == 0 && i == 0 ? opcode : kContinuation, message.substr(at, len), last);
    at += len;
  }
  return out;
}

class Rfc6455_10_4_MessageLimit : public ServerSuiteWithParam<std::uint8_t> {
 public:
  static void SetUpTestSuite() { start_server({"--max-message", std::to_string(kLimit)}); }
};

TEST_P(Rfc6455_10_4_MessageLimit, ExactlyTheLimitInOneFrameIsEchoed) {
  WSTEST_OPEN(client);
  const std::string m = message_of(GetParam(), kLimit);
  ASSERT_TRUE(client.echo(GetParam(), m));
}

TEST_P(Rfc6455_10_4_MessageLimit, ExactlyTheLimitFragmentedIsEchoed) {
  WSTEST_OPEN(client);
  const std::string m = message_of(GetParam(), kLimit);
  ASSERT_TRUE(client.send_raw(fragments(GetParam(), m, {32768})));
  ASSERT_TRUE(client.expect_frame(GetParam(), m));
  ASSERT_TRUE(client.send_raw(fragments(GetParam(), m, {1, 65534})));
  ASSERT_TRUE(client.expect_frame(GetParam(), m));
  ASSERT_TRUE(client.send_raw(fragments(GetParam(), m, {65536})));  // then an empty final fragment
  ASSERT_TRUE(client.expect_frame(GetParam(), m));
  std::vector<std::size_t> many(63, 1000);
  ASSERT_TRUE(client.send_raw(fragments(GetParam(), m, many)));
  ASSERT_TRUE(client.expect_frame(GetParam(), m));
}

TEST_P(Rfc6455_10_4_MessageLimit, ControlFramesDoNotCountTowardsTheLimit) {
  WSTEST_OPEN(client);
  const std::string m = message_of(GetParam(), kLimit);
  ASSERT_TRUE(client.send_raw(frame_bytes(GetParam(), m.substr(0, 32768), false) +
                              frame_bytes(kPing, std::string(125, 'p')) +
                              frame_bytes(kPong, std::string(125, 'q')) +
                              frame_bytes(kContinuation, m.substr(32768))));
  ASSERT_TRUE(client.expect_pong(std::string(125, 'p')));
  ASSERT_TRUE(client.expect_frame(GetParam(), m));
}

TEST_P(Rfc6455_10_4_MessageLimit, LimitAppliesPerMessage) {
  WSTEST_OPEN(client);
  const std::string m = message_of(GetParam(), kLimit);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.echo(GetParam(), m)) << "message " << i;
}

TEST_P(Rfc6455_10_4_MessageLimit, OneOverInOneFrameFailsWith1009) {
  WSTEST_OPEN(client);
  (void)client.send_message(GetParam(), message_of(GetParam(), kLimit + 1));
  ASSERT_TRUE(client.expect_close(1009));
}

TEST_P(Rfc6455_10_4_MessageLimit, HeaderAnnouncingOneOverFailsAtOnce) {
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.announced_length = kLimit + 1;
  ASSERT_TRUE(client.send_frame(spec));  // header only, no payload
  ASSERT_TRUE(client.expect_close(1009));
}

TEST_P(Rfc6455_10_4_MessageLimit, HeaderAnnouncingHugeLengthsFailsAtOnce) {
  for (std::uint64_t length : {std::uint64_t{1} << 20, std::uint64_t{1} << 32,
                               std::uint64_t{1} << 62, (std::uint64_t{1} << 63) - 1}) {
    WSTEST_OPEN(client);
    FrameSpec spec;
    spec.opcode = GetParam();
    spec.announced_length = length;
    ASSERT_TRUE(client.send_frame(spec));
    ASSERT_TRUE(client.expect_close(1009)) << "announced " << length;
  }
}

TEST_P(Rfc6455_10_4_MessageLimit, HeaderAnnouncingOneOverAfterSomePayload) {
  // A legitimate first fragment, then a frame whose header alone is over.
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kContinuation;
  spec.announced_length = kLimit + 1;
  ASSERT_TRUE(client.send_raw(frame_bytes(GetParam(), "start", false)));
  ASSERT_TRUE(client.send_frame(spec));
  ASSERT_TRUE(client.expect_close(1009));
}

struct OverSplit {
  const char* name;
  std::vector<std::size_t> sizes;
};

TEST_P(Rfc6455_10_4_MessageLimit, OneOverFragmentedFailsWith1009) {
  const std::vector<OverSplit> splits = {
      {"half_and_half_plus_one", {32768}},
      {"limit_then_one", {65536}},
      {"one_then_limit", {1}},
      {"limit_then_empty_then_one", {65536, 0}},
      {"many_small", std::vector<std::size_t>(65, 1000)},
  };
  const std::string m = message_of(GetParam(), kLimit + 1);
  for (const OverSplit& split : splits) {
    SCOPED_TRACE(split.name);
    WSTEST_OPEN(client);
    (void)client.send_raw(fragments(GetParam(), m, split.sizes));
    ASSERT_TRUE(client.expect_close(1009));
  }
}

TEST_P(Rfc6455_10_4_MessageLimit, ConnectionIsFineBeforeTheOversizedMessage) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(GetParam(), message_of(GetParam(), 1000)));
  (void)client.send_raw(frame_bytes(GetParam(), message_of(GetParam(), 40000), false) +
                        frame_bytes(kContinuation, message_of(GetParam(), 30000)));
  ASSERT_TRUE(client.expect_close(1009));
}

INSTANTIATE_TEST_SUITE_P(Messages, Rfc6455_10_4_MessageLimit, ::testing::Values(kText, kBinary),
                         [](const auto& info) { return opcode_name(info.param); });

// --max-message takes K/M/G suffixes (README): 1K is 1024 bytes.
class Rfc6455_10_4_MessageLimitWithSuffix : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--max-message", "1K"}); }
};

TEST_F(Rfc6455_10_4_MessageLimitWithSuffix, OneKiBIsTheLimit) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, message_of(kText, 1024)));
  ASSERT_TRUE(client.send_raw(fragments(kBinary, message_of(kBinary, 1024), {512})));
  ASSERT_TRUE(client.expect_binary(message_of(kBinary, 1024)));
  (void)client.send_raw(fragments(kBinary, message_of(kBinary, 1025), {512}));
  ASSERT_TRUE(client.expect_close(1009));
}

TEST_F(Rfc6455_10_4_MessageLimitWithSuffix, HeaderOverOneKiBFailsAtOnce) {
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kText;
  spec.announced_length = 1025;
  ASSERT_TRUE(client.send_frame(spec));
  ASSERT_TRUE(client.expect_close(1009));
}

// ---------------------------------------------------------------------------
// The default server (16 MiB).

using Rfc6455_10_4_DefaultLimit = ServerSuite;

TEST_F(Rfc6455_10_4_DefaultLimit, SixteenMiBIsEchoed) {
  WSTEST_OPEN(client);
  const std::string m = binary_payload(16u << 20, 16);
  ASSERT_TRUE(client.echo(kBinary, m));
}

TEST_F(Rfc6455_10_4_DefaultLimit, HeaderAnnouncingSixteenMiBPlusOneFailsAtOnce) {
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kBinary;
  spec.announced_length = (16u << 20) + 1;
  ASSERT_TRUE(client.send_frame(spec));
  ASSERT_TRUE(client.expect_close(1009));
}

TEST_F(Rfc6455_10_4_DefaultLimit, FragmentsOverSixteenMiBFailWith1009) {
  WSTEST_OPEN(client);
  const std::string half = binary_payload(8u << 20, 3);
  (void)client.send_raw(frame_bytes(kBinary, half, false) +
                        frame_bytes(kContinuation, half, false) + frame_bytes(kContinuation, "x"));
  ASSERT_TRUE(client.expect_close(1009));
}

// Autobahn 9.1/9.2 (sizes) and 9.3/9.4 (one 4 MiB message in fragments of
// 64 B .. 4 MiB), 9.5/9.6 (1 MiB in TCP chops of 64 B .. 4 KiB).
struct BulkCase {
  std::uint8_t opcode;
  std::size_t size;
  std::size_t fragment;  // 0: one frame
  std::size_t chop;      // 0: one write
};

void PrintTo(const BulkCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " " << c.size << " bytes, fragments " << c.fragment << ", chops "
      << c.chop;
}

std::vector<BulkCase> bulk_cases() {
  std::vector<BulkCase> out;
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (std::size_t size : {64u << 10, 256u << 10, 1u << 20, 4u << 20, 8u << 20, 16u << 20}) {
      out.push_back({opcode, size, 0, 0});
    }
    for (std::size_t fragment :
         {64u, 256u, 1024u, 4096u, 16384u, 65536u, 262144u, 1048576u, 4194304u}) {
      out.push_back({opcode, 4u << 20, fragment, 0});
    }
    for (std::size_t chop : {64u, 128u, 256u, 512u, 1024u, 2048u, 4096u})
      out.push_back({opcode, 1u << 20, 0, chop});
  }
  return out;
}

using Autobahn_9_Bulk = ServerSuiteWithParam<BulkCase>;

TEST_P(Autobahn_9_Bulk, Echoed) {
  const BulkCase& c = GetParam();
  WSTEST_OPEN(client);
  const std::string m = message_of(c.opcode, c.size);
  std::string bytes;
  if (c.fragment == 0) {
    bytes = frame_bytes(c.opcode, m);
  } else {
    for (std::size_t at = 0; at < m.size(); at += c.fragment) {
      bytes += frame_bytes(at == 0 ? c.opcode : kContinuation,
                           std::string_view(m).substr(at, c.fragment), at + c.fragment >= m.size());
    }
  }
  if (c.chop == 0) {
    ASSERT_TRUE(client.send_raw(bytes));
  } else {
    ASSERT_TRUE(client.send_chunked(bytes, c.chop, 0us));
  }
  ASSERT_TRUE(client.expect_frame(c.opcode, m));
}

INSTANTIATE_TEST_SUITE_P(Sizes, Autobahn_9_Bulk, ::testing::ValuesIn(bulk_cases()),
                         [](const auto& info) {
                           std::string name = opcode_name(info.param.opcode) + "_" +
                                              std::to_string(info.param.size);
                           if (info.param.fragment)
                             name += "_fragments_of_" + std::to_string(info.param.fragment);
                           if (info.param.chop)
                             name += "_chops_of_" + std::to_string(info.param.chop);
                           return name;
                         });

// Autobahn 9.7/9.8: 1000 messages of one size in one write.
struct BurstCase {
  std::uint8_t opcode;
  std::size_t size;
};

void PrintTo(const BurstCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " x1000 of " << c.size << " bytes";
}

using Autobahn_9_Burst = ServerSuiteWithParam<BurstCase>;

TEST_P(Autobahn_9_Burst, ThousandMessagesEchoedInOrder) {
  const BurstCase& c = GetParam();
  WSTEST_OPEN(client);
  std::string bytes;
  std::vector<std::string> sent;
  for (int i = 0; i < 1000; ++i) {
    std::string m = message_of(c.opcode, c.size);
    if (!m.empty()) m[0] = static_cast<char>('A' + i % 26);  // ASCII stays valid UTF-8
    bytes += frame_bytes(c.opcode, m);
    sent.push_back(std::move(m));
  }
  ASSERT_TRUE(client.send_raw(bytes));
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(client.expect_frame(c.opcode, sent[i])) << "message " << i;
}

std::vector<BurstCase> burst_cases() {
  std::vector<BurstCase> out;
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (std::size_t size : {0u, 16u, 64u, 256u, 1024u, 4096u}) out.push_back({opcode, size});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Sizes, Autobahn_9_Burst, ::testing::ValuesIn(burst_cases()),
                         [](const auto& info) {
                           return opcode_name(info.param.opcode) + "_" +
                                  std::to_string(info.param.size);
                         });

}  // namespace
}  // namespace wstest
