// tests/conformance/framing_test.cpp: RFC 6455 5.2 (base framing: the three
// payload length forms) and 5.3 (client-to-server masking). Autobahn|Testsuite
// categories 1 and 9 in part.
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

std::string payload_for(std::uint8_t opcode, std::size_t size) {
  return opcode == kText ? utf8_text_payload(size)
                         : binary_payload(size, static_cast<std::uint32_t>(size));
}

// ---------------------------------------------------------------------------
// 5.2: every size in every length form that can express it, text and binary.

struct LengthCase {
  std::uint8_t opcode;
  std::size_t size;
  LengthForm form;
};

void PrintTo(const LengthCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " " << c.size << " bytes, " << length_form_name(c.form);
}

std::vector<LengthCase> length_cases() {
  const std::size_t sizes[] = {0, 1, 125, 126, 127, 128, 65535, 65536, 65537, 1u << 20, 8u << 20};
  std::vector<LengthCase> out;
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (std::size_t size : sizes) {
      if (size <= 125) out.push_back({opcode, size, LengthForm::k7Bit});
      if (size <= 0xFFFF) out.push_back({opcode, size, LengthForm::k16Bit});
      out.push_back({opcode, size, LengthForm::k64Bit});
    }
  }
  return out;
}

using Rfc6455_5_2_PayloadLength = ServerSuiteWithParam<LengthCase>;

TEST_P(Rfc6455_5_2_PayloadLength, EchoedAsOneMinimalFrame) {
  const LengthCase& c = GetParam();
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = c.opcode;
  spec.payload = payload_for(c.opcode, c.size);
  spec.length_form = c.form;
  ASSERT_TRUE(client.send_frame(spec));
  ASSERT_TRUE(client.expect_frame(c.opcode, spec.payload));
  ASSERT_TRUE(client.echo(kText, "still alive"));
}

INSTANTIATE_TEST_SUITE_P(Sizes, Rfc6455_5_2_PayloadLength, ::testing::ValuesIn(length_cases()),
                         [](const auto& info) {
                           return opcode_name(info.param.opcode) + "_" +
                                  std::to_string(info.param.size) + "_" +
                                  length_form_name(info.param.form);
                         });

// ---------------------------------------------------------------------------
// 5.2: a frame arriving in many TCP segments (Autobahn 1.1.7/1.1.8, 1.2.7/1.2.8).

struct ChopCase {
  std::uint8_t opcode;
  std::size_t size;
  std::size_t chunk;
};

void PrintTo(const ChopCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " " << c.size << " bytes in writes of " << c.chunk;
}

std::vector<ChopCase> chop_cases() {
  const std::pair<std::size_t, std::size_t> shapes[] = {
      {0, 1},       {1, 1},       {125, 1},      {126, 1},       {200, 7},
      {65535, 997}, {65536, 997}, {65537, 4096}, {300000, 65536}};
  std::vector<ChopCase> out;
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (auto [size, chunk] : shapes) out.push_back({opcode, size, chunk});
  }
  return out;
}

using Rfc6455_5_2_ChoppedWrites = ServerSuiteWithParam<ChopCase>;

TEST_P(Rfc6455_5_2_ChoppedWrites, FrameSplitAcrossWritesIsEchoed) {
  const ChopCase& c = GetParam();
  WSTEST_OPEN(client);
  const std::string payload = payload_for(c.opcode, c.size);
  const std::string bytes = frame_bytes(c.opcode, payload);
  ASSERT_TRUE(client.send_chunked(bytes, c.chunk, c.chunk == 1 ? 300us : 100us));
  ASSERT_TRUE(client.expect_frame(c.opcode, payload));
}

INSTANTIATE_TEST_SUITE_P(Chops, Rfc6455_5_2_ChoppedWrites, ::testing::ValuesIn(chop_cases()),
                         [](const auto& info) {
                           return opcode_name(info.param.opcode) + "_" +
                                  std::to_string(info.param.size) + "_in_chunks_of_" +
                                  std::to_string(info.param.chunk);
                         });

// ---------------------------------------------------------------------------
// 5.2: header boundaries. Each length form's header cut at every byte.

struct HeaderCutCase {
  LengthForm form;
  std::size_t cut;  // bytes in the first write
};

void PrintTo(const HeaderCutCase& c, std::ostream* os) {
  *os << length_form_name(c.form) << " header, first write " << c.cut << " bytes";
}

