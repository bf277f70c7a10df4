// MessageReader, driven with byte strings: no sockets. Every stream is also
// replayed split at every byte boundary, since the network may cut anywhere.
#include "ws/message_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;
using ws::CloseCode;
using ws::Opcode;

Bytes bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// A client frame: masked with a fixed key (the reader must not care which).
Bytes frame(Opcode opcode, const Bytes& payload, bool fin = true, bool masked = true) {
  Bytes out(ws::max_frame_header_size + payload.size());
  const std::uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
  const std::size_t header =
      ws::write_frame_header(out.data(), opcode, fin, payload.size(), masked ? key : nullptr);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out[header + i] = masked ? payload[i] ^ key[i % 4] : payload[i];
  out.resize(header + payload.size());
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  out += reason;  // (built as a string: g++ 12 -O2 misreports vector::insert here)
  return bytes_of(out);
}

// Records everything as one line per event, for easy comparison.
struct RecordingSink : ws::MessageSink {
  std::vector<std::string> events;
  static std::string text(std::span<const std::uint8_t> p) { return {p.begin(), p.end()}; }
  void on_message(Opcode opcode, std::span<const std::uint8_t> payload) override {
    events.push_back((opcode == Opcode::text ? "text:" : "binary:") + text(payload));
  }
  void on_ping(std::span<const std::uint8_t> p) override { events.push_back("ping:" + text(p)); }
  void on_pong(std::span<const std::uint8_t> p) override { events.push_back("pong:" + text(p)); }
  void on_close(std::uint16_t code, std::string_view reason) override {
    events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
  void on_fail(CloseCode code) override {
    events.push_back("fail:" + std::to_string(static_cast<int>(code)));
  }
};

std::vector<std::string> read_all(Bytes stream, ws::ReaderOptions options = {}) {
  ws::MessageReader reader(options);
  RecordingSink sink;
  reader.feed(stream, sink);
  return sink.events;
}

// The same stream fed in two pieces, cut at every position, must give the
// same events as when fed whole.
void expect_same_at_every_split(const Bytes& stream, ws::ReaderOptions options = {}) {
  const auto whole = read_all(stream, options);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    ws::MessageReader reader(options);
    RecordingSink sink;
    Bytes first(stream.begin(), stream.begin() + cut), second(stream.begin() + cut, stream.end());
    reader.feed(first, sink);
    reader.feed(second, sink);
    ASSERT_EQ(sink.events, whole) << "cut at " << cut;
  }
}

TEST(MessageReader, DeliversTextAndBinaryMessages) {
  EXPECT_EQ(read_all(concat({frame(Opcode::text, bytes_of("hello")),
                             frame(Opcode::binary, bytes_of("\x01\x02"))})),
            (std::vector<std::string>{"text:hello", "binary:\x01\x02"}));
}

TEST(MessageReader, DeliversEmptyMessages) {
  EXPECT_EQ(read_all(frame(Opcode::text, {})), std::vector<std::string>{"text:"});
}

TEST(MessageReader, AssemblesFragmentsWithControlFramesBetween) {
  const Bytes stream = concat(
      {frame(Opcode::text, bytes_of("frag"), false), frame(Opcode::ping, bytes_of("p")),
       frame(Opcode::continuation, bytes_of("men"), false), frame(Opcode::continuation, {}, false),
       frame(Opcode::continuation, bytes_of("ted"))});
  EXPECT_EQ(read_all(stream), (std::vector<std::string>{"ping:p", "text:fragmented"}));
  expect_same_at_every_split(stream);
}

TEST(MessageReader, EveryLengthFormAtEverySplit) {
  for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536}) {
    Bytes payload(size);
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
    const Bytes stream = concat({frame(Opcode::text, payload), frame(Opcode::binary, payload)});
    const auto events = read_all(stream);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].size(), 5 + size);
    if (size <= 127) expect_same_at_every_split(stream);
  }
}

TEST(MessageReader, WholeSingleFrameMessagesAreNotCopied) {
  ws::MessageReader reader({});
  RecordingSink sink;
  Bytes stream =
      concat({frame(Opcode::binary, Bytes(1000, 7)), frame(Opcode::text, Bytes(50, 'x'))});
  reader.feed(stream, sink);
  EXPECT_EQ(reader.stats().messages, 2u);
  EXPECT_EQ(reader.stats().bytes_copied, 0u);
}

