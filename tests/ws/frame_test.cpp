// tests/ws/frame_test.cpp: the frame header codec (ws/frame.*), RFC 6455 5.2.
#include "ws/frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr ws::Opcode kOpcodes[] = {ws::Opcode::continuation, ws::Opcode::text, ws::Opcode::binary,
                                   ws::Opcode::close,        ws::Opcode::ping, ws::Opcode::pong};
constexpr std::uint64_t kLengths[] = {
    0, 1, 125, 126, 127, 65535, 65536, std::uint64_t{1} << 32, (std::uint64_t{1} << 63) - 1};
constexpr std::array<std::uint8_t, 4> kMask{0x37, 0xFA, 0x21, 0x3D};
constexpr std::array<std::uint8_t, 4> kNoMask{};

// Size of the minimal header, worked out from 5.2's prose rather than the code.
std::size_t expected_header_size(std::uint64_t length, bool masked) {
  const std::size_t length_field = length < 126 ? 0 : length < 65536 ? 2 : 8;
  return 2 + length_field + (masked ? 4 : 0);
}

Bytes write(ws::Opcode op, bool fin, std::uint64_t length, const std::uint8_t* mask) {
  Bytes out(ws::max_frame_header_size);
  out.resize(ws::write_frame_header(out.data(), op, fin, length, mask));
  return out;
}

int parse(const Bytes& b, ws::FrameHeader& out) { return ws::parse_frame_header(b, out); }

// ---------------------------------------------------------------------------
// write -> parse

TEST(FrameHeaderCodec, RoundTripsEveryLengthFormOpcodeFinAndMask) {
  for (ws::Opcode op : kOpcodes)
    for (std::uint64_t length : kLengths)
      for (bool fin : {true, false})
        for (bool masked : {false, true}) {
          SCOPED_TRACE(testing::Message() << "op " << int(op) << " len " << length << " fin " << fin
                                          << " masked " << masked);
          Bytes wire = write(op, fin, length, masked ? kMask.data() : nullptr);
          const std::size_t size = expected_header_size(length, masked);
          ASSERT_EQ(wire.size(), size);
          ASSERT_LE(wire.size(), ws::max_frame_header_size);
          wire.insert(wire.end(), {0xAA, 0xBB, 0xCC});  // payload bytes follow; not header
          ws::FrameHeader h;
          ASSERT_EQ(parse(wire, h), static_cast<int>(size));
          EXPECT_EQ(h.fin, fin);
          EXPECT_EQ(h.rsv, 0);
          EXPECT_EQ(h.opcode, static_cast<std::uint8_t>(op));
          EXPECT_EQ(h.masked, masked);
          EXPECT_EQ(h.mask, masked ? kMask : kNoMask);
          EXPECT_EQ(h.payload_length, length);
          EXPECT_EQ(h.header_size, size);
        }
}

TEST(FrameHeaderCodec, EveryTruncatedPrefixNeedsMore) {
  for (ws::Opcode op : kOpcodes)
    for (std::uint64_t length : kLengths)
      for (bool masked : {false, true}) {
        const Bytes wire = write(op, true, length, masked ? kMask.data() : nullptr);
        for (std::size_t k = 0; k < wire.size(); ++k) {
          ws::FrameHeader h;
          h.header_size = 99;  // sentinel: `out` is not written on "need more"
          ASSERT_EQ(ws::parse_frame_header(std::span(wire).first(k), h), 0)
              << "prefix " << k << " of length " << length << " masked " << masked;
          ASSERT_EQ(h.header_size, 99);
        }
      }
}

