// tests/client_conformance/framing_test.cpp: RFC 6455 5.2 (base framing) from
// the client's side. The client must fail the connection (1002, 7.4.1) on
// RSV bits no extension gave meaning to, on reserved opcodes, on a masked
// server frame (5.1: "A client MUST close a connection if it detects a
// masked frame"), and on a 64-bit length with its most significant bit set;
// and must deliver payloads at every length-form boundary intact, however
// TCP cuts them.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

// ---- RSV bits ---------------------------------------------------------------

struct RsvCase {
  std::uint8_t rsv;
  std::uint8_t opcode;
  bool fin;
};

void PrintTo(const RsvCase& c, std::ostream* os) {
  *os << "rsv=" << int(c.rsv) << " on " << opcode_name(c.opcode) << (c.fin ? "" : " (not final)");
}

std::vector<RsvCase> rsv_cases() {
  std::vector<RsvCase> cases;
  for (std::uint8_t rsv = 1; rsv <= 7; ++rsv)
    for (const RsvCase carrier :
         {RsvCase{0, kText, true}, RsvCase{0, kBinary, true}, RsvCase{0, kPing, true},
          RsvCase{0, kPong, true}, RsvCase{0, kClose, true}, RsvCase{0, kText, false}})
      cases.push_back({rsv, carrier.opcode, carrier.fin});
  return cases;
}

class Rfc6455_5_2_Rsv : public ::testing::TestWithParam<RsvCase> {};

TEST_P(Rfc6455_5_2_Rsv, FailsWith1002) {
  const RsvCase& c = GetParam();
  const std::string payload = c.opcode == kClose ? close_payload(1000) : "Hello";
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(c.opcode, payload, c.fin, c.rsv)));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_2_Rsv, ::testing::ValuesIn(rsv_cases()));

// RSV1 on the continuation of a message that began well.
TEST(Rfc6455_5_2_RsvContinuation, FailsWith1002) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "a", false) +
                               server_frame(kContinuation, "b", true, 4)));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

// ---- reserved opcodes ---------------------------------------------------------

class Rfc6455_5_2_ReservedOpcode : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(Rfc6455_5_2_ReservedOpcode, FailsWith1002) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam(), "payload")));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

TEST_P(Rfc6455_5_2_ReservedOpcode, AfterAGoodMessageFailsWith1002) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "first") + server_frame(GetParam())));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "first"));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_2_ReservedOpcode,
                         ::testing::Values(3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF),
                         [](const auto& info) { return "opcode_" + std::to_string(info.param); });

// ---- a masked server frame (5.1) --------------------------------------------

class Rfc6455_5_1_MaskedServerFrame : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(Rfc6455_5_1_MaskedServerFrame, FailsWith1002) {
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.payload = GetParam() == kClose ? close_payload(1000) : "masked";
  spec.masked = true;
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(encode_frame(spec)));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

TEST_P(Rfc6455_5_1_MaskedServerFrame, EveryCutFailsWith1002) {
  FrameSpec spec;
  spec.opcode = GetParam();
  spec.payload = GetParam() == kClose ? close_payload(1000) : "masked";
  spec.masked = true;
  spec.mask_key = std::array<std::uint8_t, 4>{0, 0, 0, 0};  // a zero key still counts as masked
  ASSERT_TRUE(deliver_at_every_cut(encode_frame(spec), {{}, 1002}));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_1_MaskedServerFrame,
                         ::testing::Values(kText, kBinary, kPing, kPong, kClose),
                         [](const auto& info) { return opcode_name(info.param); });

// ---- the 64-bit length's top bit (5.2: "the most significant bit MUST be 0")

TEST(Rfc6455_5_2_Length64, TopBitSetFailsWith1002) {
  const std::string header("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x05", 10);
  ASSERT_TRUE(deliver_at_every_cut(header + "hello", {{}, 1002}));
}

TEST(Rfc6455_5_2_Length64, TopBitSetWithNoPayloadFailsWith1002) {
  // Nothing follows the header: the client must judge it on its own.
  const std::string header("\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff", 10);
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(header));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

// ---- lengths at every length-form boundary, delivered intact ----------------

struct LengthCase {
  std::uint8_t opcode;
  std::size_t size;
};

void PrintTo(const LengthCase& c, std::ostream* os) {
  *os << opcode_name(c.opcode) << " of " << c.size << " bytes";
}

class Rfc6455_5_2_Lengths : public ::testing::TestWithParam<LengthCase> {};

