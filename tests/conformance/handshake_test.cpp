// tests/conformance/handshake_test.cpp: RFC 6455 4.2.1 (reading the client's
// opening handshake) and 4.2.2 (the server's answer). A bad request gets an
// HTTP error status and the TCP connection closed: 400 for a malformed request,
// 426 with "Sec-WebSocket-Version: 13" for a version other than 13, 404 for a
// path other than /echo, 403 for an Origin other than the Host or a Host that
// does not name loopback (DNS rebinding; the server listens on 127.0.0.1),
// 431 for a head over 8 KiB. A good one gets 101 with the right
// Sec-WebSocket-Accept. RFC 9112 parts: no body (6.3), the absolute-form
// target (3.2.2), empty lines before the request line (2.2). What
// --allowed-hosts changes is in allowed_hosts_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/http_handshake.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

std::string host_for(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// ---------------------------------------------------------------------------
// Requests that must be accepted.

struct AcceptCase {
  const char* name;
  std::function<void(UpgradeRequest&, std::uint16_t port)> mutate;
};

void PrintTo(const AcceptCase& c, std::ostream* os) { *os << c.name; }

std::vector<AcceptCase> accept_cases() {
  return {
      {"standard", [](UpgradeRequest&, std::uint16_t) {}},
      {"lowercase_header_names",
       [](UpgradeRequest& r, std::uint16_t) {
         for (auto& [name, value] : r.headers) {
           for (auto& ch : name)
             ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
         }
       }},
      {"uppercase_header_names",
       [](UpgradeRequest& r, std::uint16_t) {
         for (auto& [name, value] : r.headers) {
           for (auto& ch : name)
             ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
         }
       }},
      {"upgrade_WebSocket",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Upgrade", "WebSocket"); }},
      {"upgrade_WEBSOCKET",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Upgrade", "WEBSOCKET"); }},
      {"connection_lowercase",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "upgrade"); }},
      {"connection_keep_alive_upgrade",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "keep-alive, Upgrade"); }},
      {"connection_upgrade_keep_alive",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "Upgrade, keep-alive"); }},
      {"connection_no_space",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "keep-alive,Upgrade"); }},
      {"connection_extra_spaces",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "Keep-Alive ,  upgrade "); }},
      {"values_with_surrounding_whitespace",
       [](UpgradeRequest& r, std::uint16_t) {
         r.set("Upgrade", "  websocket  ");
         r.set("Sec-WebSocket-Version", " 13 ");
         r.set("Sec-WebSocket-Key", "  " + r.get("Sec-WebSocket-Key") + "\t");
       }},
      {"key_first",
       [](UpgradeRequest& r, std::uint16_t) {
         std::rotate(r.headers.begin(), r.headers.begin() + 3, r.headers.end());
       }},
      {"browser_like_headers",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("User-Agent", "Mozilla/5.0 (conformance test)");
         r.set("Accept", "*/*");
         r.set("Accept-Language", "en-US,en;q=0.5");
         r.set("Accept-Encoding", "gzip, deflate, br");
         r.set("Pragma", "no-cache");
         r.set("Cache-Control", "no-cache");
         r.set("Cookie", "a=b; c=d");
         r.set("Origin", "http://" + host_for(port));
       }},
      {"origin_equal_to_host",
       [](UpgradeRequest& r, std::uint16_t port) { r.set("Origin", "http://" + host_for(port)); }},
      {"subprotocol_offered",
       [](UpgradeRequest& r, std::uint16_t) {
         r.set("Sec-WebSocket-Protocol", "chat, superchat");
       }},
      {"host_without_port", [](UpgradeRequest& r, std::uint16_t) { r.set("Host", "127.0.0.1"); }},
      {"large_head_under_8k",
       [](UpgradeRequest& r, std::uint16_t) { r.set("X-Padding", std::string(7000, 'p')); }},
      {"many_headers",
       [](UpgradeRequest& r, std::uint16_t) {
         for (int i = 0; i < 50; ++i)
           r.set("X-Header-" + std::to_string(i), "value " + std::to_string(i));
       }},
      // RFC 9112 6.3: Content-Length: 0 announces no body, so nothing is
      // mistaken for frames.
      {"content_length_zero",
       [](UpgradeRequest& r, std::uint16_t) { r.set("Content-Length", "0"); }},
      // RFC 9112 3.2.2: the absolute-form is routed on its path; its
      // authority replaces Host (for the host and origin checks).
      {"absolute_form_target",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.target = "http://" + host_for(port) + "/echo";
       }},
      {"absolute_form_with_query",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.target = "ws://" + host_for(port) + "/echo?room=1";
       }},
      {"absolute_form_authority_is_the_origins_host",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.target = "http://localhost:" + std::to_string(port) + "/echo";
         r.set("Origin", "http://localhost:" + std::to_string(port));
       }},
      // DNS rebinding: a loopback listener accepts every name of loopback.
      {"host_localhost",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("Host", "localhost:" + std::to_string(port));
       }},
      {"host_other_loopback_address",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("Host", "127.9.8.7:" + std::to_string(port));
       }},
      {"host_ipv6_loopback",
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("Host", "[::1]:" + std::to_string(port));
       }},
  };
}