// RFC 6455 5.7 examples, byte for byte.
TEST(FrameHeaderCodec, WritesTheRfcExamples) {
  EXPECT_EQ(write(ws::Opcode::text, true, 5, nullptr), (Bytes{0x81, 0x05}));
  EXPECT_EQ(write(ws::Opcode::text, true, 5, kMask.data()),
            (Bytes{0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D}));
  EXPECT_EQ(write(ws::Opcode::text, false, 3, nullptr), (Bytes{0x01, 0x03}));
  EXPECT_EQ(write(ws::Opcode::continuation, true, 2, nullptr), (Bytes{0x80, 0x02}));
  EXPECT_EQ(write(ws::Opcode::ping, true, 5, nullptr), (Bytes{0x89, 0x05}));
  EXPECT_EQ(write(ws::Opcode::pong, true, 5, kMask.data()),
            (Bytes{0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D}));
  EXPECT_EQ(write(ws::Opcode::binary, true, 256, nullptr), (Bytes{0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(write(ws::Opcode::binary, true, 65536, nullptr),
            (Bytes{0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
}

// ---------------------------------------------------------------------------
// parse on its own

TEST(FrameHeaderCodec, DecodesEveryFirstByte) {
  for (int b0 = 0; b0 < 256; ++b0) {
    const Bytes wire{static_cast<std::uint8_t>(b0), 0x00};
    ws::FrameHeader h;
    ASSERT_EQ(parse(wire, h), 2);
    EXPECT_EQ(h.fin, (b0 & 0x80) != 0) << b0;
    EXPECT_EQ(h.rsv, (b0 >> 4) & 7) << b0;  // RSV1 = 4, RSV2 = 2, RSV3 = 1
    EXPECT_EQ(h.opcode, b0 & 0xF) << b0;
  }
}

TEST(FrameHeaderCodec, AcceptsNonMinimalLengths) {
  ws::FrameHeader h;
  ASSERT_EQ(parse(Bytes{0x82, 0x7E, 0x00, 0x05}, h), 4);
  EXPECT_EQ(h.payload_length, 5u);
  ASSERT_EQ(parse(Bytes{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x05}, h), 10);
  EXPECT_EQ(h.payload_length, 5u);
  ASSERT_EQ(parse(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4}, h), 14);
  EXPECT_EQ(h.payload_length, 65535u);
  EXPECT_EQ(h.mask, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST(FrameHeaderCodec, SixtyFourBitLengthWithTopBitSetIsMalformed) {
  ws::FrameHeader h;
  h.header_size = 99;
  EXPECT_EQ(parse(Bytes{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, h), -1);  // exactly 2^63
  EXPECT_EQ(parse(Bytes{0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, h), -1);
  EXPECT_EQ(parse(Bytes{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, h), -1);  // masked
  EXPECT_EQ(h.header_size, 99);  // `out` untouched
  // Known as soon as the first length byte is in: no need to wait for more.
  EXPECT_EQ(parse(Bytes{0x82, 0x7F, 0x80}, h), -1);
  // One below: the largest legal length.
  ASSERT_EQ(parse(Bytes{0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, h), 10);
  EXPECT_EQ(h.payload_length, (std::uint64_t{1} << 63) - 1);
  // The top bit of a 16-bit length is an ordinary bit.
  ASSERT_EQ(parse(Bytes{0x82, 0x7E, 0x80, 0x00}, h), 4);
  EXPECT_EQ(h.payload_length, 0x8000u);
}

// ---------------------------------------------------------------------------
// check_frame_header: a valid baseline, then one rule broken at a time. Each
// test below fails if its rule is removed from check_frame_header.

ws::FrameHeader header(std::uint8_t opcode, bool fin, std::uint64_t length, bool masked) {
  ws::FrameHeader h;
  h.fin = fin;
  h.opcode = opcode;
  h.payload_length = length;
  h.masked = masked;
  return h;
}

constexpr std::uint8_t kText = 0x1, kBinary = 0x2, kContinuation = 0x0;
constexpr std::uint8_t kClose = 0x8, kPing = 0x9, kPong = 0xA;
constexpr auto kNone = ws::CloseCode::none;
constexpr auto kProtocolError = ws::CloseCode::protocol_error;

TEST(FrameHeaderCheck, AcceptsWellFormedFramesForEachRole) {
  for (ws::Opcode op : kOpcodes) {
    const auto raw = static_cast<std::uint8_t>(op);
    EXPECT_EQ(ws::check_frame_header(header(raw, true, 125, true), ws::Role::server), kNone)
        << int(raw);
    EXPECT_EQ(ws::check_frame_header(header(raw, true, 0, false), ws::Role::client), kNone)
        << int(raw);
  }
}

TEST(FrameHeaderCheck, RejectsRsvBitsNotNegotiated) {
  for (std::uint8_t rsv = 1; rsv <= 7; ++rsv) {
    ws::FrameHeader h = header(kText, true, 10, true);
    h.rsv = rsv;
    EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kProtocolError) << int(rsv);
    EXPECT_EQ(ws::check_frame_header(h, ws::Role::server, rsv), kNone) << int(rsv);
    EXPECT_EQ(ws::check_frame_header(h, ws::Role::server, 7), kNone) << int(rsv);
  }
  // permessage-deflate allows RSV1 only: RSV2 or RSV3 still fail.
  ws::FrameHeader h = header(kBinary, true, 10, true);
  h.rsv = 4 | 2;
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server, 4), kProtocolError);
  h.rsv = 1;
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server, 4), kProtocolError);
}

TEST(FrameHeaderCheck, RejectsReservedOpcodes) {
  for (std::uint8_t op = 0; op < 16; ++op) {
    const bool defined = op <= 0x2 || (op >= 0x8 && op <= 0xA);
    const auto want = defined ? kNone : kProtocolError;
    EXPECT_EQ(ws::check_frame_header(header(op, true, 0, true), ws::Role::server), want) << int(op);
    EXPECT_EQ(ws::check_frame_header(header(op, true, 0, false), ws::Role::client), want)
        << int(op);
  }
}

TEST(FrameHeaderCheck, RejectsControlPayloadOver125) {
  for (std::uint8_t op : {kClose, kPing, kPong}) {
    EXPECT_EQ(ws::check_frame_header(header(op, true, 125, true), ws::Role::server), kNone);
    EXPECT_EQ(ws::check_frame_header(header(op, true, 126, true), ws::Role::server),
              kProtocolError);
    EXPECT_EQ(ws::check_frame_header(header(op, true, 65536, false), ws::Role::client),
              kProtocolError);
  }
  for (std::uint8_t op : {kText, kBinary, kContinuation})  // data frames may be long
    EXPECT_EQ(ws::check_frame_header(header(op, true, 65536, true), ws::Role::server), kNone);
}

TEST(FrameHeaderCheck, RejectsFragmentedControlFrames) {
  for (std::uint8_t op : {kClose, kPing, kPong}) {
    EXPECT_EQ(ws::check_frame_header(header(op, false, 0, true), ws::Role::server), kProtocolError);
    EXPECT_EQ(ws::check_frame_header(header(op, false, 0, false), ws::Role::client),
              kProtocolError);
  }
  for (std::uint8_t op : {kText, kBinary, kContinuation})  // data frames may be fragmented
    EXPECT_EQ(ws::check_frame_header(header(op, false, 0, true), ws::Role::server), kNone);
}

TEST(FrameHeaderCheck, ServerRejectsUnmaskedFrames) {
  for (ws::Opcode op : kOpcodes) {
    const auto raw = static_cast<std::uint8_t>(op);
    EXPECT_EQ(ws::check_frame_header(header(raw, true, 0, false), ws::Role::server),
              kProtocolError);
  }
}

TEST(FrameHeaderCheck, ClientRejectsMaskedFrames) {
  for (ws::Opcode op : kOpcodes) {
    const auto raw = static_cast<std::uint8_t>(op);
    EXPECT_EQ(ws::check_frame_header(header(raw, true, 0, true), ws::Role::client), kProtocolError);
  }
}

// parse and check together, on raw bytes as a client would send them.
TEST(FrameHeaderCheck, ParsedClientFramesAtTheServer) {
  ws::FrameHeader h;
  ASSERT_EQ(parse(Bytes{0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D}, h), 6);  // masked "Hello"
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kNone);
  ASSERT_EQ(parse(Bytes{0x81, 0x05}, h), 2);  // unmasked
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kProtocolError);
  ASSERT_EQ(parse(Bytes{0xC1, 0x80, 0, 0, 0, 0}, h), 6);  // RSV1 without deflate
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kProtocolError);
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server, 4), kNone);
  ASSERT_EQ(parse(Bytes{0x09, 0x80, 0, 0, 0, 0}, h), 6);  // ping without FIN
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kProtocolError);
  ASSERT_EQ(parse(Bytes{0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0}, h), 8);  // ping of 126
  EXPECT_EQ(ws::check_frame_header(h, ws::Role::server), kProtocolError);
}

}  // namespace
