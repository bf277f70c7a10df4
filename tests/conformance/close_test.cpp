// tests/conformance/close_test.cpp: RFC 6455 5.5.1 (the Close frame), 7.1
// (closing the connection) and 7.4 (status codes). A valid Close is answered
// with a Close carrying the same code (an empty one with an empty one), then
// the server closes TCP; frames after the client's Close are ignored. Invalid
// codes fail with 1002, a 1-byte payload with 1002, a reason that is not UTF-8
// with 1007. Autobahn category 7.
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

// 7.4.1/7.4.2 and the IANA registry: codes a peer may send. 1004 is
// reserved, 1005/1006/1015 must never be on the wire, 1016-2999 are
// reserved for future RFCs, 3000-4999 belong to libraries and applications.
bool close_code_valid(int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::vector<int> all_codes() {
  std::vector<int> out;
  for (int code = 0; code <= 5000; ++code) out.push_back(code);
  for (int code : {5001, 6000, 9999, 32768, 65534, 65535}) out.push_back(code);
  return out;
}

using Rfc6455_7_4_CloseCode = ServerSuiteWithParam<int>;

TEST_P(Rfc6455_7_4_CloseCode, ValidEchoedInvalidFailWith1002) {
  const int code = GetParam();
  WSTEST_OPEN(client);
  (void)client.send_close(static_cast<std::uint16_t>(code));
  ASSERT_TRUE(
      client.expect_close(close_code_valid(code) ? static_cast<std::uint16_t>(code) : 1002));
}

INSTANTIATE_TEST_SUITE_P(Codes, Rfc6455_7_4_CloseCode, ::testing::ValuesIn(all_codes()),
                         [](const auto& info) {
                           return (close_code_valid(info.param) ? "valid_" : "invalid_") +
                                  std::to_string(info.param);
                         });

// Valid codes with a reason.
std::vector<int> sample_valid_codes() {
  return {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
          1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
}

using Rfc6455_7_4_CloseCodeWithReason = ServerSuiteWithParam<int>;

TEST_P(Rfc6455_7_4_CloseCodeWithReason, EchoesCode) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close(static_cast<std::uint16_t>(GetParam()),
                                "a reason: " + utf8_encode(0x20AC)));
  ASSERT_TRUE(client.expect_close(static_cast<std::uint16_t>(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Codes, Rfc6455_7_4_CloseCodeWithReason,
                         ::testing::ValuesIn(sample_valid_codes()));

// ---------------------------------------------------------------------------
// 5.5.1: the payload.

using Rfc6455_5_5_1_Close = ServerSuite;

TEST_F(Rfc6455_5_5_1_Close, EmptyCloseGetsEmptyClose) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close_empty());
  ASSERT_TRUE(client.expect_close_empty());
}

TEST_F(Rfc6455_5_5_1_Close, CodeOnly) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close(1000));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_5_5_1_Close, CodeAndReason) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close(1000, "Hello World!"));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_5_5_1_Close, MaximalReason123Bytes) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close(1000, std::string(123, '*')));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_5_5_1_Close, MaximalMultibyteReason) {
  WSTEST_OPEN(client);
  std::string reason;
  while (reason.size() + 4 <= 120) reason += utf8_encode(0x1F600);
  reason += utf8_encode(0x20AC);  // 120 + 3 = 123
  ASSERT_EQ(reason.size(), 123u);
  ASSERT_TRUE(client.send_close(3000, reason));
  ASSERT_TRUE(client.expect_close(3000));
}

TEST_F(Rfc6455_5_5_1_Close, Reason124BytesIsTooLong) {
  WSTEST_OPEN(client);
  (void)client.send_close(1000, std::string(124, '*'));
  ASSERT_TRUE(client.expect_close(1002));
}

TEST_F(Rfc6455_5_5_1_Close, OneBytePayloadIsProtocolError) {
  for (char b : {'\x00', '\x03', '\xe8', 'a'}) {
    WSTEST_OPEN(client);
    (void)client.send_message(kClose, std::string(1, b));
    ASSERT_TRUE(client.expect_close(1002)) << "payload byte " << hex_preview(std::string(1, b));
  }
}

TEST_F(Rfc6455_5_5_1_Close, CloseInOneByteWrites) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_chunked(frame_bytes(kClose, close_payload(1000, "chopped")), 1, 200us));
  ASSERT_TRUE(client.expect_close(1000));
}

struct ReasonCase {
  const char* name;
  std::string reason;
};

void PrintTo(const ReasonCase& c, std::ostream* os) {
  *os << c.name << " [" << hex_preview(c.reason) << "]";
}

