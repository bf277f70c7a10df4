// tests/ws/client_handshake_test.cpp: the client side of the opening
// handshake (RFC 6455 4.1): the request it sends, and which 101 answers it
// accepts. The server's own request checker judges our request, so the two
// sides are tested against each other, not against a copy of themselves.
#include "ws/client_handshake.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ws/http_request.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

std::string response_for(const std::string& key, const std::string& extra = "") {
  return "HTTP/1.1 101 Switching Protocols\r\n"
         "Upgrade: websocket\r\n"
         "Connection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         compute_accept_key(key) + "\r\n" + extra + "\r\n";
}

TEST(ClientHandshake, KeysAreFreshBase64Of16Bytes) {
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    const std::string key = make_client_key();
    ASSERT_EQ(key.size(), 24u);
    ASSERT_EQ(key.substr(22), "==");
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 100u);
}

TEST(ClientHandshake, RequestPassesTheServersChecks) {
  const std::string key = make_client_key();
  std::string request;
  append_client_request(request, "127.0.0.1:9001", "/echo", key);
  HttpRequest parsed;
  std::size_t scanned = 0;
  ASSERT_EQ(parse_http_request(request, parsed, scanned), static_cast<int>(request.size()));
  EXPECT_EQ(parsed.method, "GET");
  EXPECT_EQ(parsed.path(), "/echo");
  EXPECT_EQ(parsed.header("Host"), "127.0.0.1:9001");
  EXPECT_EQ(parsed.header("Sec-WebSocket-Key"), key);
  EXPECT_EQ(check_upgrade_request(parsed, UpgradeOptions{}).status, 0);
}

TEST(ClientHandshake, RightAcceptIsAccepted) {
  const std::string key = make_client_key();
  const std::string head = response_for(key);
  const auto check = check_upgrade_response(head + "\x81\x02hi", key);
  EXPECT_EQ(check.result, static_cast<int>(head.size())) << check.reason;
  EXPECT_EQ(check.status, 101);
}

TEST(ClientHandshake, TokensAreCaseInsensitiveAndListsAreSplit) {
  const std::string key = make_client_key();
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "upgrade: WebSocket\r\n"
      "connection: keep-alive, UPGRADE\r\n"
      "sec-websocket-accept:  " +
      compute_accept_key(key) + " \r\n\r\n";
  EXPECT_GT(check_upgrade_response(head, key).result, 0);
}

TEST(ClientHandshake, WrongAcceptIsRejected) {
  const std::string key = make_client_key();
  const std::string other = make_client_key();
  const auto check = check_upgrade_response(response_for(other), key);
  EXPECT_EQ(check.result, -1);
  EXPECT_EQ(check.reason, "Sec-WebSocket-Accept does not match the key");
}

