// Tests for ws/upgrade: the accept key, each rule of RFC 6455 4.2.1 and the
// order they apply in, token lists, keys, origins, subprotocols, and the
// exact bytes of the 101 and error responses.
#include "ws/upgrade.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Lines = std::vector<std::string>;

// A request head parsed in place; not copyable, as the request's views point
// into `text`.
struct Handshake {
  std::string text;
  ws::HttpRequest request;
  explicit Handshake(const Lines& lines) {
    for (const std::string& line : lines) text += line + "\r\n";
    text += "\r\n";
    std::size_t scanned = 0;
    parsed = ws::parse_http_request(text, request, scanned) > 0;
  }
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;
  bool parsed = false;
};

// RFC 6455 1.2's sample handshake, with a same-origin Origin.
Lines valid_lines() {
  return {
      "GET /chat HTTP/1.1",
      "Host: server.example.com",
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Origin: http://server.example.com",
      "Sec-WebSocket-Version: 13",
  };
}

bool has_name(const std::string& line, const std::string& name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         ws::ascii_iequals(std::string_view(line).substr(0, name.size()), name);
}

Lines without(Lines lines, const std::string& name) {
  std::erase_if(lines, [&](const std::string& line) { return has_name(line, name); });
  return lines;
}

// `lines` with header `name` replaced by `replacement` lines.
Lines replaced_in(Lines lines, const std::string& name, const Lines& replacement) {
  lines = without(std::move(lines), name);
  lines.insert(lines.end(), replacement.begin(), replacement.end());
  return lines;
}

// The valid request with header `name` replaced by `replacement` lines.
Lines replaced(const std::string& name, const Lines& replacement) {
  return replaced_in(valid_lines(), name, replacement);
}

Lines with_request_line(const std::string& request_line) {
  Lines lines = valid_lines();
  lines[0] = request_line;
  return lines;
}

ws::UpgradeRejection rejection_of(const Lines& lines, const ws::UpgradeOptions& options = {},
                                  const ws::HostPolicy& hosts = {}) {
  Handshake h(lines);
  EXPECT_TRUE(h.parsed) << h.text;
  ws::UpgradeRejection r = ws::check_upgrade_request(h.request, options, hosts);
  EXPECT_EQ(r.reason.empty(), r.status == 0);
  return r;
}

int status_of(const Lines& lines, const ws::UpgradeOptions& options = {},
              const ws::HostPolicy& hosts = {}) {
  return rejection_of(lines, options, hosts).status;
}

// What a server listening on 127.0.0.1 without --allowed-hosts accepts.
const ws::HostPolicy loopback_only = ws::HostPolicy::for_listener("127.0.0.1", {});

// ---- accept key ----

