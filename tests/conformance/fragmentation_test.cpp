// tests/conformance/fragmentation_test.cpp: RFC 6455 5.4 (fragmentation): a
// message is a text/binary frame with FIN = 0 followed by continuation frames,
// the last with FIN = 1; control frames may be injected between fragments;
// fragments of different messages must not interleave. The server echoes a
// message as one frame whatever its fragmentation. Autobahn category 5 and
// 9.3/9.4.
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

// The message cut into frames of `fragment` bytes (at least one frame).
std::string fragmented(std::uint8_t opcode, std::string_view message, std::size_t fragment,
                       std::string_view between = {}) {
  std::string out;
  std::size_t at = 0;
  do {
    const std::size_t len = std::min(fragment, message.size() - at);
    const bool last = at + len == message.size();
    out += frame_bytes(at == 0 ? opcode : kContinuation, message.substr(at, len), last);
    if (!last) out += between;
    at += len;
  } while (at < message.size());
  return out;
}

// ---------------------------------------------------------------------------
// Valid fragmentations of many sizes.

struct FragmentCase {
  std::uint8_t opcode;
  std::size_t size;
  std::size_t fragment;
};

void PrintTo(const FragmentCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " " << c.size << " bytes in fragments of " << c.fragment;
}

std::vector<FragmentCase> fragment_cases() {
  std::vector<FragmentCase> out;
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (std::size_t size : {1u, 2u, 10u, 125u, 126u, 1000u, 65535u, 65536u, 100000u}) {
      for (std::size_t fragment : {1u, 2u, 7u, 64u, 125u, 126u, 4096u, 65536u}) {
        if (fragment >= size && fragment != 65536u) continue;  // one frame: covered by 5.2
        if (size / fragment > 20000) continue;                 // keep it quick
        out.push_back({opcode, size, fragment});
      }
    }
  }
  return out;
}

using Rfc6455_5_4_Fragmentation = ServerSuiteWithParam<FragmentCase>;

TEST_P(Rfc6455_5_4_Fragmentation, ReassembledIntoOneFrame) {
  const FragmentCase& c = GetParam();
  WSTEST_OPEN(client);
  const std::string message = c.opcode == kText
                                  ? utf8_text_payload(c.size)
                                  : binary_payload(c.size, static_cast<std::uint32_t>(c.fragment));
  ASSERT_TRUE(client.send_raw(fragmented(c.opcode, message, c.fragment)));
  ASSERT_TRUE(client.expect_frame(c.opcode, message));
  ASSERT_TRUE(client.echo(kText, "next message"));
}

std::string fragment_case_name(const ::testing::TestParamInfo<FragmentCase>& info) {
  return opcode_name(info.param.opcode) + "_" + std::to_string(info.param.size) +
         "_in_fragments_of_" + std::to_string(info.param.fragment);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Rfc6455_5_4_Fragmentation, ::testing::ValuesIn(fragment_cases()),
                         fragment_case_name);

// The same with a ping after every fragment but the last: each pong comes
// back at once, and the message after them.
std::vector<FragmentCase> ping_fragment_cases() {
  std::vector<FragmentCase> out;
  for (const FragmentCase& c : fragment_cases()) {
    if (c.size / c.fragment <= 1000) out.push_back(c);
  }
  return out;
}

using Rfc6455_5_4_PingsBetweenFragments = ServerSuiteWithParam<FragmentCase>;

TEST_P(Rfc6455_5_4_PingsBetweenFragments, PongsThenMessage) {
  const FragmentCase& c = GetParam();
  WSTEST_OPEN(client);
  const std::string message =
      c.opcode == kText ? utf8_text_payload(c.size) : binary_payload(c.size);
  ASSERT_TRUE(
      client.send_raw(fragmented(c.opcode, message, c.fragment, frame_bytes(kPing, "between"))));
  const std::size_t frames = (c.size + c.fragment - 1) / c.fragment;
  for (std::size_t i = 0; i + 1 < frames; ++i)
    ASSERT_TRUE(client.expect_pong("between")) << "pong " << i;
  ASSERT_TRUE(client.expect_frame(c.opcode, message));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Rfc6455_5_4_PingsBetweenFragments,
                         ::testing::ValuesIn(ping_fragment_cases()), fragment_case_name);

// ---------------------------------------------------------------------------
// Named valid cases (Autobahn 5.3-5.8, 5.16-5.20, 6.1).

using Rfc6455_5_4_FragmentedMessages = ServerSuite;

TEST_F(Rfc6455_5_4_FragmentedMessages, TwoFragmentsOneWrite) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(
      client.send_raw(frame_bytes(kText, "frag", false) + frame_bytes(kContinuation, "ment")));
  ASSERT_TRUE(client.expect_text("fragment"));
}

