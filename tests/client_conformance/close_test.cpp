// tests/client_conformance/close_test.cpp: RFC 6455 5.5.1 and 7.4 from the
// client's side. A server's Close is echoed with the same code (5.5.1: "the
// endpoint typically echos the status code it received"); an empty one is
// echoed empty (1005 "MUST NOT be set as a status code in a Close control
// frame", 7.4.1). A Close whose code may not be sent on the wire (7.4.1,
// 7.4.2: 0-999, 1004-1006, 1015, 1016-2999, 5000 and up) or whose payload
// is one byte fails with 1002; a reason that is not UTF-8 with 1007. A
// close the client starts reaches the server with its code and reason, and
// a TCP end without a Close is reported as 1006 (7.1.5).
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

// ---- codes a server may not send -> 1002 ------------------------------------

class Rfc6455_7_4_InvalidCode : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(Rfc6455_7_4_InvalidCode, FailsWith1002) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(GetParam(), "why"))));
  ASSERT_TRUE(expect_failed_with(s, 1002));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_7_4_InvalidCode,
                         ::testing::Values(0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000,
                                           2999, 5000, 65535),
                         [](const auto& info) { return "code_" + std::to_string(info.param); });

TEST(Rfc6455_5_5_1_Payload, OneByteFailsWith1002) {
  ASSERT_TRUE(deliver_at_every_cut(server_frame(kClose, std::string("\x03", 1)), {{}, 1002}));
}

class Rfc6455_5_5_1_BadReason : public ::testing::TestWithParam<std::string> {};

TEST_P(Rfc6455_5_5_1_BadReason, FailsWith1007) {
  // 5.5.1: the reason "is not guaranteed to be human readable" but is UTF-8.
  ASSERT_TRUE(
      deliver_at_every_cut(server_frame(kClose, close_payload(1000, GetParam())), {{}, 1007}));
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_5_1_BadReason,
                         ::testing::Values(std::string("\xff"), std::string("bye\xc0\x80"),
                                           std::string("\xed\xa0\x80"), std::string("cut\xe2\x82")),
                         [](const auto& info) { return "case_" + std::to_string(info.index); });

// ---- valid server closes, echoed ------------------------------------------

class Rfc6455_5_5_1_Echo : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(Rfc6455_5_5_1_Echo, SameCodeBackAndReported) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(GetParam(), "server says"))));
  ASSERT_TRUE(s.peer->expect_close(GetParam()));
  ASSERT_TRUE(expect_closed(*s.client, GetParam(), "server says"));
  // 7.1.1: the server closes TCP first; the client's side follows.
  s.peer->close();
  EXPECT_FALSE(s.client->send_text("too late"));
}

TEST_P(Rfc6455_5_5_1_Echo, CutAtEveryByte) {
  const std::string bytes = server_frame(kClose, close_payload(GetParam(), "r\xc3\xa9"));
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    WSTEST_CLIENT(s);
    ASSERT_TRUE(s.peer->send_split(bytes, cut, 300us));
    ASSERT_TRUE(s.peer->expect_close(GetParam())) << "cut " << cut;
    ASSERT_TRUE(expect_closed(*s.client, GetParam(), "r\xc3\xa9")) << "cut " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_5_1_Echo,
                         ::testing::Values(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                           1012, 1013, 1014, 3000, 3999, 4000, 4999),
                         [](const auto& info) { return "code_" + std::to_string(info.param); });

TEST(Rfc6455_5_5_1_Echo, ServerThatKeepsTcpOpenIsDroppedAfterCloseTimeout) {
  // 7.1.1: the server should close TCP first; one that does not is not
  // waited for longer than close_timeout.
  ws::ClientOptions options = test_options();
  options.close_timeout = 200ms;
  Session s;
  ASSERT_TRUE(open_session(s, options));
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(1000))));
  ASSERT_TRUE(s.peer->expect_close(1000));
  ASSERT_TRUE(expect_closed(*s.client, 1000));
  EXPECT_TRUE(s.peer->expect_tcp_end(1500ms));
}