TEST(MessageReader, SplitOrFragmentedPayloadIsCopiedExactlyOnce) {
  ws::MessageReader reader({});
  RecordingSink sink;
  Bytes fragmented = concat(
      {frame(Opcode::binary, Bytes(300, 1), false), frame(Opcode::continuation, Bytes(200, 2))});
  reader.feed(fragmented, sink);
  EXPECT_EQ(reader.stats().bytes_copied, 500u);
  Bytes split = frame(Opcode::binary, Bytes(1000, 3));
  std::span<std::uint8_t> all(split);
  reader.feed(all.first(400), sink);
  reader.feed(all.subspan(400), sink);
  EXPECT_EQ(reader.stats().bytes_copied, 1500u);
  EXPECT_EQ(sink.events.size(), 2u);
}

TEST(MessageReader, ProtocolErrorsFailWith1002) {
  const std::string fail_1002 = "fail:1002";
  const std::vector<Bytes> bad = {
      frame(Opcode::text, bytes_of("x"), true, false),    // unmasked client frame (5.1)
      frame(static_cast<Opcode>(3), {}),                  // reserved data opcode
      frame(static_cast<Opcode>(0xB), {}),                // reserved control opcode
      frame(Opcode::continuation, bytes_of("x")),         // continuation with no start
      frame(Opcode::ping, Bytes(126, 0)),                 // control frame over 125
      frame(Opcode::ping, {}, false),                     // fragmented control frame
      concat({frame(Opcode::text, bytes_of("a"), false),  // new message inside one
              frame(Opcode::text, bytes_of("b"))}),
      frame(Opcode::close, Bytes{0x03}),         // 1-byte close payload
      frame(Opcode::close, close_payload(999)),  // invalid close code
      frame(Opcode::close, close_payload(1005)),
      frame(Opcode::close, close_payload(2999)),
      frame(Opcode::close, close_payload(5000)),
  };
  for (const Bytes& stream : bad) {
    const auto events = read_all(stream);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), fail_1002);
  }
}

TEST(MessageReader, ReservedBitsFailUnlessAllowed) {
  Bytes stream = frame(Opcode::text, bytes_of("x"));
  stream[0] |= 0x40;  // RSV1
  EXPECT_EQ(read_all(stream), std::vector<std::string>{"fail:1002"});
  ws::ReaderOptions deflate;
  deflate.allowed_rsv = 4;
  EXPECT_EQ(read_all(stream, deflate), std::vector<std::string>{"text:x"});
}