TEST_F(Rfc6455_5_4_FragmentedMessages, TwoFragmentsOneByteWrites) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_chunked(
      frame_bytes(kBinary, "frag", false) + frame_bytes(kContinuation, "ment"), 1, 200us));
  ASSERT_TRUE(client.expect_binary("fragment"));
}

TEST_F(Rfc6455_5_4_FragmentedMessages, FragmentsInSeparateWritesWithPauses) {
  WSTEST_OPEN(client);
  const char* parts[] = {"fragment1", "fragment2", "fragment3", "fragment4", "fragment5"};
  std::string whole;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send_raw(frame_bytes(i == 0 ? kText : kContinuation, parts[i], i == 4)));
    whole += parts[i];
    if (i < 4) {
      ASSERT_TRUE(client.expect_nothing(30ms)) << "nothing may be echoed before the last fragment";
    }
  }
  ASSERT_TRUE(client.expect_text(whole));
}

TEST_F(Rfc6455_5_4_FragmentedMessages, PingsBetweenFragmentsInSeparateWrites) {
  // Autobahn 5.19/5.20: pongs come while the message is still open.
  WSTEST_OPEN(client);
  std::string whole;
  for (int i = 0; i < 5; ++i) {
    const std::string part = "fragment" + std::to_string(i);
    ASSERT_TRUE(client.send_raw(frame_bytes(i == 0 ? kText : kContinuation, part, i == 4)));
    whole += part;
    if (i < 4) {
      ASSERT_TRUE(client.send_ping("pongme " + std::to_string(i)));
      ASSERT_TRUE(client.expect_pong("pongme " + std::to_string(i)));
    }
  }
  ASSERT_TRUE(client.expect_text(whole));
}

TEST_F(Rfc6455_5_4_FragmentedMessages, UnsolicitedPongBetweenFragmentsIsIgnored) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "frag", false) +
                              frame_bytes(kPong, "unsolicited") +
                              frame_bytes(kContinuation, "ment")));
  ASSERT_TRUE(client.expect_text("fragment"));
  ASSERT_TRUE(client.expect_nothing());
}

TEST_F(Rfc6455_5_4_FragmentedMessages, PingAndPongBetweenEveryFragment) {
  WSTEST_OPEN(client);
  std::string bytes;
  std::string whole;
  for (int i = 0; i < 10; ++i) {
    const std::string part(i * 13, static_cast<char>('a' + i));
    bytes += frame_bytes(i == 0 ? kBinary : kContinuation, part, i == 9);
    whole += part;
    if (i < 9) bytes += frame_bytes(kPong, "p") + frame_bytes(kPing, std::to_string(i));
  }
  ASSERT_TRUE(client.send_raw(bytes));
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(client.expect_pong(std::to_string(i)));
  ASSERT_TRUE(client.expect_binary(whole));
}

TEST_F(Rfc6455_5_4_FragmentedMessages, EmptyFragments) {
  WSTEST_OPEN(client);
  // Autobahn 6.1.1-6.1.3 and the binary equivalents.
  for (std::uint8_t opcode : {kText, kBinary}) {
    SCOPED_TRACE(opcode_name(opcode));
    ASSERT_TRUE(client.send_raw(frame_bytes(opcode, "", false) +
                                frame_bytes(kContinuation, "", false) +
                                frame_bytes(kContinuation, "")));
    ASSERT_TRUE(client.expect_frame(opcode, ""));
    ASSERT_TRUE(client.send_raw(frame_bytes(opcode, "", false) +
                                frame_bytes(kContinuation, "middle", false) +
                                frame_bytes(kContinuation, "")));
    ASSERT_TRUE(client.expect_frame(opcode, "middle"));
    ASSERT_TRUE(
        client.send_raw(frame_bytes(opcode, "first", false) + frame_bytes(kContinuation, "")));
    ASSERT_TRUE(client.expect_frame(opcode, "first"));
    ASSERT_TRUE(
        client.send_raw(frame_bytes(opcode, "", false) + frame_bytes(kContinuation, "last")));
    ASSERT_TRUE(client.expect_frame(opcode, "last"));
    std::string many = frame_bytes(opcode, "", false);
    for (int i = 0; i < 100; ++i) many += frame_bytes(kContinuation, "", false);
    many += frame_bytes(kContinuation, "");
    ASSERT_TRUE(client.send_raw(many));
    ASSERT_TRUE(client.expect_frame(opcode, ""));
  }
}

TEST_F(Rfc6455_5_4_FragmentedMessages, TextAndBinaryMessagesAlternate) {
  WSTEST_OPEN(client);
  std::string bytes;
  for (int i = 0; i < 20; ++i) {
    bytes += fragmented(i % 2 ? kBinary : kText, "message number " + std::to_string(i), 3);
  }
  ASSERT_TRUE(client.send_raw(bytes));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        client.expect_frame(i % 2 ? kBinary : kText, "message number " + std::to_string(i)));
  }
}