TEST(ClientHandshake, MissingAcceptIsRejected) {
  const std::string key = make_client_key();
  const auto check = check_upgrade_response(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", key);
  EXPECT_EQ(check.result, -1);
  EXPECT_EQ(check.reason, "Sec-WebSocket-Accept missing");
}

TEST(ClientHandshake, MissingUpgradeIsRejected) {
  const std::string key = make_client_key();
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      compute_accept_key(key) + "\r\n\r\n";
  const auto check = check_upgrade_response(head, key);
  EXPECT_EQ(check.result, -1);
  EXPECT_EQ(check.reason, "Upgrade header missing");
}

TEST(ClientHandshake, WrongUpgradeOrConnectionIsRejected) {
  const std::string key = make_client_key();
  const std::string accept = "Sec-WebSocket-Accept: " + compute_accept_key(key) + "\r\n";
  EXPECT_EQ(check_upgrade_response(
                "HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + accept + "\r\n", key)
                .result,
            -1);
  EXPECT_EQ(
      check_upgrade_response(
          "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\n" + accept + "\r\n", key)
          .result,
      -1);
}

TEST(ClientHandshake, StatusOtherThan101IsRejectedWithItsCode) {
  const std::string key = make_client_key();
  const auto check =
      check_upgrade_response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", key);
  EXPECT_EQ(check.result, -1);
  EXPECT_EQ(check.status, 404);
}

TEST(ClientHandshake, UnofferedExtensionOrSubprotocolIsRejected) {
  const std::string key = make_client_key();
  EXPECT_EQ(check_upgrade_response(
                response_for(key, "Sec-WebSocket-Extensions: permessage-deflate\r\n"), key)
                .result,
            -1);
  EXPECT_EQ(
      check_upgrade_response(response_for(key, "Sec-WebSocket-Protocol: chat\r\n"), key).result,
      -1);
}

TEST(ClientHandshake, MalformedHeadsAreRejected) {
  const std::string key = make_client_key();
  EXPECT_EQ(check_upgrade_response("HTTP/1.0 101 x\r\n\r\n", key).result, -1);
  EXPECT_EQ(check_upgrade_response("HTTP/1.1 1x1 x\r\n\r\n", key).result, -1);
  EXPECT_EQ(check_upgrade_response("HTTP/1.1 101 x\r\nno colon here\r\n\r\n", key).result, -1);
  EXPECT_EQ(check_upgrade_response(std::string(max_response_head + 1, 'a'), key).result, -1);
}

TEST(ClientHandshake, EverySplitNeedsMoreUntilTheHeadIsComplete) {
  const std::string key = make_client_key();
  const std::string head = response_for(key);
  for (std::size_t cut = 0; cut < head.size(); ++cut)
    ASSERT_EQ(check_upgrade_response(head.substr(0, cut), key).result, 0) << cut;
  EXPECT_EQ(check_upgrade_response(head, key).result, static_cast<int>(head.size()));
}

// 4.1 item 10 and the last response check: the server picks one of ours.
TEST(ClientHandshake, OfferedSubprotocolIsAcceptedAndReported) {
  const std::string key = make_client_key();
  const std::vector<std::string> offered{"chat", "superchat"};
  const std::string head = response_for(key, "Sec-WebSocket-Protocol: superchat\r\n");
  const HandshakeCheck check = check_upgrade_response(head, key, offered);
  EXPECT_GT(check.result, 0) << check.reason;
  EXPECT_EQ(check.subprotocol, "superchat");
  EXPECT_EQ(check_upgrade_response(response_for(key), key, offered).subprotocol, "");
}

TEST(ClientHandshake, SubprotocolNotOfferedOrRepeatedIsRejected) {
  const std::string key = make_client_key();
  const std::vector<std::string> offered{"chat"};
  EXPECT_EQ(
      check_upgrade_response(response_for(key, "Sec-WebSocket-Protocol: other\r\n"), key, offered)
          .result,
      -1);
  EXPECT_EQ(check_upgrade_response(response_for(key,
                                                "Sec-WebSocket-Protocol: chat\r\n"
                                                "Sec-WebSocket-Protocol: chat\r\n"),
                                   key, offered)
                .result,
            -1);
}

TEST(ClientHandshake, RedirectReportsItsLocationAndStatusLine) {
  const std::string key = make_client_key();
  const HandshakeCheck check = check_upgrade_response(
      "HTTP/1.1 307 Temporary Redirect\r\nLocation: ws://other:81/x\r\n\r\n", key);
  EXPECT_EQ(check.result, -1);
  EXPECT_EQ(check.status, 307);
  EXPECT_EQ(check.status_line, "HTTP/1.1 307 Temporary Redirect");
  EXPECT_EQ(check.location, "ws://other:81/x");
  EXPECT_EQ(check_upgrade_response("HTTP/1.1 403 Forbidden\r\nLocation: /y\r\n\r\n", key).location,
            "");
}

TEST(ClientHandshake, RequestCarriesSubprotocolsAndExtraHeaders) {
  const std::vector<std::string> protocols{"chat", "v2.chat"};
  const std::vector<std::pair<std::string, std::string>> headers{
      {"Origin", "http://example.test"}, {"Host", "front.test"}, {"Cookie", "a=b"}};
  std::string request;
  append_client_request(
      request, ClientRequest{"127.0.0.1:9001", "/echo?x=1", make_client_key(), protocols, headers});
  HttpRequest parsed;
  std::size_t scanned = 0;
  ASSERT_EQ(parse_http_request(request, parsed, scanned), static_cast<int>(request.size()));
  EXPECT_EQ(parsed.target, "/echo?x=1");
  EXPECT_EQ(parsed.header("Host"), "front.test");
  EXPECT_EQ(parsed.header("Origin"), "http://example.test");
  EXPECT_EQ(parsed.header("Cookie"), "a=b");
  EXPECT_EQ(parsed.header("Sec-WebSocket-Protocol"), "chat, v2.chat");
}

TEST(ClientHandshake, ExtraHeadersThatWouldBreakTheRequestAreRefused) {
  EXPECT_EQ(check_extra_header("Origin", "http://a"), "");
  EXPECT_NE(check_extra_header("Bad Name", "x"), "");
  EXPECT_NE(check_extra_header("X-Split", "a\r\nInjected: yes"), "");
  EXPECT_NE(check_extra_header("sec-websocket-key", "x"), "");
  EXPECT_NE(check_extra_header("Upgrade", "h2c"), "");
  EXPECT_TRUE(is_valid_subprotocol("v2.chat"));
  EXPECT_FALSE(is_valid_subprotocol("two words"));
  EXPECT_FALSE(is_valid_subprotocol(""));
}

}  // namespace
}  // namespace ws