TEST(AcceptKey, Rfc6455Sample) {
  // RFC 6455 1.3 and 4.2.2.
  EXPECT_EQ(ws::compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(AcceptKey, SecondVector) {
  EXPECT_EQ(ws::compute_accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

// ---- the rules of RFC 6455 4.2.1 ----

TEST(CheckUpgrade, ValidRequestPasses) { EXPECT_EQ(status_of(valid_lines()), 0); }

TEST(CheckUpgrade, PathIsNotChecked) {
  EXPECT_EQ(status_of(with_request_line("GET /no/such/path?x=1 HTTP/1.1")), 0);
}

TEST(CheckUpgrade, MethodMustBeGet) {
  EXPECT_EQ(status_of(with_request_line("POST /chat HTTP/1.1")), 400);
  EXPECT_EQ(status_of(with_request_line("get /chat HTTP/1.1")), 400);  // methods are case-sensitive
}

TEST(CheckUpgrade, VersionMustBeAtLeast11) {
  EXPECT_EQ(status_of(with_request_line("GET /chat HTTP/1.0")), 400);
  EXPECT_EQ(status_of(with_request_line("GET /chat HTTP/1.2")), 0);
}

TEST(CheckUpgrade, HostMustBeOneNonEmptyHeader) {
  EXPECT_EQ(status_of(without(valid_lines(), "Host")), 400);
  EXPECT_EQ(status_of(replaced("Host", {"Host:"})), 400);
  EXPECT_EQ(status_of(replaced("Host", {"Host: server.example.com", "Host: server.example.com"})),
            400);
}

// RFC 9112 6.3 and RFC 6455 4.1: the upgrade GET has no body. Bytes after
// the head are frames; a body the client thinks it sent would be read as
// frames. Content-Length: 0 announces no body, so it is harmless and allowed.
TEST(CheckUpgrade, ContentLengthMustBeAbsentOrZero) {
  EXPECT_EQ(status_of(replaced("Content-Length", {"Content-Length: 0"})), 0);
  for (const char* value : {"Content-Length: 5", "Content-Length: 00x", "Content-Length:",
                            "Content-Length: 0, 0", "Content-Length: -0"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(status_of(replaced("Content-Length", {value})), 400);
  }
  // Two field lines, even of 0: a framing disagreement waiting to happen.
  EXPECT_EQ(status_of(replaced("Content-Length", {"Content-Length: 0", "content-length: 0"})),
            400);
  EXPECT_EQ(rejection_of(replaced("Content-Length", {"Content-Length: 1"})).reason,
            "a WebSocket upgrade request must not have a body");
}

TEST(CheckUpgrade, AnyTransferEncodingIsRefused) {
  for (const char* value : {"Transfer-Encoding: chunked", "Transfer-Encoding: identity",
                            "transfer-encoding: gzip, chunked", "Transfer-Encoding:"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(status_of(replaced("Transfer-Encoding", {value})), 400);
  }
  EXPECT_EQ(status_of(replaced("Transfer-Encoding",
                               {"Transfer-Encoding: chunked", "Content-Length: 0"})),
            400);
}

TEST(CheckUpgrade, AbsoluteFormTargetPasses) {
  // RFC 9112 3.2.2: a server must accept the absolute-form.
  EXPECT_EQ(status_of(with_request_line("GET http://server.example.com/chat HTTP/1.1")), 0);
}

TEST(CheckUpgrade, UpgradeMustListWebsocket) {
  EXPECT_EQ(status_of(without(valid_lines(), "Upgrade")), 400);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade: h2c"})), 400);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade: websockets"})), 400);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade: web socket"})), 400);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade: websocket/13"})), 400);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade:"})), 400);
}

TEST(CheckUpgrade, ConnectionMustListUpgrade) {
  EXPECT_EQ(status_of(without(valid_lines(), "Connection")), 400);
  EXPECT_EQ(status_of(replaced("Connection", {"Connection: keep-alive"})), 400);
  EXPECT_EQ(status_of(replaced("Connection", {"Connection: upgraded"})), 400);
  EXPECT_EQ(status_of(replaced("Connection", {"Connection: up grade"})), 400);
  EXPECT_EQ(status_of(replaced("Connection", {"Connection: keep-alive;upgrade"})), 400);
}