TEST_F(Rfc6455_5_4_FragmentedMessages, ContinuationLengthFormsMayDiffer) {
  WSTEST_OPEN(client);
  std::string bytes;
  std::string whole;
  const LengthForm forms[] = {LengthForm::k64Bit, LengthForm::k7Bit, LengthForm::k16Bit,
                              LengthForm::k64Bit};
  for (int i = 0; i < 4; ++i) {
    FrameSpec spec;
    spec.opcode = i == 0 ? kBinary : kContinuation;
    spec.fin = i == 3;
    spec.payload = binary_payload(20 + i, i);
    spec.length_form = forms[i];
    bytes += encode_frame(spec);
    whole += spec.payload;
  }
  ASSERT_TRUE(client.send_raw(bytes));
  ASSERT_TRUE(client.expect_binary(whole));
}

// ---------------------------------------------------------------------------
// Invalid fragmentation (Autobahn 5.1, 5.2, 5.9-5.15): each fails with 1002.

struct BadSequence {
  const char* name;
  std::string bytes;
  std::vector<std::string> echoes;  // text echoes expected before the close
};

void PrintTo(const BadSequence& c, std::ostream* os) {
  *os << c.name << ": " << hex_preview(c.bytes);
}

std::vector<BadSequence> bad_sequences() {
  const std::string open_text = frame_bytes(kText, "frag", false);
  const std::string open_binary = frame_bytes(kBinary, "frag", false);
  return {
      {"fragmented_ping",
       frame_bytes(kPing, "fragmented", false) + frame_bytes(kContinuation, "ping"),
       {}},
      {"fragmented_pong",
       frame_bytes(kPong, "fragmented", false) + frame_bytes(kContinuation, "pong"),
       {}},
      {"fragmented_close",
       frame_bytes(kClose, close_payload(1000), false) + frame_bytes(kContinuation, ""),
       {}},
      {"continuation_fin1_without_message", frame_bytes(kContinuation, "orphan"), {}},
      {"continuation_fin0_without_message", frame_bytes(kContinuation, "orphan", false), {}},
      {"empty_continuation_without_message", frame_bytes(kContinuation, ""), {}},
      {"continuation_sequence_without_message",
       frame_bytes(kContinuation, "one", false) + frame_bytes(kContinuation, "two", false) +
           frame_bytes(kContinuation, "three"),
       {}},
      {"continuation_after_complete_fragmented_message",
       open_text + frame_bytes(kContinuation, "ment") + frame_bytes(kContinuation, "again"),
       {"fragment"}},
      {"continuation_after_complete_single_frame",
       frame_bytes(kText, "done") + frame_bytes(kContinuation, "more"),
       {"done"}},
      {"text_while_text_open",
       open_text + frame_bytes(kText, "new") + frame_bytes(kContinuation, "ment"),
       {}},
      {"text_fin0_while_text_open", open_text + frame_bytes(kText, "new", false), {}},
      {"binary_while_text_open", open_text + frame_bytes(kBinary, "new"), {}},
      {"text_while_binary_open", open_binary + frame_bytes(kText, "new"), {}},
      {"binary_while_binary_open", open_binary + frame_bytes(kBinary, "new", false), {}},
      {"text_while_open_after_ping",
       open_text + frame_bytes(kPing) + frame_bytes(kText, "new"),
       {}},
      {"empty_text_while_open", frame_bytes(kText, "", false) + frame_bytes(kText, ""), {}},
  };
}

using Rfc6455_5_4_InvalidFragmentation = ServerSuiteWithParam<BadSequence>;

TEST_P(Rfc6455_5_4_InvalidFragmentation, FailsWith1002) {
  const BadSequence& c = GetParam();
  WSTEST_OPEN(client);
  (void)client.send_raw(c.bytes);
  for (const auto& echo : c.echoes) ASSERT_TRUE(client.expect_text(echo));
  if (std::string(c.name) == "text_while_open_after_ping") {
    ASSERT_TRUE(client.expect_pong(""));
  }
  ASSERT_TRUE(client.expect_close(1002));
}

TEST_P(Rfc6455_5_4_InvalidFragmentation, FailsWith1002InOneByteWrites) {
  const BadSequence& c = GetParam();
  WSTEST_OPEN(client);
  (void)client.send_chunked(c.bytes, 1, 50us);
  for (const auto& echo : c.echoes) ASSERT_TRUE(client.expect_text(echo));
  if (std::string(c.name) == "text_while_open_after_ping") {
    ASSERT_TRUE(client.expect_pong(""));
  }
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Sequences, Rfc6455_5_4_InvalidFragmentation,
                         ::testing::ValuesIn(bad_sequences()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wstest