std::vector<HeaderCutCase> header_cut_cases() {
  std::vector<HeaderCutCase> out;
  // Header sizes with the mask key: 6, 8 and 14 bytes; cut everywhere
  // inside the header and once inside the payload.
  for (auto [form, header] :
       {std::pair{LengthForm::k7Bit, 6}, {LengthForm::k16Bit, 8}, {LengthForm::k64Bit, 14}}) {
    for (int cut = 1; cut <= header + 1; ++cut)
      out.push_back({form, static_cast<std::size_t>(cut)});
  }
  return out;
}

using Rfc6455_5_2_HeaderSplit = ServerSuiteWithParam<HeaderCutCase>;

TEST_P(Rfc6455_5_2_HeaderSplit, HeaderCutAnywhereIsReassembled) {
  const HeaderCutCase& c = GetParam();
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kBinary;
  spec.payload = binary_payload(100);
  spec.length_form = c.form;
  ASSERT_TRUE(client.send_split(encode_frame(spec), {c.cut}));
  ASSERT_TRUE(client.expect_binary(spec.payload));
}

INSTANTIATE_TEST_SUITE_P(Cuts, Rfc6455_5_2_HeaderSplit, ::testing::ValuesIn(header_cut_cases()),
                         [](const auto& info) {
                           return length_form_name(info.param.form) + "_cut_at_" +
                                  std::to_string(info.param.cut);
                         });

// ---------------------------------------------------------------------------
// 5.2: misc framing.

using Rfc6455_5_2_Framing = ServerSuite;

TEST_F(Rfc6455_5_2_Framing, OneFrameInOneByteWrites) {
  WSTEST_OPEN(client);
  const std::string payload =
      "one byte per TCP write: " + utf8_encode(0x20AC) + utf8_encode(0x1F600);
  ASSERT_TRUE(client.send_chunked(frame_bytes(kText, payload), 1, 500us));
  ASSERT_TRUE(client.expect_text(payload));
}

TEST_F(Rfc6455_5_2_Framing, ThousandMessagesInOneWriteAreEchoedInOrder) {
  WSTEST_OPEN(client);
  std::string batch;
  std::vector<std::pair<std::uint8_t, std::string>> sent;
  for (int i = 0; i < 1000; ++i) {
    const std::uint8_t opcode = i % 3 == 2 ? kBinary : kText;
    std::string payload = "message " + std::to_string(i);
    if (i % 7 == 0) payload.clear();
    if (i % 11 == 0) payload = std::string(126 + i, 'a' + i % 26);
    batch += frame_bytes(opcode, payload);
    sent.emplace_back(opcode, payload);
  }
  ASSERT_TRUE(client.send_raw(batch));
  for (std::size_t i = 0; i < sent.size(); ++i) {
    ASSERT_TRUE(client.expect_frame(sent[i].first, sent[i].second)) << "message " << i;
  }
  ASSERT_TRUE(client.expect_nothing());
}

TEST_F(Rfc6455_5_2_Framing, ThousandMessagesAndPingsInOneWrite) {
  WSTEST_OPEN(client);
  std::string batch;
  for (int i = 0; i < 1000; ++i) {
    batch += frame_bytes(i % 2 ? kPing : kText, "#" + std::to_string(i));
  }
  ASSERT_TRUE(client.send_raw(batch));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(client.expect_frame(i % 2 ? kPong : kText, "#" + std::to_string(i)))
        << "frame " << i;
  }
}

TEST_F(Rfc6455_5_2_Framing, ManyMessagesInSmallChunks) {
  WSTEST_OPEN(client);
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += frame_bytes(kText, "chunked " + std::to_string(i));
  ASSERT_TRUE(client.send_chunked(batch, 5, 50us));
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(client.expect_text("chunked " + std::to_string(i))) << i;
}

TEST_F(Rfc6455_5_2_Framing, ConnectionSurvivesManySequentialEchoes) {
  WSTEST_OPEN(client);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(client.echo(i % 2 ? kBinary : kText, std::string(i, 'x'))) << "round " << i;
  }
}

TEST_F(Rfc6455_5_2_Framing, LengthWithMostSignificantBitSetIsProtocolError) {
  for (std::uint64_t length :
       {0x8000000000000000ull, 0xFFFFFFFFFFFFFFFFull, 0x8000000000000005ull}) {
    SCOPED_TRACE(length);
    WSTEST_OPEN(client);
    FrameSpec spec;
    spec.opcode = kBinary;
    spec.announced_length = length;
    spec.length_form = LengthForm::k64Bit;
    (void)client.send_frame(spec);  // header only: the length is the error
    ASSERT_TRUE(client.expect_close(1002));
  }
}

TEST_F(Rfc6455_5_2_Framing, LengthWithMostSignificantBitSetOnContinuation) {
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kContinuation;
  spec.announced_length = 0x8000000000000001ull;
  spec.length_form = LengthForm::k64Bit;
  ASSERT_TRUE(client.send_raw(frame_bytes(kText, "start", false)));
  (void)client.send_frame(spec);
  ASSERT_TRUE(client.expect_close(1002));
}