TEST(CheckUpgrade, TokenListsWithOddSpacingAndCase) {
  for (const char* value : {"Upgrade: WebSocket", "Upgrade: WEBSOCKET", "Upgrade: h2c, websocket",
                            "Upgrade:\t foo ,\tWebsocket\t", "Upgrade: ,,websocket,,"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(status_of(replaced("Upgrade", {value})), 0);
  }
  for (const char* value : {"Connection: upgrade", "Connection: UPGRADE",
                            "Connection: keep-alive, Upgrade", "Connection: keep-alive,Upgrade",
                            "Connection:Upgrade,keep-alive", "Connection:  , \t uPgRaDe \t, ,"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(status_of(replaced("Connection", {value})), 0);
  }
}

TEST(CheckUpgrade, TokenListsSplitOverHeaderLines) {
  EXPECT_EQ(status_of(replaced("Connection", {"Connection: keep-alive", "connection: Upgrade"})),
            0);
  EXPECT_EQ(status_of(replaced("Upgrade", {"Upgrade: h2c", "UPGRADE: websocket"})), 0);
}

TEST(CheckUpgrade, VersionMustBe13Else426) {
  EXPECT_EQ(status_of(without(valid_lines(), "Sec-WebSocket-Version")), 426);
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version: 8"})), 426);
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version: 13, 8"})), 426);
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version: 013"})), 426);
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version:"})), 426);
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version", {"sec-websocket-version:  13 "})), 0);
}

TEST(CheckUpgrade, VersionSentTwiceIs400) {
  // RFC 6455 11.3.5: at most once in a request.
  EXPECT_EQ(status_of(replaced("Sec-WebSocket-Version",
                               {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 13"})),
            400);
}

TEST(CheckUpgrade, KeyMustBePresentOnce) {
  EXPECT_EQ(status_of(without(valid_lines(), "Sec-WebSocket-Key")), 400);
  EXPECT_EQ(
      status_of(replaced("Sec-WebSocket-Key", {"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                               "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw=="})),
      400);
}

TEST(CheckUpgrade, KeyMustBeBase64Of16Bytes) {
  const std::vector<std::string> bad_keys = {
      "",
      "AAAAAAAAAAAAAAAAAAAA",       // 15 bytes
      "AAAAAAAAAAAAAAAAAAAAAAA=",   // 17 bytes
      "AAAAAAAAAAAAAAAAAAAAAAAA",   // 18 bytes
      "AAAAAAAAAAAAAAAAAAAAAA",     // 16 bytes, padding missing
      "AAAAAAAAAAAAAAAAAAAAAA=",    // half the padding
      "AAAAAAAAAAAAAAAAAAAAAA===",  // too much padding
      "AAAAAAAAAAAAAAAAAAAAA===",   // padding too early
      "AAAAAAAAAA=AAAAAAAAAAA==",   // padding in the middle
      "AAAAAAAAAAAAAAAAAAAAA-==",   // base64url alphabet
      "AAAAAAAAAAAAAAAAAAAAA_==",
      "AAAAAAAAAA AAAAAAAAAAA==",  // inner space
      "AAAAAAAAAAAAAAAAAAAAA.==",
      "dGhlIHNhbXBsZSBub25jZQ==AA",  // trailing bytes
  };
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(status_of(replaced("Sec-WebSocket-Key", {"Sec-WebSocket-Key: " + key})), 400);
  }
  for (const char* key : {"AAAAAAAAAAAAAAAAAAAAAA==", "+/+/+/+/+/+/+/+/+/+/+w==",
                          "zzzzzzzzzzzzzzzzzzzzzz==",         // non-zero spare bits: accepted
                          "  dGhlIHNhbXBsZSBub25jZQ==\t"}) {  // OWS is not part of the value
    SCOPED_TRACE(key);
    EXPECT_EQ(status_of(replaced("Sec-WebSocket-Key", {std::string("Sec-WebSocket-Key:") + key})),
              0);
  }
}

TEST(CheckUpgrade, FirstFailingRuleWins) {
  Lines lines = replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version: 8"});
  lines[0] = "POST /chat HTTP/1.1";
  EXPECT_EQ(status_of(lines), 400);  // method before version

  lines = replaced("Sec-WebSocket-Version", {"Sec-WebSocket-Version: 8"});
  lines = without(lines, "Sec-WebSocket-Key");
  EXPECT_EQ(status_of(lines), 426);  // version before key

  lines = replaced("Origin", {"Origin: http://evil.example"});
  lines = without(lines, "Sec-WebSocket-Key");
  EXPECT_EQ(status_of(lines), 400);  // key before origin

  lines = replaced("Origin", {"Origin: http://evil.example"});
  lines = without(lines, "Sec-WebSocket-Version");
  EXPECT_EQ(status_of(lines), 426);  // version before origin

  lines = replaced("Content-Length", {"Content-Length: 3"});
  lines = without(lines, "Upgrade");
  EXPECT_EQ(rejection_of(lines).reason, "a WebSocket upgrade request must not have a body");

  lines = replaced("Host", {"Host: evil.example"});
  lines = without(lines, "Sec-WebSocket-Version");
  EXPECT_EQ(status_of(lines, {}, loopback_only), 426);  // version before host

  lines = replaced("Host", {"Host: evil.example"});
  EXPECT_EQ(rejection_of(lines, {}, loopback_only).reason, "Host not allowed");  // before origin
}

// ---- host (DNS rebinding) ----

TEST(CheckUpgradeHost, LoopbackListenerRefusesOtherNamesWith403) {
  // A page on evil.example whose name was rebound to 127.0.0.1: same-origin
  // by the Origin rule, so only the Host check stops it.
  const Lines lines = replaced_in(replaced("Host", {"Host: evil.example"}), "Origin",
                                  {"Origin: http://evil.example"});
  EXPECT_EQ(status_of(lines), 0);  // no policy: any host
  const ws::UpgradeRejection r = rejection_of(lines, {}, loopback_only);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.reason, "Host not allowed");
}

TEST(CheckUpgradeHost, LoopbackListenerAcceptsLoopbackNames) {
  for (const char* host : {"localhost", "LocalHost:9001", "127.0.0.1", "127.0.0.1:9001",
                           "127.1.2.3:80", "[::1]", "[::1]:9001"}) {
    SCOPED_TRACE(host);
    Lines lines = without(replaced("Host", {std::string("Host: ") + host}), "Origin");
    EXPECT_EQ(status_of(lines, {}, loopback_only), 0);
  }
}

TEST(CheckUpgradeHost, AbsoluteFormAuthorityIsWhatIsChecked) {
  // RFC 9112 3.2.2: the target's authority replaces Host.
  Lines lines = without(replaced("Host", {"Host: 127.0.0.1"}), "Origin");
  lines[0] = "GET http://evil.example/chat HTTP/1.1";
  EXPECT_EQ(status_of(lines, {}, loopback_only), 403);

  lines = without(replaced("Host", {"Host: evil.example"}), "Origin");
  lines[0] = "GET http://127.0.0.1:9001/chat HTTP/1.1";
  EXPECT_EQ(status_of(lines, {}, loopback_only), 0);
}

// ---- origin ----

TEST(CheckUpgradeOrigin, DefaultAllowsAbsentOrigin) {
  EXPECT_EQ(status_of(without(valid_lines(), "Origin")), 0);
}

TEST(CheckUpgradeOrigin, DefaultAllowsSameHostIgnoringCase) {
  EXPECT_EQ(status_of(replaced("Origin", {"Origin: https://server.example.com"})), 0);
  EXPECT_EQ(status_of(replaced("Origin", {"Origin: http://SERVER.Example.COM"})), 0);
}

TEST(CheckUpgradeOrigin, DefaultComparesPorts) {
  Lines lines = replaced("Host", {"Host: localhost:8080"});
  lines = without(lines, "Origin");
  lines.push_back("Origin: http://localhost:8080");
  EXPECT_EQ(status_of(lines), 0);
  lines.back() = "Origin: http://localhost:9090";
  EXPECT_EQ(status_of(lines), 403);
  lines.back() = "Origin: http://localhost";
  EXPECT_EQ(status_of(lines), 403);
}

TEST(CheckUpgradeOrigin, DefaultRejectsOtherOrigins) {
  for (const char* origin :
       {"Origin: http://evil.example", "Origin: null", "Origin: server.example.com",
        "Origin: http://", "Origin: http://server.example.com.evil.example",
        "Origin: http://evil.example/server.example.com"}) {
    SCOPED_TRACE(origin);
    EXPECT_EQ(status_of(replaced("Origin", {origin})), 403);
  }
}

TEST(CheckUpgradeOrigin, AbsoluteFormComparesWithTheTargetsAuthority) {
  // RFC 9112 3.2.2: the target's authority replaces Host.
  Lines lines = replaced("Host", {"Host: evil.example"});
  lines[0] = "GET http://server.example.com/chat HTTP/1.1";
  EXPECT_EQ(status_of(lines), 0);  // Origin: http://server.example.com
  lines = replaced("Origin", {"Origin: http://evil.example"});
  lines[0] = "GET http://server.example.com/chat HTTP/1.1";
  EXPECT_EQ(status_of(lines), 403);  // same as Host, not as the target
}

TEST(CheckUpgradeOrigin, CustomHookDecides) {
  std::vector<std::string> seen;
  ws::UpgradeOptions options;
  options.check_origin = [&seen](std::string_view origin, const ws::HttpRequest& request) {
    seen.emplace_back(origin);
    EXPECT_EQ(request.path(), "/chat");
    return origin == "https://app.example";
  };
  EXPECT_EQ(status_of(replaced("Origin", {"Origin: https://app.example"}), options), 0);
  EXPECT_EQ(status_of(valid_lines(), options), 403);  // same-origin, but the hook says no
  EXPECT_EQ(status_of(without(valid_lines(), "Origin"), options), 403);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"https://app.example", "http://server.example.com", ""}));
}

TEST(CheckUpgradeOrigin, HookNotCalledForInvalidHandshake) {
  bool called = false;
  ws::UpgradeOptions options;
  options.check_origin = [&called](std::string_view, const ws::HttpRequest&) {
    called = true;
    return true;
  };
  EXPECT_EQ(status_of(without(valid_lines(), "Sec-WebSocket-Key"), options), 400);
  EXPECT_FALSE(called);
}

// ---- subprotocols ----

std::string pick(const Lines& protocol_lines, std::vector<std::string> server) {
  Lines lines = valid_lines();
  lines.insert(lines.end(), protocol_lines.begin(), protocol_lines.end());
  Handshake h(lines);
  EXPECT_TRUE(h.parsed);
  ws::UpgradeOptions options;
  options.subprotocols = std::move(server);
  return std::string(ws::select_subprotocol(h.request, options));
}

TEST(Subprotocol, ServerPreferenceWins) {
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: chat, superchat"}, {"superchat", "chat"}), "superchat");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: chat, superchat"}, {"chat", "superchat"}), "chat");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: a, b, c"}, {"x", "c", "b"}), "c");
}