TEST(Rfc6455_5_5_1_Echo, EmptyCloseEchoedEmptyAndReportedAs1005) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose)));
  ASSERT_TRUE(s.peer->expect_close_empty());
  ASSERT_TRUE(expect_closed(*s.client, 1005, ""));
}

TEST(Rfc6455_5_5_1_Echo, MaximalReasonAccepted) {
  const std::string reason(123, 'r');  // 125 - 2 code bytes
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(1000, reason))));
  ASSERT_TRUE(s.peer->expect_close(1000));
  ASSERT_TRUE(expect_closed(*s.client, 1000, reason));
}

TEST(Rfc6455_5_5_1_Echo, NothingIsDeliveredAfterTheClose) {
  // 5.5.1: after a Close, the endpoint "MUST NOT send any more data frames";
  // what the server sends after its own is not data either.
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "before") +
                               server_frame(kClose, close_payload(1000)) +
                               server_frame(kText, "after")));
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "before"));
  ASSERT_TRUE(s.peer->expect_close(1000));
  ASSERT_TRUE(expect_closed(*s.client, 1000));
}

// ---- the client closes ------------------------------------------------------

struct ClientClose {
  std::uint16_t code;
  std::string reason;
};

void PrintTo(const ClientClose& c, std::ostream* os) { *os << c.code << " \"" << c.reason << "\""; }

class Rfc6455_5_5_1_ClientCloses : public ::testing::TestWithParam<ClientClose> {};

TEST_P(Rfc6455_5_5_1_ClientCloses, ArrivesAsSent) {
  const ClientClose& c = GetParam();
  WSTEST_CLIENT(s);
  std::future<ws::Received> closed =
      std::async(std::launch::async, [&] { return s.client->close(c.code, c.reason); });
  ASSERT_TRUE(s.peer->expect_close(c.code, c.reason));
  // The server answers and ends TCP (7.1.1); close() returns its answer.
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(c.code, "ok"))));
  s.peer->close();
  ASSERT_EQ(closed.wait_for(2s), std::future_status::ready);
  const ws::Received r = closed.get();
  EXPECT_EQ(r.kind, ws::Received::Kind::closed);
  EXPECT_EQ(r.code, c.code);
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_5_1_ClientCloses,
                         ::testing::Values(ClientClose{1000, ""}, ClientClose{1000, "bye"},
                                           ClientClose{1001, "going away"},
                                           ClientClose{1008, "policy"},
                                           ClientClose{3000, "app \xc3\xa9\xe2\x82\xac"},
                                           ClientClose{4999, std::string(123, 'r')}));

TEST(Rfc6455_5_5_1_ClientCloses, LongReasonCutTo123BytesAtACodePoint) {
  // 5.5: a control payload is at most 125 bytes; the reason is cut, not the frame.
  std::string reason;
  while (reason.size() < 200) reason += "\xe2\x82\xac";  // 3-byte code points
  WSTEST_CLIENT(s);
  std::future<ws::Received> closed =
      std::async(std::launch::async, [&] { return s.client->close(1000, reason); });
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));
  ASSERT_EQ(frame.opcode, kClose);
  EXPECT_LE(frame.payload.size(), 125u);
  EXPECT_TRUE(utf8_valid(frame.payload.substr(2))) << "cut inside a code point";
  EXPECT_EQ(frame.payload.substr(2), reason.substr(0, 123 / 3 * 3));
  s.peer->close();
  ASSERT_EQ(closed.wait_for(2s), std::future_status::ready);
}

TEST(Rfc6455_5_5_1_ClientCloses, CodeThatMayNotBeSentBecomes1000) {
  for (std::uint16_t code : {0, 1005, 1006, 1015, 2000, 5000}) {
    WSTEST_CLIENT(s);
    std::future<ws::Received> closed =
        std::async(std::launch::async, [&] { return s.client->close(code, ""); });
    ASSERT_TRUE(s.peer->expect_close(1000)) << "close(" << code << ")";
    s.peer->close();
    ASSERT_EQ(closed.wait_for(2s), std::future_status::ready);
  }
}

