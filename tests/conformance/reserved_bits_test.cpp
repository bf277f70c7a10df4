// tests/conformance/reserved_bits_test.cpp: RFC 6455 5.2: "RSV1, RSV2, RSV3 ...
// MUST be 0 unless an extension is negotiated that defines meanings for
// non-zero values. If a nonzero value is received and none of the negotiated
// extensions defines the meaning of such a nonzero value, the receiving
// endpoint MUST _Fail the WebSocket Connection_." No extension is ever
// negotiated here. Autobahn category 3.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

enum class Carrier {
  kText,
  kEmptyText,
  kBinary,
  kPing,
  kPong,
  kClose,
  kFirstFragment,
  kContinuation
};

const char* carrier_name(Carrier c) {
  switch (c) {
    case Carrier::kText:
      return "text";
    case Carrier::kEmptyText:
      return "empty_text";
    case Carrier::kBinary:
      return "binary";
    case Carrier::kPing:
      return "ping";
    case Carrier::kPong:
      return "pong";
    case Carrier::kClose:
      return "close";
    case Carrier::kFirstFragment:
      return "first_fragment";
    case Carrier::kContinuation:
      return "continuation";
  }
  return "?";
}

struct RsvCase {
  std::uint8_t rsv;
  Carrier carrier;
};

void PrintTo(const RsvCase& c, std::ostream* os) {
  *os << "rsv=" << int(c.rsv) << " on " << carrier_name(c.carrier);
}

// The bytes that set up the carrier, and the frame with the RSV bits.
std::string rsv_frame(const RsvCase& c, std::string& setup) {
  setup.clear();
  switch (c.carrier) {
    case Carrier::kText:
      return frame_bytes(kText, "Hello, world!", true, c.rsv);
    case Carrier::kEmptyText:
      return frame_bytes(kText, "", true, c.rsv);
    case Carrier::kBinary:
      return frame_bytes(kBinary, std::string("\x00\xff\xfe\xfd", 4), true, c.rsv);
    case Carrier::kPing:
      return frame_bytes(kPing, "ping", true, c.rsv);
    case Carrier::kPong:
      return frame_bytes(kPong, "pong", true, c.rsv);
    case Carrier::kClose:
      return frame_bytes(kClose, close_payload(1000), true, c.rsv);
    case Carrier::kFirstFragment:
      return frame_bytes(kText, "frag", false, c.rsv);
    case Carrier::kContinuation:
      setup = frame_bytes(kText, "frag", false);
      return frame_bytes(kContinuation, "ment", true, c.rsv);
  }
  return {};
}

std::vector<RsvCase> rsv_cases() {
  std::vector<RsvCase> out;
  for (std::uint8_t rsv = 1; rsv <= 7; ++rsv) {
    for (Carrier c :
         {Carrier::kText, Carrier::kEmptyText, Carrier::kBinary, Carrier::kPing, Carrier::kPong,
          Carrier::kClose, Carrier::kFirstFragment, Carrier::kContinuation}) {
      out.push_back({rsv, c});
    }
  }
  return out;
}

std::string rsv_case_name(const ::testing::TestParamInfo<RsvCase>& info) {
  return std::string("rsv") + std::to_string(info.param.rsv) + "_" +
         carrier_name(info.param.carrier);
}

using Rfc6455_5_2_ReservedBits = ServerSuiteWithParam<RsvCase>;

// The frame alone.
TEST_P(Rfc6455_5_2_ReservedBits, FailsTheConnection) {
  WSTEST_OPEN(client);
  std::string setup;
  const std::string bad = rsv_frame(GetParam(), setup);
  (void)client.send_raw(setup + bad);
  ASSERT_TRUE(client.expect_close(1002));
}

// Autobahn 3.2/3.3: a valid message, the bad frame and a ping in one write:
// the echo comes, then the close, and no pong.
TEST_P(Rfc6455_5_2_ReservedBits, AfterValidMessageInOneWrite) {
  WSTEST_OPEN(client);
  std::string setup;
  const std::string bad = rsv_frame(GetParam(), setup);
  (void)client.send_raw(frame_bytes(kText, "before") + setup + bad + frame_bytes(kPing, "after"));
  ASSERT_TRUE(client.expect_text("before"));
  ASSERT_TRUE(client.expect_close(1002));
}

// Autobahn 3.4: the same, one byte per write.
TEST_P(Rfc6455_5_2_ReservedBits, AfterValidMessageInOneByteWrites) {
  WSTEST_OPEN(client);
  std::string setup;
  const std::string bad = rsv_frame(GetParam(), setup);
  (void)client.send_chunked(
      frame_bytes(kText, "before") + setup + bad + frame_bytes(kPing, "after"), 1, 50us);
  ASSERT_TRUE(client.expect_text("before"));
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Bits, Rfc6455_5_2_ReservedBits, ::testing::ValuesIn(rsv_cases()),
                         rsv_case_name);

}  // namespace
}  // namespace wstest