TEST(MessageReader, SixtyFourBitLengthWithTopBitSetFails) {
  Bytes stream{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(read_all(stream), std::vector<std::string>{"fail:1002"});
}

TEST(MessageReader, InvalidUtf8FailsFastInsideAnUnfinishedFrame) {
  Bytes stream = frame(Opcode::text, bytes_of("ok \xC0 and more"));
  // Feed only the header and the first four payload bytes: 0xC0 is among them.
  ws::MessageReader reader({});
  RecordingSink sink;
  std::span<std::uint8_t> all(stream);
  reader.feed(all.first(2 + 4 + 4), sink);
  EXPECT_EQ(sink.events, std::vector<std::string>{"fail:1007"});
  EXPECT_TRUE(reader.finished());
}

TEST(MessageReader, InvalidUtf8FailsFastInANonFinalFragment) {
  EXPECT_EQ(read_all(frame(Opcode::text, bytes_of("\xED\xA0\x80"), false)),
            std::vector<std::string>{"fail:1007"});
}

TEST(MessageReader, TextEndingInsideACodePointFails) {
  const Bytes stream =
      concat({frame(Opcode::text, bytes_of("\xE2\x82"), false), frame(Opcode::continuation, {})});
  EXPECT_EQ(read_all(stream), std::vector<std::string>{"fail:1007"});
}

TEST(MessageReader, CodePointSplitAcrossFragmentsIsValid) {
  const Bytes stream = concat({frame(Opcode::text, bytes_of("\xE2\x82"), false),
                               frame(Opcode::continuation, bytes_of("\xAC"))});
  EXPECT_EQ(read_all(stream), std::vector<std::string>{"text:\xE2\x82\xAC"});
  expect_same_at_every_split(stream);
}

TEST(MessageReader, BinaryIsNotUtf8Checked) {
  EXPECT_EQ(read_all(frame(Opcode::binary, Bytes{0xFF})), std::vector<std::string>{"binary:\xFF"});
}

TEST(MessageReader, OversizedMessageFailsOnItsHeader) {
  ws::ReaderOptions small;
  small.max_message_size = 100;
  Bytes header_only = frame(Opcode::binary, Bytes(101, 0));
  header_only.resize(8);  // 2 + 2 (16-bit length) + 4 (mask): the payload never arrives
  EXPECT_EQ(read_all(header_only, small), std::vector<std::string>{"fail:1009"});
  EXPECT_EQ(read_all(frame(Opcode::binary, Bytes(100, 0)), small).size(), 1u);
}

TEST(MessageReader, OversizedFragmentedMessageFails) {
  ws::ReaderOptions small;
  small.max_message_size = 100;
  const Bytes stream = concat(
      {frame(Opcode::binary, Bytes(60, 0), false), frame(Opcode::continuation, Bytes(41, 0))});
  EXPECT_EQ(read_all(stream, small), std::vector<std::string>{"fail:1009"});
}

TEST(MessageReader, CloseFramesAreParsedAndEndTheStream) {
  EXPECT_EQ(read_all(concat({frame(Opcode::close, {}), frame(Opcode::text, bytes_of("late"))})),
            std::vector<std::string>{"close:1005:"});
  EXPECT_EQ(read_all(frame(Opcode::close, close_payload(1000, "bye"))),
            std::vector<std::string>{"close:1000:bye"});
  EXPECT_EQ(read_all(frame(Opcode::close, close_payload(4999))),
            std::vector<std::string>{"close:4999:"});
  EXPECT_EQ(read_all(frame(Opcode::close, close_payload(1000, "\xFF"))),
            std::vector<std::string>{"fail:1007"});
}

TEST(MessageReader, NothingIsReadAfterAFailure) {
  const Bytes stream =
      concat({frame(Opcode::continuation, {}), frame(Opcode::text, bytes_of("x"))});
  EXPECT_EQ(read_all(stream), std::vector<std::string>{"fail:1002"});
}

TEST(MessageReader, ClientRoleRejectsMaskedFramesAndReadsUnmaskedOnes) {
  ws::ReaderOptions client;
  client.role = ws::Role::client;
  EXPECT_EQ(read_all(frame(Opcode::text, bytes_of("x")), client),
            std::vector<std::string>{"fail:1002"});
  EXPECT_EQ(read_all(frame(Opcode::text, bytes_of("hi"), true, false), client),
            std::vector<std::string>{"text:hi"});
}

// A close that cuts a fragmented message: the message will never be
// delivered, so its buffer goes back to the memory budget at once, not when
// the connection is destroyed a close timeout later.
TEST(MessageReaderMemory, ACloseGivesTheMessageBufferBack) {
  core::MemoryAccount account(nullptr);
  ws::MessageReader reader(ws::ReaderOptions{ws::Role::server, 16 << 20, 0, &account});
  RecordingSink sink;
  Bytes fragment = frame(Opcode::binary, Bytes(200000, 'a'), /*fin=*/false);
  reader.feed(fragment, sink);
  ASSERT_GT(account.charged(), 0u);
  Bytes close = frame(Opcode::close, close_payload(1000));
  reader.feed(close, sink);
  ASSERT_EQ(sink.events, std::vector<std::string>{"close:1000:"});
  EXPECT_EQ(account.charged(), 0u);
}

TEST(MessageReaderMemory, AFailureGivesTheMessageBufferBack) {
  core::MemoryAccount account(nullptr);
  ws::MessageReader reader(ws::ReaderOptions{ws::Role::server, 16 << 20, 0, &account});
  RecordingSink sink;
  Bytes fragment = frame(Opcode::text, Bytes(200000, 'a'), /*fin=*/false);
  reader.feed(fragment, sink);
  Bytes orphan = frame(Opcode::text, bytes_of("nested"));  // 5.4: a new message inside one
  reader.feed(orphan, sink);
  ASSERT_EQ(sink.events, std::vector<std::string>{"fail:1002"});
  EXPECT_EQ(account.charged(), 0u);
}

}  // namespace