// ---------------------------------------------------------------------------
// 5.3: client frames must be masked; any 32-bit key is fine.

struct UnmaskedCase {
  const char* name;
  std::string prefix;  // valid masked frames sent first
  std::uint8_t opcode;
  std::string payload;
  bool fin;
};

void PrintTo(const UnmaskedCase& c, std::ostream* os) { *os << c.name; }

std::vector<UnmaskedCase> unmasked_cases() {
  return {
      {"text", "", kText, "Hello", true},
      {"empty_text", "", kText, "", true},
      {"binary", "", kBinary, binary_payload(200), true},
      {"ping", "", kPing, "ping", true},
      {"pong", "", kPong, "pong", true},
      {"close", "", kClose, close_payload(1000), true},
      {"empty_close", "", kClose, "", true},
      {"first_fragment", "", kText, "frag", false},
      {"continuation", frame_bytes(kText, "frag", false), kContinuation, "ment", true},
      {"ping_inside_message", frame_bytes(kText, "frag", false), kPing, "", true},
      {"after_valid_echo", frame_bytes(kText, "fine"), kBinary, "bad", true},
      {"len16", "", kBinary, binary_payload(1000), true},
  };
}

class Rfc6455_5_3_UnmaskedClientFrame : public ServerSuiteWithParam<UnmaskedCase> {};

TEST_P(Rfc6455_5_3_UnmaskedClientFrame, IsProtocolError) {
  const UnmaskedCase& c = GetParam();
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = c.opcode;
  spec.payload = c.payload;
  spec.fin = c.fin;
  spec.masked = false;
  ASSERT_TRUE(client.send_raw(c.prefix));
  if (std::string(c.name) == "after_valid_echo") {
    ASSERT_TRUE(client.expect_text("fine"));
  }
  (void)client.send_frame(spec);
  ASSERT_TRUE(client.expect_close(1002));
}

INSTANTIATE_TEST_SUITE_P(Frames, Rfc6455_5_3_UnmaskedClientFrame,
                         ::testing::ValuesIn(unmasked_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

using Rfc6455_5_3_Masking = ServerSuite;

TEST_F(Rfc6455_5_3_Masking, AnyMaskKeyIsAccepted) {
  WSTEST_OPEN(client);
  const std::array<std::array<std::uint8_t, 4>, 5> keys = {{{0, 0, 0, 0},
                                                            {0xFF, 0xFF, 0xFF, 0xFF},
                                                            {1, 2, 3, 4},
                                                            {0x80, 0, 0, 0x01},
                                                            {0x37, 0xfa, 0x21, 0x3d}}};
  for (const auto& key : keys) {
    for (std::size_t size : {0u, 1u, 3u, 4u, 5u, 130u, 70000u}) {
      FrameSpec spec;
      spec.opcode = kBinary;
      spec.payload = binary_payload(size, key[0] + 7);
      spec.mask_key = key;
      ASSERT_TRUE(client.send_frame(spec));
      ASSERT_TRUE(client.expect_binary(spec.payload))
          << "key " << hex_preview({reinterpret_cast<const char*>(key.data()), 4}) << " size "
          << size;
    }
  }
}

TEST_F(Rfc6455_5_3_Masking, EachFragmentHasItsOwnKey) {
  WSTEST_OPEN(client);
  // Fragment lengths that are not multiples of 4, so a server carrying the
  // key offset over from one frame to the next is caught.
  const std::string text = utf8_text_payload(101);
  std::string batch;
  std::size_t at = 0;
  for (std::size_t len : {3u, 5u, 1u, 30u, 62u}) {
    FrameSpec spec;
    spec.opcode = at == 0 ? kText : kContinuation;
    spec.payload = text.substr(at, len);
    spec.fin = at + len == text.size();
    batch += encode_frame(spec);
    at += len;
  }
  ASSERT_EQ(at, text.size());
  ASSERT_TRUE(client.send_raw(batch));
  ASSERT_TRUE(client.expect_text(text));
}

TEST_F(Rfc6455_5_3_Masking, ControlFramesAreUnmaskedToo) {
  WSTEST_OPEN(client);
  FrameSpec spec;
  spec.opcode = kPing;
  spec.payload = binary_payload(125, 3);
  spec.mask_key = std::array<std::uint8_t, 4>{0xAA, 0x55, 0x0F, 0xF0};
  ASSERT_TRUE(client.send_frame(spec));
  ASSERT_TRUE(client.expect_pong(spec.payload));
}

}  // namespace
}  // namespace wstest