std::string payload_for(const LengthCase& c) {
  return c.opcode == kText ? utf8_text_payload(c.size) : binary_payload(c.size, 7);
}

ws::Opcode as_opcode(std::uint8_t opcode) { return static_cast<ws::Opcode>(opcode); }

TEST_P(Rfc6455_5_2_Lengths, DeliveredIntact) {
  const std::string payload = payload_for(GetParam());
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(GetParam().opcode, payload)));
  ASSERT_TRUE(expect_message(*s.client, as_opcode(GetParam().opcode), payload));
}

TEST_P(Rfc6455_5_2_Lengths, NonMinimalLengthFormsDelivered) {
  // 5.2 asks the sender for the minimal form; a receiver that rejects the
  // others would be stricter than the RFC asks (the server accepts them too).
  const std::string payload = payload_for(GetParam());
  WSTEST_CLIENT(s);
  FrameSpec spec;
  spec.opcode = GetParam().opcode;
  spec.payload = payload;
  spec.masked = false;
  spec.length_form = LengthForm::k64Bit;
  ASSERT_TRUE(s.peer->send_raw(encode_frame(spec)));
  ASSERT_TRUE(expect_message(*s.client, as_opcode(GetParam().opcode), payload));
}

// Cut in the header and around the payload's ends (every cut of a 64 KiB
// frame would be 65,000 sessions; the header is where the length forms differ).
TEST_P(Rfc6455_5_2_Lengths, CutsInTheHeaderAndNearTheEnds) {
  const std::string payload = payload_for(GetParam());
  const std::string frame = server_frame(GetParam().opcode, payload);
  const Outcome expected{{{as_opcode(GetParam().opcode), payload}}, {}};
  for (std::size_t cut :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{9},
        std::size_t{10}, std::size_t{11}, frame.size() / 2, frame.size() - 1}) {
    if (cut == 0 || cut >= frame.size()) continue;
    ASSERT_TRUE(deliver(frame, cut, expected));
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_5_2_Lengths,
    ::testing::Values(LengthCase{kText, 0}, LengthCase{kBinary, 0}, LengthCase{kText, 1},
                      LengthCase{kText, 125}, LengthCase{kBinary, 125}, LengthCase{kText, 126},
                      LengthCase{kBinary, 126}, LengthCase{kText, 127}, LengthCase{kBinary, 65535},
                      LengthCase{kText, 65535}, LengthCase{kBinary, 65536},
                      LengthCase{kText, 65536}, LengthCase{kBinary, 1 << 20}),
    [](const auto& info) {
      return opcode_name(info.param.opcode) + "_" + std::to_string(info.param.size);
    });

// Many messages in one write, and frames that ride in with the 101.
TEST(Rfc6455_5_2_Stream, ManyFramesInOneWrite) {
  std::string bytes;
  std::vector<std::string> payloads;
  for (int i = 0; i < 50; ++i) {
    payloads.push_back("message " + std::to_string(i));
    bytes += server_frame(kText, payloads.back());
  }
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(bytes));
  for (const std::string& p : payloads) ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, p));
}

TEST(Rfc6455_5_2_Stream, TwoMessagesCutAtEveryByte) {
  const std::string bytes = server_frame(kText, "Hello") + server_frame(kBinary, "\x01\x02\x03");
  ASSERT_TRUE(deliver_at_every_cut(
      bytes, {{{ws::Opcode::text, "Hello"}, {ws::Opcode::binary, "\x01\x02\x03"}}, {}}));
}

// Every byte its own write: a fragmented message with a ping inside, a
// binary message, then a close; each a separate read for the client.
TEST(Rfc6455_5_2_Stream, OneByteAtATime) {
  const std::string bytes = server_frame(kText, "tric", false) + server_frame(kPing, "p") +
                            server_frame(kContinuation, "kle") +
                            server_frame(kBinary, std::string(130, 'b')) +
                            server_frame(kClose, close_payload(1000, "end"));
  WSTEST_CLIENT(s);
  for (char c : bytes) {
    ASSERT_TRUE(s.peer->send_raw(std::string(1, c)));
    std::this_thread::sleep_for(50us);
  }
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "trickle"));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::binary, std::string(130, 'b')));
  ClientFrame pong;
  ASSERT_TRUE(s.peer->read_frame(pong));
  EXPECT_EQ(pong.opcode, kPong);
  EXPECT_EQ(pong.payload, "p");
  ASSERT_TRUE(s.peer->expect_close(1000));
  ASSERT_TRUE(expect_closed(*s.client, 1000, "end"));
}

}  // namespace
}  // namespace wstest
