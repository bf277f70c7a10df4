// tests/ws/client_frame_test.cpp: client frames (RFC 6455 5.2, 5.3) are
// masked, with a fresh key each, and read back by the server's reader as the
// payload that was sent.
#include "ws/client_frame.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ws/message_reader.hpp"

namespace ws {
namespace {

struct Collect : MessageSink {
  std::vector<std::string> messages;
  bool failed = false;
  void on_message(Opcode, std::span<const std::uint8_t> p) override {
    messages.emplace_back(reinterpret_cast<const char*>(p.data()), p.size());
  }
  void on_ping(std::span<const std::uint8_t>) override {}
  void on_pong(std::span<const std::uint8_t>) override {}
  void on_close(std::uint16_t, std::string_view) override {}
  void on_fail(CloseCode) override { failed = true; }
};

std::vector<std::uint8_t> frame_of(std::string_view text, MaskKeySource& keys) {
  std::vector<std::uint8_t> out(client_frame_size(text.size()));
  const auto n = write_client_frame(
      out.data(), Opcode::text, true,
      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, keys.next());
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(ClientFrame, IsMaskedAndTheServerReadsThePayloadBack) {
  MaskKeySource keys;
  for (std::size_t size : {0u, 1u, 125u, 126u, 65535u, 65536u, 70000u}) {
    const std::string payload(size, 'x');
    auto frame = frame_of(payload, keys);
    FrameHeader h;
    ASSERT_GT(parse_frame_header(frame, h), 0);
    EXPECT_TRUE(h.masked);
    EXPECT_EQ(h.payload_length, size);
    EXPECT_EQ(check_frame_header(h, Role::server), CloseCode::none);
    MessageReader reader(ReaderOptions{.role = Role::server});
    Collect sink;
    reader.feed(frame, sink);
    ASSERT_FALSE(sink.failed);
    ASSERT_EQ(sink.messages.size(), 1u);
    EXPECT_EQ(sink.messages[0], payload) << size;
  }
}

TEST(ClientFrame, SamePayloadTwiceGetsTwoDifferentKeys) {
  MaskKeySource keys;
  const std::string payload = "the same payload";
  auto a = frame_of(payload, keys);
  auto b = frame_of(payload, keys);
  FrameHeader ha, hb;
  ASSERT_GT(parse_frame_header(a, ha), 0);
  ASSERT_GT(parse_frame_header(b, hb), 0);
  EXPECT_NE(ha.mask, hb.mask);
  EXPECT_NE(a, b);  // so the bytes on the wire differ too
}

TEST(ClientFrame, KeysDoNotRepeatAcrossBatches) {
  // 10,000 keys span several refills; among 2^32 values a repeat is a
  // one-in-86 event, so allow one.
  MaskKeySource keys;
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto k = keys.next();
    seen.insert(std::uint32_t{k[0]} | std::uint32_t{k[1]} << 8 | std::uint32_t{k[2]} << 16 |
                std::uint32_t{k[3]} << 24);
  }
  EXPECT_GE(seen.size(), 9999u);
  // Two sources (two loops) do not share a sequence.
  MaskKeySource other;
  EXPECT_NE(MaskKeySource().next(), other.next());
}

TEST(ClientFrame, ServerStillRejectsUnmaskedFrames) {
  std::uint8_t frame[max_frame_header_size];
  write_frame_header(frame, Opcode::text, true, 0);
  FrameHeader h;
  ASSERT_GT(parse_frame_header(std::span<const std::uint8_t>(frame, 2), h), 0);
  EXPECT_EQ(check_frame_header(h, Role::server), CloseCode::protocol_error);
}

}  // namespace
}  // namespace ws