std::vector<ReasonCase> invalid_reasons() {
  return {
      {"ff", "\xff"},
      {"continuation", "\x80"},
      {"overlong_slash", "\xc0\xaf"},
      {"overlong_3", "\xe0\x80\x80"},
      {"surrogate", "\xed\xa0\x80"},
      {"above_max", "\xf4\x90\x80\x80"},
      {"truncated_at_end", "ok \xe2\x82"},
      {"truncated_in_middle", "\xe2\x82 ok"},
      {"kosme_edited",
       "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"},
      {"invalid_after_120_valid", std::string(120, 'v') + "\xfe"},
  };
}

using Rfc6455_5_5_1_CloseReasonUtf8 = ServerSuiteWithParam<ReasonCase>;

TEST_P(Rfc6455_5_5_1_CloseReasonUtf8, InvalidReasonFailsWith1007) {
  WSTEST_OPEN(client);
  (void)client.send_close(1000, GetParam().reason);
  ASSERT_TRUE(client.expect_close(1007)) << hex_preview(GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(Reasons, Rfc6455_5_5_1_CloseReasonUtf8,
                         ::testing::ValuesIn(invalid_reasons()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// 7.1: the closing handshake (Autobahn 7.1.x).

using Rfc6455_7_1_ClosingHandshake = ServerSuite;

TEST_F(Rfc6455_7_1_ClosingHandshake, EchoThenClose) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, "Hello World!"));
  ASSERT_TRUE(client.send_close(1000));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, SecondCloseIsIgnored) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kClose, close_payload(1001)));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, PingAfterCloseIsIgnored) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kPing, "after close"));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, TextAfterCloseIsIgnored) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kText, "after close"));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, InvalidFrameAfterCloseIsIgnored) {
  // The server stopped reading at the Close: what follows cannot change
  // the code it answers with.
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kText, "x", true, 7) + frame_bytes(kText, "\xff"));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, TextAfterCloseInSeparateWriteIsIgnored) {
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.send_close(1000));
  (void)client.send_text("after close");
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, CloseBetweenFragments) {
  // Autobahn 7.1.5: control frames may come between fragments; the
  // unfinished message is dropped.
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, "frag", false) +
                        frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kContinuation, "ment"));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, LargeMessageThenCloseThenPing) {
  // Autobahn 7.1.6.
  WSTEST_OPEN(client);
  const std::string big = utf8_text_payload(256 * 1024);
  (void)client.send_raw(frame_bytes(kText, big) + frame_bytes(kClose, close_payload(1000)) +
                        frame_bytes(kPing));
  ASSERT_TRUE(client.expect_text(big));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, ManyMessagesThenClose) {
  WSTEST_OPEN(client);
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += frame_bytes(kBinary, std::to_string(i));
  bytes += frame_bytes(kClose, close_payload(1000, "done"));
  (void)client.send_raw(bytes);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(client.expect_binary(std::to_string(i)));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_7_1_ClosingHandshake, TcpFinWithoutCloseFrameEndsConnection) {
  // The client half-closes without a Close frame (7.1.5 "abnormal"); the
  // server must close its side. It may send a Close first, but never one of
  // the codes reserved for local use (1005, 1006, 1015).
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, "before FIN"));
  client.shutdown_write();
  Frame f;
  std::string detail;
  const ReadStatus s = client.read_frame(f, &detail);
  if (s == ReadStatus::kFrame) {
    ASSERT_EQ(f.opcode, kClose) << describe(f);
    if (f.payload.size() >= 2) {
      const int code =
          (static_cast<std::uint8_t>(f.payload[0]) << 8) | static_cast<std::uint8_t>(f.payload[1]);
      EXPECT_TRUE(code != 1005 && code != 1006 && code != 1015) << describe(f);
    }
    ASSERT_TRUE(client.expect_tcp_end());
  } else {
    ASSERT_TRUE(s == ReadStatus::kEof || s == ReadStatus::kReset)
        << read_status_name(s) << ": " << detail;
  }
}

TEST_F(Rfc6455_7_1_ClosingHandshake, TcpFinInsideFrameEndsConnection) {
  WSTEST_OPEN(client);
  (void)client.send_raw(frame_bytes(kText, "incomplete frame").substr(0, 10));
  client.shutdown_write();
  Frame f;
  std::string detail;
  const ReadStatus s = client.read_frame(f, &detail);
  if (s == ReadStatus::kFrame) {
    ASSERT_EQ(f.opcode, kClose) << describe(f);
    ASSERT_TRUE(client.expect_tcp_end());
  } else {
    ASSERT_TRUE(s == ReadStatus::kEof || s == ReadStatus::kReset)
        << read_status_name(s) << ": " << detail;
  }
}

TEST_F(Rfc6455_7_1_ClosingHandshake, ServerStillAcceptsAfterManyCloses) {
  for (int i = 0; i < 20; ++i) {
    WSTEST_OPEN(client);
    ASSERT_TRUE(client.send_close(1000));
    ASSERT_TRUE(client.expect_close(1000));
  }
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, "fresh connection"));
}

}  // namespace
}  // namespace wstest
