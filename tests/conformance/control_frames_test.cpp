// tests/conformance/control_frames_test.cpp: RFC 6455 5.5: "All control frames
// MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
// Violations fail the connection with 1002. Autobahn 2.5, 5.1, 5.2, 7.3.6.
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

struct OversizeCase {
  std::uint8_t opcode;
  std::size_t size;
  LengthForm form;
};

void PrintTo(const OversizeCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " " << c.size << " bytes, " << length_form_name(c.form);
}

std::vector<OversizeCase> oversize_cases() {
  std::vector<OversizeCase> out;
  for (std::uint8_t opcode : {kPing, kPong, kClose}) {
    for (std::size_t size : {126u, 127u, 200u, 1000u, 65535u})
      out.push_back({opcode, size, LengthForm::k16Bit});
    for (std::size_t size : {126u, 65536u}) out.push_back({opcode, size, LengthForm::k64Bit});
  }
  return out;
}

using Rfc6455_5_5_ControlFrameTooLong = ServerSuiteWithParam<OversizeCase>;

TEST_P(Rfc6455_5_5_ControlFrameTooLong, FailsWith1002) {
  const OversizeCase& c = GetParam();
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = c.opcode;
  spec.payload = c.opcode == kClose ? close_payload(1000, std::string(c.size - 2, 'r'))
                                    : binary_payload(c.size);
  spec.length_form = c.form;
  (void)client.send_frame(spec);
  ASSERT_TRUE(client.expect_close(1002));
}

TEST_P(Rfc6455_5_5_ControlFrameTooLong, FailsWith1002InsideFragmentedMessage) {
  const OversizeCase& c = GetParam();
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = c.opcode;
  spec.payload = c.opcode == kClose ? close_payload(1000, std::string(c.size - 2, 'r'))
                                    : binary_payload(c.size);
  spec.length_form = c.form;
  (void)client.send_raw(frame_bytes(kText, "frag", false) + encode_frame(spec) +
                        frame_bytes(kContinuation, "ment"));
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Lengths, Rfc6455_5_5_ControlFrameTooLong,
                         ::testing::ValuesIn(oversize_cases()), [](const auto& info) {
                           return opcode_name(info.param.opcode) + "_" +
                                  std::to_string(info.param.size) + "_" +
                                  length_form_name(info.param.form);
                         });

struct FragmentedControlCase {
  std::uint8_t opcode;
  std::string payload;
  bool inside_message;
};

void PrintTo(const FragmentedControlCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " fin=0 payload [" << hex_preview(c.payload) << "]"
      << (c.inside_message ? " inside a message" : "");
}

std::vector<FragmentedControlCase> fragmented_control_cases() {
  std::vector<FragmentedControlCase> out;
  for (bool inside : {false, true}) {
    out.push_back({kPing, "", inside});
    out.push_back({kPing, "payload", inside});
    out.push_back({kPong, "", inside});
    out.push_back({kPong, "payload", inside});
    out.push_back({kClose, "", inside});
    out.push_back({kClose, close_payload(1000, "bye"), inside});
  }
  return out;
}

using Rfc6455_5_5_ControlFrameFin0 = ServerSuiteWithParam<FragmentedControlCase>;

TEST_P(Rfc6455_5_5_ControlFrameFin0, FailsWith1002) {
  const FragmentedControlCase& c = GetParam();
  WSTEST_OPEN(client);
  std::string bytes = frame_bytes(c.opcode, c.payload, false);
  if (c.inside_message)
    bytes = frame_bytes(kBinary, "frag", false) + bytes + frame_bytes(kContinuation, "ment");
  (void)client.send_raw(bytes);
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Frames, Rfc6455_5_5_ControlFrameFin0,
                         ::testing::ValuesIn(fragmented_control_cases()), [](const auto& info) {
                           return opcode_name(info.param.opcode) +
                                  (info.param.payload.empty() ? "_empty" : "_payload") +
                                  (info.param.inside_message ? "_inside_message" : "_alone");
                         });

using Rfc6455_5_5_ControlFrames = ServerSuite;

TEST_F(Rfc6455_5_5_ControlFrames, HugeControlLengthIsProtocolErrorNotTooBig) {
  // Over 125 is a protocol error (1002) whatever the message size limit
  // says; the header alone shows it.
  for (std::uint8_t opcode : {kPing, kPong, kClose}) {
    WSTEST_OPEN(client);
    FrameSpec spec;
    spec.opcode = opcode;
    spec.announced_length = std::uint64_t{1} << 40;
    (void)client.send_frame(spec);
    ASSERT_TRUE(client.expect_close(1002)) << opcode_name(opcode);
  }
}

TEST_F(Rfc6455_5_5_ControlFrames, MaximalControlPayloadsAreFine) {
  WSTEST_OPEN(client);
  const std::string max = binary_payload(125, 9);
  ASSERT_TRUE(client.send_ping(max));
  ASSERT_TRUE(client.expect_pong(max));
  ASSERT_TRUE(client.send_pong(max));
  ASSERT_TRUE(client.expect_nothing());
  ASSERT_TRUE(client.send_close(1000, std::string(123, 'r')));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_5_5_ControlFrames, SmallControlPayloadInExtendedLengthForm) {
  // Non-minimal but <= 125: the payload length, not the encoding, is what
  // 5.5 limits.
  WSTEST_OPEN(client);
  for (LengthForm form : {LengthForm::k16Bit, LengthForm::k64Bit}) {
    FrameSpec spec;
    spec.opcode = kPing;
    spec.payload = "extended form " + length_form_name(form);
    spec.length_form = form;
    ASSERT_TRUE(client.send_frame(spec));
    ASSERT_TRUE(client.expect_pong(spec.payload)) << length_form_name(form);
  }
}

TEST_F(Rfc6455_5_5_ControlFrames, ControlPayloadsAreNotUtf8Checked) {
  WSTEST_OPEN(client);
  const std::string invalid = "\xff\xfe\xc0\xaf\xed\xa0\x80";
  ASSERT_TRUE(client.send_ping(invalid));
  ASSERT_TRUE(client.expect_pong(invalid));
  ASSERT_TRUE(client.send_pong(invalid));
  ASSERT_TRUE(client.echo(kText, "still open"));
}

TEST_F(Rfc6455_5_5_ControlFrames, BinaryMessagesAreNotUtf8Checked) {
  WSTEST_OPEN(client);
  const std::string invalid = "\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\x80";
  ASSERT_TRUE(client.echo(kBinary, invalid));
  ASSERT_TRUE(client.send_raw(frame_bytes(kBinary, "\xe2\x82", false) +
                              frame_bytes(kContinuation, "\xff")));
  ASSERT_TRUE(client.expect_binary("\xe2\x82\xff"));
}

}  // namespace
}  // namespace wstest