TEST(Subprotocol, NoneInCommon) {
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: chat"}, {"mqtt"}), "");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: chat"}, {}), "");
  EXPECT_EQ(pick({}, {"chat"}), "");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol:"}, {"chat"}), "");
}

TEST(Subprotocol, ExactMatchOnly) {
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: Chat"}, {"chat"}), "");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: chatty, superchat"}, {"chat"}), "");
}

TEST(Subprotocol, AllOccurrencesAndOddSpacing) {
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: a", "sec-websocket-protocol:\tb ,  c\t"}, {"c"}), "c");
  EXPECT_EQ(pick({"Sec-WebSocket-Protocol: ,a,,", "Sec-WebSocket-Protocol: b"}, {"b", "a"}), "b");
}

TEST(Subprotocol, ViewPointsIntoOptions) {
  Lines lines = valid_lines();
  lines.push_back("Sec-WebSocket-Protocol: chat");
  Handshake h(lines);
  ws::UpgradeOptions options;
  options.subprotocols = {"chat"};
  EXPECT_EQ(ws::select_subprotocol(h.request, options).data(), options.subprotocols[0].data());
}

// ---- response bytes ----

TEST(UpgradeResponse, ExactBytes) {
  Handshake h(valid_lines());
  std::string out = "prefix|";
  ws::append_upgrade_response(out, h.request, {});
  EXPECT_EQ(out,
            "prefix|"
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "\r\n");
}