using Rfc6455_4_2_1_ValidRequest = ServerSuiteWithParam<AcceptCase>;

TEST_P(Rfc6455_4_2_1_ValidRequest, Gets101AndEchoes) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
  const std::string key = request.get("Sec-WebSocket-Key");
  GetParam().mutate(request, port());
  // The accept is computed from the bare key, whatever whitespace the case
  // put around it (header values are trimmed, RFC 7230 3.2.4).
  ASSERT_TRUE(client.send_raw(request.render()));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101) << response.reason;
  EXPECT_EQ(response.version, "HTTP/1.1");
  EXPECT_TRUE(header_has_token(response.get("Upgrade"), "websocket")) << response.get("Upgrade");
  EXPECT_TRUE(header_has_token(response.get("Connection"), "upgrade"))
      << response.get("Connection");
  EXPECT_EQ(response.get("Sec-WebSocket-Accept"), websocket_accept(key));
  EXPECT_FALSE(response.has("Sec-WebSocket-Extensions"));
  EXPECT_FALSE(response.has("Sec-WebSocket-Protocol")) << "no subprotocol is supported";
  ASSERT_TRUE(client.echo(kText, "after handshake"));
}

INSTANTIATE_TEST_SUITE_P(Requests, Rfc6455_4_2_1_ValidRequest, ::testing::ValuesIn(accept_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// Requests that must be refused.

struct RejectCase {
  const char* name;
  int status;
  std::function<void(UpgradeRequest&, std::uint16_t port)> mutate;
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name << " -> " << c.status; }

std::vector<RejectCase> reject_cases() {
  auto base64_of = [](std::size_t n) { return base64_encode(std::string(n, '\x5a')); };
  return {
      {"method_post", 400, [](UpgradeRequest& r, std::uint16_t) { r.method = "POST"; }},
      {"method_put", 400, [](UpgradeRequest& r, std::uint16_t) { r.method = "PUT"; }},
      {"method_head", 400, [](UpgradeRequest& r, std::uint16_t) { r.method = "HEAD"; }},
      {"method_lowercase_get", 400, [](UpgradeRequest& r, std::uint16_t) { r.method = "get"; }},
      {"http_1_0", 400, [](UpgradeRequest& r, std::uint16_t) { r.version = "HTTP/1.0"; }},
      {"http_0_9_style_version", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.version = "HTTP/0.9"; }},
      {"missing_host", 400, [](UpgradeRequest& r, std::uint16_t) { r.remove("Host"); }},
      // RFC 7230 5.4: "A server MUST respond with a 400 (Bad Request) ... to
      // any [request] that contains more than one Host header field".
      {"duplicate_host", 400,
       [](UpgradeRequest& r, std::uint16_t port) {
         r.headers.emplace_back("Host", host_for(port));
       }},
      {"missing_upgrade", 400, [](UpgradeRequest& r, std::uint16_t) { r.remove("Upgrade"); }},
      {"upgrade_h2c", 400, [](UpgradeRequest& r, std::uint16_t) { r.set("Upgrade", "h2c"); }},
      {"upgrade_empty", 400, [](UpgradeRequest& r, std::uint16_t) { r.set("Upgrade", ""); }},
      {"upgrade_websocket2", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Upgrade", "websocket2"); }},
      {"missing_connection", 400, [](UpgradeRequest& r, std::uint16_t) { r.remove("Connection"); }},
      {"connection_keep_alive", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "keep-alive"); }},
      {"connection_close", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "close"); }},
      {"connection_upgrader", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Connection", "Upgrader"); }},
      {"missing_key", 400, [](UpgradeRequest& r, std::uint16_t) { r.remove("Sec-WebSocket-Key"); }},
      {"key_empty", 400, [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Key", ""); }},
      {"key_not_base64", 400,
       [](UpgradeRequest& r, std::uint16_t) {
         r.set("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==");
       }},
      {"key_15_bytes", 400,
       [=](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Key", base64_of(15)); }},
      {"key_17_bytes", 400,
       [=](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Key", base64_of(17)); }},
      {"key_32_bytes", 400,
       [=](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Key", base64_of(32)); }},
      {"key_16_raw_chars", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Key", "0123456789abcdef"); }},
      {"version_missing", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.remove("Sec-WebSocket-Version"); }},
      {"version_8", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", "8"); }},
      {"version_12", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", "12"); }},
      {"version_14", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", "14"); }},
      {"version_130", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", "130"); }},
      {"version_not_a_number", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", "abc"); }},
      {"version_empty", 426,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Sec-WebSocket-Version", ""); }},
      {"path_root", 404, [](UpgradeRequest& r, std::uint16_t) { r.target = "/"; }},
      {"path_other", 404, [](UpgradeRequest& r, std::uint16_t) { r.target = "/nope"; }},
      {"path_echo_prefix", 404, [](UpgradeRequest& r, std::uint16_t) { r.target = "/echoes"; }},
      {"path_echo_child", 404, [](UpgradeRequest& r, std::uint16_t) { r.target = "/echo/more"; }},
      {"path_case", 404, [](UpgradeRequest& r, std::uint16_t) { r.target = "/ECHO"; }},
      {"origin_other_host", 403,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Origin", "http://evil.example"); }},
      {"origin_other_port", 403,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Origin", "http://127.0.0.1:1"); }},
      {"origin_null", 403, [](UpgradeRequest& r, std::uint16_t) { r.set("Origin", "null"); }},
      {"origin_localhost_for_ip", 403,
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("Origin", "http://localhost:" + std::to_string(port));
       }},
      // RFC 9112 6.3, RFC 6455 4.1: the upgrade GET has no body; what follows
      // the head is read as frames, so a body is refused, not misread.
      {"content_length_nonzero", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Content-Length", "5"); }},
      {"transfer_encoding_chunked", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.set("Transfer-Encoding", "chunked"); }},
      // RFC 9112 3.2.2 (absolute-form), RFC 9110 4.2.1: an empty host is invalid.
      {"absolute_form_other_path", 404,
       [](UpgradeRequest& r, std::uint16_t port) {
         r.target = "http://" + host_for(port) + "/nope";
       }},
      {"absolute_form_empty_host", 400,
       [](UpgradeRequest& r, std::uint16_t) { r.target = "http:///echo"; }},
      // DNS rebinding: the server listens on 127.0.0.1, so a Host naming
      // anything else is refused, even with the matching Origin a rebound
      // page sends; and the target's authority counts, not Host.
      {"host_not_loopback", 403,
       [](UpgradeRequest& r, std::uint16_t) {
         r.set("Host", "evil.example");
         r.set("Origin", "http://evil.example");
       }},
      {"host_not_loopback_without_origin", 403,
       [](UpgradeRequest& r, std::uint16_t port) {
         r.set("Host", "evil.example:" + std::to_string(port));
       }},
      {"absolute_form_authority_not_loopback", 403,
       [](UpgradeRequest& r, std::uint16_t) { r.target = "http://evil.example/echo"; }},
      {"head_over_8k", 431,
       [](UpgradeRequest& r, std::uint16_t) { r.set("X-Padding", std::string(8300, 'p')); }},
      {"head_64k", 431,
       [](UpgradeRequest& r, std::uint16_t) { r.set("X-Padding", std::string(64 * 1024, 'p')); }},
      {"many_headers_over_8k", 431,
       [](UpgradeRequest& r, std::uint16_t) {
         for (int i = 0; i < 400; ++i) r.set("X-Header-" + std::to_string(i), "value value value");
       }},
  };
}

using Rfc6455_4_2_1_InvalidRequest = ServerSuiteWithParam<RejectCase>;

TEST_P(Rfc6455_4_2_1_InvalidRequest, RefusedAndClosed) {
  const RejectCase& c = GetParam();
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
  c.mutate(request, port());
  (void)client.send_raw(request.render());
  HttpResponse response;
  ASSERT_TRUE(client.expect_http_rejection(c.status, &response));
  EXPECT_FALSE(response.has("Sec-WebSocket-Accept"));
  if (c.status == 426) {
    EXPECT_TRUE(header_has_token(response.get("Sec-WebSocket-Version"), "13"))
        << "426 must carry Sec-WebSocket-Version: 13 (4.4), got \""
        << response.get("Sec-WebSocket-Version") << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Requests, Rfc6455_4_2_1_InvalidRequest,
                         ::testing::ValuesIn(reject_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// A valid request cut into two TCP writes at every byte.

const UpgradeRequest& split_request() {
  // Fixed Host so the length is known when the cases are generated.
  static const UpgradeRequest request = UpgradeRequest::standard("localhost");
  return request;
}

std::vector<int> split_points() {
  std::vector<int> out;
  const int length = static_cast<int>(split_request().render().size());
  for (int cut = 1; cut < length; ++cut) out.push_back(cut);
  return out;
}

using Rfc6455_4_2_1_SplitRequest = ServerSuiteWithParam<int>;

TEST_P(Rfc6455_4_2_1_SplitRequest, ReassembledAcrossTwoWrites) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  const std::string bytes = split_request().render();
  ASSERT_TRUE(client.send_raw(bytes.substr(0, GetParam())));
  std::this_thread::sleep_for(2ms);
  // The same write carries the rest of the request and a first frame.
  ASSERT_TRUE(client.send_raw(bytes.substr(GetParam()) + frame_bytes(kText, "split")));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  EXPECT_EQ(response.get("Sec-WebSocket-Accept"),
            websocket_accept(split_request().get("Sec-WebSocket-Key")));
  ASSERT_TRUE(client.expect_text("split"));
}

INSTANTIATE_TEST_SUITE_P(Cuts, Rfc6455_4_2_1_SplitRequest, ::testing::ValuesIn(split_points()));

// ---------------------------------------------------------------------------

using Rfc6455_4_2_2_Handshake = ServerSuite;

TEST_F(Rfc6455_4_2_2_Handshake, AcceptForTheRfcSampleKey) {
  // RFC 6455 1.3: "dGhlIHNhbXBsZSBub25jZQ==" -> "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
  ASSERT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(
      client.handshake(UpgradeRequest::standard(host_for(port()), "dGhlIHNhbXBsZSBub25jZQ==")));
  ASSERT_TRUE(client.echo(kBinary, "sample"));
}

TEST_F(Rfc6455_4_2_2_Handshake, ManyRandomKeys) {
  for (int i = 0; i < 50; ++i) {
    RawClient client;
    ASSERT_TRUE(client.open(port()));
  }
}

TEST_F(Rfc6455_4_2_2_Handshake, ExtensionOfferedIsNotAccepted) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
  request.set("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(client.send_raw(request.render()));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  EXPECT_FALSE(response.has("Sec-WebSocket-Extensions"))
      << response.get("Sec-WebSocket-Extensions");
  // RSV1 is still a protocol error: nothing was negotiated.
  (void)client.send_raw(frame_bytes(kText, "compressed?", true, 4));
  ASSERT_TRUE(client.expect_close(1002));
}

TEST_F(Rfc6455_4_2_2_Handshake, FirstFrameInTheSameWriteAsTheRequest) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.send_raw(UpgradeRequest::standard(host_for(port())).render() +
                              frame_bytes(kText, "eager")));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  ASSERT_TRUE(client.expect_text("eager"));
}

TEST_F(Rfc6455_4_2_2_Handshake, SeveralFramesInTheSameWriteAsTheRequest) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.send_raw(
      UpgradeRequest::standard(host_for(port())).render() + frame_bytes(kPing, "p") +
      frame_bytes(kText, "t", false) + frame_bytes(kContinuation, "ext") +
      frame_bytes(kBinary, binary_payload(70000)) + frame_bytes(kClose, close_payload(1000))));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  ASSERT_TRUE(client.expect_pong("p"));
  ASSERT_TRUE(client.expect_text("text"));
  ASSERT_TRUE(client.expect_binary(binary_payload(70000)));
  ASSERT_TRUE(client.expect_close(1000));
}

TEST_F(Rfc6455_4_2_2_Handshake, InvalidFrameInTheSameWriteAsTheRequest) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  (void)client.send_raw(UpgradeRequest::standard(host_for(port())).render() +
                        frame_bytes(kText, "x", true, 2));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  ASSERT_TRUE(client.expect_close(1002));
}

TEST_F(Rfc6455_4_2_2_Handshake, OneBytePerWrite) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  const UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
  ASSERT_TRUE(client.send_chunked(request.render(), 1, 200us));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101);
  EXPECT_EQ(response.get("Sec-WebSocket-Accept"),
            websocket_accept(request.get("Sec-WebSocket-Key")));
  ASSERT_TRUE(client.echo(kText, "one byte at a time"));
}

TEST_F(Rfc6455_4_2_2_Handshake, RepresentativeSplits) {
  // Inside the request line, inside a header name, between CR and LF, and
  // between the two CRLFs of the end of the head.
  const UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
  const std::string bytes = request.render();
  const std::vector<std::vector<std::size_t>> plans = {
      {1, 2, 3},                                               // "G" "E" "T"
      {bytes.find("HTTP/1.1") + 4},                            // inside the version
      {bytes.find("\r\n") + 1},                                // between CR and LF
      {bytes.find("Sec-WebSocket-Key") + 7},                   // inside a header name
      {bytes.find("Sec-WebSocket-Key") + 19 + 10},             // inside the key
      {bytes.size() - 3, bytes.size() - 2, bytes.size() - 1},  // the final CRLF CRLF byte by byte
      {bytes.size() / 4, bytes.size() / 2, 3 * bytes.size() / 4},
  };
  for (const auto& plan : plans) {
    SCOPED_TRACE(hex_preview(bytes.substr(plan[0] > 8 ? plan[0] - 8 : 0, 16)));
    RawClient client;
    ASSERT_TRUE(client.connect(port()));
    ASSERT_TRUE(client.send_split(bytes, plan));
    HttpResponse response;
    ASSERT_TRUE(client.read_http_response(response));
    ASSERT_EQ(response.status, 101);
    ASSERT_TRUE(client.echo(kText, "ok"));
  }
}

TEST_F(Rfc6455_4_2_2_Handshake, HeadOver8KiBWithoutEndGets431) {
  // The head never ends: the server must not wait for it.
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  std::string head = "GET /echo HTTP/1.1\r\nHost: " + host_for(port()) + "\r\nX-Padding: ";
  head += std::string(9000, 'p');
  (void)client.send_raw(head);
  ASSERT_TRUE(client.expect_http_rejection(431));
}

TEST_F(Rfc6455_4_2_2_Handshake, GarbageGets400) {
  const std::vector<std::pair<const char*, std::string>> inputs = {
      {"words", "hello there\r\n\r\n"},
      {"binary_noise", std::string("\x01\x02\x03\xff\xfe\x00garbage\r\n\r\n", 17)},
      {"tls_client_hello", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) +
                               std::string(64, '\x42') + "\r\n\r\n"},
      {"no_target", "GET\r\nHost: x\r\n\r\n"},
      {"header_without_colon", "GET /echo HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"},
  };
  for (const auto& [name, bytes] : inputs) {
    SCOPED_TRACE(name);
    RawClient client;
    ASSERT_TRUE(client.connect(port()));
    (void)client.send_raw(bytes);
    ASSERT_TRUE(client.expect_http_rejection(400));
  }
}

TEST_F(Rfc6455_4_2_2_Handshake, WhitespaceBeforeColonGets400) {
  // RFC 7230 3.2.4: "A server MUST reject any received request message that
  // contains whitespace between a header field-name and colon with a
  // response code of 400". Otherwise the request is valid.
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  std::string bytes = UpgradeRequest::standard(host_for(port())).render();
  bytes.replace(bytes.find("Upgrade:"), 8, "Upgrade :");
  (void)client.send_raw(bytes);
  ASSERT_TRUE(client.expect_http_rejection(400));
}

// ---------------------------------------------------------------------------
// RFC 9112 2.2: "a server that is expecting to receive and parse a
// request-line SHOULD ignore at least one empty line (CRLF) received prior to
// the request-line". Their bytes count against the 8 KiB head limit.

using Rfc9112_2_2_EmptyLinesBeforeTheRequest = ServerSuite;

TEST_F(Rfc9112_2_2_EmptyLinesBeforeTheRequest, AreIgnored) {
  for (const std::string prefix : {"\r\n", "\r\n\r\n\r\n"}) {
    SCOPED_TRACE(prefix.size());
    RawClient client;
    ASSERT_TRUE(client.connect(port()));
    const UpgradeRequest request = UpgradeRequest::standard(host_for(port()));
    ASSERT_TRUE(client.send_raw(prefix + request.render() + frame_bytes(kText, "first")));
    HttpResponse response;
    ASSERT_TRUE(client.read_http_response(response));
    ASSERT_EQ(response.status, 101) << response.reason;
    EXPECT_EQ(response.get("Sec-WebSocket-Accept"),
              websocket_accept(request.get("Sec-WebSocket-Key")));
    ASSERT_TRUE(client.expect_text("first"));
  }
}

TEST_F(Rfc9112_2_2_EmptyLinesBeforeTheRequest, InTheirOwnWrites) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.send_split("\r\n\r\n" + UpgradeRequest::standard(host_for(port())).render(),
                                {1, 2, 4, 5}));
  HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  ASSERT_EQ(response.status, 101) << response.reason;
  ASSERT_TRUE(client.echo(kText, "after empty lines"));
}

TEST_F(Rfc9112_2_2_EmptyLinesBeforeTheRequest, AnEndlessRunGets431) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  std::string empty_lines;
  for (int i = 0; i < 5000; ++i) empty_lines += "\r\n";
  (void)client.send_raw(empty_lines);
  ASSERT_TRUE(client.expect_http_rejection(431));
}

TEST_F(Rfc6455_4_2_2_Handshake, RejectionsDoNotDisturbOthers) {
  WSTEST_OPEN(good);
  for (int i = 0; i < 10; ++i) {
    RawClient bad;
    ASSERT_TRUE(bad.connect(port()));
    (void)bad.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(bad.expect_http_rejection(400));
    ASSERT_TRUE(good.echo(kText, "still fine " + std::to_string(i)));
  }
}

TEST_F(Rfc6455_4_2_2_Handshake, ClientVanishingMidHandshakeIsHarmless) {
  for (int i = 0; i < 10; ++i) {
    RawClient gone;
    ASSERT_TRUE(gone.connect(port()));
    (void)gone.send_raw(UpgradeRequest::standard(host_for(port())).render().substr(0, 20 + i * 5));
    gone.close();
  }
  WSTEST_OPEN(client);
  ASSERT_TRUE(client.echo(kText, "server survived"));
}

}  // namespace
}  // namespace wstest