TEST(Rfc6455_5_5_1_ClientCloses, HandshakeCompletesWhenAMessageCrossesTheClose) {
  // A message the server sent before it saw our Close arrives after it
  // (7.1.2-7.1.3: the closing client keeps reading until the server's
  // Close). The RFC does not say it must reach the application, only that
  // the close handshake completes: one Close each way, then TCP ends.
  WSTEST_CLIENT(s);
  std::future<ws::Received> closed =
      std::async(std::launch::async, [&] { return s.client->close(1000, "done"); });
  ASSERT_TRUE(s.peer->expect_close(1000, "done"));
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "crossing") +
                               server_frame(kClose, close_payload(1000))));
  ASSERT_TRUE(s.peer->expect_tcp_end(2000ms)) << "after both closes the client ends TCP";
  ASSERT_EQ(closed.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(closed.get().code, 1000);
}

TEST(Rfc6455_5_5_1_ClientCloses, NoPongAfterItsClose) {
  // 5.5.1: after its Close an endpoint sends nothing more: a ping that
  // crosses the client's Close goes unanswered.
  WSTEST_CLIENT(s);
  std::future<ws::Received> closed =
      std::async(std::launch::async, [&] { return s.client->close(1000, "done"); });
  ASSERT_TRUE(s.peer->expect_close(1000, "done"));
  ASSERT_TRUE(
      s.peer->send_raw(server_frame(kPing, "late") + server_frame(kClose, close_payload(1000))));
  ASSERT_TRUE(s.peer->expect_tcp_end(2000ms)) << "nothing after the Close, then the end of TCP";
  ASSERT_EQ(closed.wait_for(2s), std::future_status::ready);
}

TEST(Rfc6455_5_5_1_Echo, NoSecondCloseAfterAFailure) {
  // A frame after the one that failed the connection is not read: one Close only.
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(3) + server_frame(kClose, close_payload(1000)) +
                               server_frame(kPing, "x")));
  ASSERT_TRUE(s.peer->expect_close(1002));
  s.peer->close();
  ASSERT_TRUE(expect_closed(*s.client, 1002));
}

TEST(Rfc6455_7_1_5_Abnormal, TcpEndWithoutCloseIs1006) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "last words")));
  s.peer->close();
  ASSERT_TRUE(expect_message(*s.client, ws::Opcode::text, "last words"));
  ASSERT_TRUE(expect_closed(*s.client, 1006));
}

TEST(Rfc6455_7_1_5_Abnormal, TcpEndInsideAFrameIs1006) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kText, "cut short").substr(0, 5)));
  s.peer->close();
  ASSERT_TRUE(expect_closed(*s.client, 1006));
}

TEST(Rfc6455_7_1_5_Abnormal, ServerNeverAnswersOurClose) {
  ws::ClientOptions options = test_options();
  options.close_timeout = 200ms;
  Session s;
  ASSERT_TRUE(open_session(s, options));
  const auto start = std::chrono::steady_clock::now();
  const ws::Received r = s.client->close(1000, "");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.kind, ws::Received::Kind::closed);
  EXPECT_LT(took, 1500ms) << "close_timeout bounds the wait";
  ASSERT_TRUE(s.peer->expect_close(1000));
  EXPECT_TRUE(s.peer->expect_tcp_end(1000ms)) << "the client drops the silent server";
}

// 7.1.1: after the close handshake "the server SHOULD close the
// underlying TCP connection first; the client SHOULD wait for the server to
// close", so the TIME_WAIT is the server's. Ours follows the server's FIN.
TEST(ClientCloseTcp, ServerClosesTcpFirst) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(1000))));
  ASSERT_TRUE(s.peer->expect_close(1000));
  EXPECT_TRUE(s.peer->expect_nothing(300ms)) << "the client closed TCP first";
  s.peer->shutdown_write();
  EXPECT_TRUE(s.peer->expect_tcp_end());
}

}  // namespace
}  // namespace wstest