TEST(UpgradeResponse, ExactBytesWithSubprotocolAndExtraHeaders) {
  Lines lines = valid_lines();
  lines.push_back("Sec-WebSocket-Protocol: chat, superchat");
  Handshake h(lines);
  ws::UpgradeOptions options;
  options.subprotocols = {"superchat"};
  options.response_headers = {{"Server", "wsserver"}, {"X-Trace", "42"}};
  std::string out;
  ws::append_upgrade_response(out, h.request, options);
  EXPECT_EQ(out,
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: superchat\r\n"
            "Server: wsserver\r\n"
            "X-Trace: 42\r\n"
            "\r\n");
}

TEST(ErrorResponse, ExactBytes) {
  std::string out;
  ws::append_error_response(out, 400, "method must be GET");
  EXPECT_EQ(out,
            "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 19\r\n"
            "Connection: close\r\n"
            "\r\n"
            "method must be GET\n");
}

TEST(ErrorResponse, UpgradeRequiredNamesTheVersion) {
  std::string out = "x";
  ws::append_error_response(out, 426, "");
  EXPECT_EQ(out,
            "x"
            "HTTP/1.1 426 Upgrade Required\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 1\r\n"
            "Connection: Upgrade, close\r\n"
            "Upgrade: websocket\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n"
            "\n");
}

TEST(ErrorResponse, ReasonPhrases) {
  const std::vector<std::pair<int, std::string>> expected = {
      {400, "400 Bad Request\r\n"},
      {403, "403 Forbidden\r\n"},
      {404, "404 Not Found\r\n"},
      {426, "426 Upgrade Required\r\n"},
      {431, "431 Request Header Fields Too Large\r\n"},
      {503, "503 Service Unavailable\r\n"},
  };
  for (const auto& [status, line] : expected) {
    std::string out;
    ws::append_error_response(out, status, "body");
    EXPECT_EQ(out.rfind("HTTP/1.1 " + line, 0), 0u) << out;
    EXPECT_TRUE(out.ends_with("\r\n\r\nbody\n")) << out;
    EXPECT_EQ(out.find("Sec-WebSocket-Version") != std::string::npos, status == 426);
  }
}

}  // namespace
