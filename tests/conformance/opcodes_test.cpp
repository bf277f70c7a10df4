// tests/conformance/opcodes_test.cpp: RFC 6455 5.2: opcodes %x3-7 are reserved
// for further non-control frames, %xB-F for further control frames; "If an
// unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket
// Connection_." Autobahn category 4.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

enum class Shape { kEmpty, kPayload, kNotFinal, kInsideMessage, kAfterEcho, kOneByteWrites };

const char* shape_name(Shape s) {
  switch (s) {
    case Shape::kEmpty:
      return "empty";
    case Shape::kPayload:
      return "with_payload";
    case Shape::kNotFinal:
      return "fin0";
    case Shape::kInsideMessage:
      return "between_fragments";
    case Shape::kAfterEcho:
      return "after_echo_then_ping";
    case Shape::kOneByteWrites:
      return "one_byte_writes";
  }
  return "?";
}

struct OpcodeCase {
  std::uint8_t opcode;
  Shape shape;
};

void PrintTo(const OpcodeCase& c, std::ostream* os) {
  *os << "opcode " << int(c.opcode) << ", " << shape_name(c.shape);
}

std::vector<OpcodeCase> opcode_cases() {
  std::vector<OpcodeCase> out;
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    for (Shape s : {Shape::kEmpty, Shape::kPayload, Shape::kNotFinal, Shape::kInsideMessage,
                    Shape::kAfterEcho, Shape::kOneByteWrites}) {
      out.push_back({op, s});
    }
  }
  return out;
}

using Rfc6455_5_2_ReservedOpcodes = ServerSuiteWithParam<OpcodeCase>;

TEST_P(Rfc6455_5_2_ReservedOpcodes, FailTheConnection) {
  const OpcodeCase& c = GetParam();
  WSTEST_OPEN(client);
  switch (c.shape) {
    case Shape::kEmpty:
      (void)client.send_raw(frame_bytes(c.opcode, ""));
      break;
    case Shape::kPayload:
      (void)client.send_raw(frame_bytes(c.opcode, "reserved opcode payload"));
      break;
    case Shape::kNotFinal:
      (void)client.send_raw(frame_bytes(c.opcode, "x", false));
      break;
    case Shape::kInsideMessage:
      (void)client.send_raw(frame_bytes(kText, "frag", false) + frame_bytes(c.opcode, "") +
                            frame_bytes(kContinuation, "ment"));
      break;
    case Shape::kAfterEcho:
      (void)client.send_raw(frame_bytes(kText, "before") + frame_bytes(c.opcode, "") +
                            frame_bytes(kPing, "after"));
      ASSERT_TRUE(client.expect_text("before"));
      break;
    case Shape::kOneByteWrites:
      (void)client.send_chunked(
          frame_bytes(kBinary, "before") + frame_bytes(c.opcode, "abc") + frame_bytes(kPing), 1,
          50us);
      ASSERT_TRUE(client.expect_binary("before"));
      break;
  }
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Opcodes, Rfc6455_5_2_ReservedOpcodes, ::testing::ValuesIn(opcode_cases()),
                         [](const auto& info) {
                           static const char hex[] = "0123456789ABCDEF";
                           return std::string("op") + hex[info.param.opcode] + "_" +
                                  shape_name(info.param.shape);
                         });

}  // namespace
}  // namespace wstest
