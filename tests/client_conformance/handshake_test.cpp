// tests/client_conformance/handshake_test.cpp: RFC 6455 4.1 and 4.2.2 from
// the client's side: what the upgrade request carries, and "the client MUST
// validate the server's response": a status other than 101, a missing or
// wrong Upgrade, Connection or Sec-WebSocket-Accept, an extension or a
// subprotocol that was never offered each fail the dial (_Fail the WebSocket
// Connection_, before any frame), with the status and the status line in the
// DialError. Also the client's own bounds: the response head's size, the
// handshake timeout (redirects: redirect_test.cpp).
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---- the request (4.1) ------------------------------------------------------

TEST(Rfc6455_4_1_Request, CarriesTheHandshakeHeadersAndTheResource) {
  Session s;
  ASSERT_TRUE(open_session(s, test_options(), {}, "/chat/room?name=a%20b&x=1"));
  EXPECT_EQ(s.request.target, "/chat/room?name=a%20b&x=1");
  EXPECT_EQ(s.request.count("Sec-WebSocket-Protocol"), 0u) << "nothing was offered";
  EXPECT_EQ(s.request.count("Sec-WebSocket-Extensions"), 0u);
}

TEST(Rfc6455_4_1_Request, EmptyPathIsSlash) {
  Session s;
  ASSERT_TRUE(open_session(s, test_options(), {}, ""));
  EXPECT_EQ(s.request.target, "/");
}

TEST(Rfc6455_4_1_Request, FreshKeyPerConnection) {
  // 4.1 item 7: "randomly selected ... for each connection".
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    WSTEST_CLIENT(s);
    keys.push_back(s.request.get("Sec-WebSocket-Key"));
  }
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (std::size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]);
}

TEST(Rfc6455_4_1_Request, OffersSubprotocolsInOrder) {
  ws::ClientOptions options = test_options();
  options.subprotocols = {"chat", "superchat", "v2.chat"};
  Session s;
  ASSERT_TRUE(open_session(s, options));
  // 4.1 item 10: one or more comma-separated values; order is preference.
  std::string offered;
  for (const auto& [name, value] : s.request.headers)
    if (iequals(name, "Sec-WebSocket-Protocol")) offered += (offered.empty() ? "" : ", ") + value;
  EXPECT_EQ(offered, "chat, superchat, v2.chat");
  EXPECT_EQ(s.client->subprotocol(), "") << "the server chose none";
}

TEST(Rfc6455_4_1_Request, ExtraHeadersAndOriginSentAsGiven) {
  ws::ClientOptions options = test_options();
  options.headers = {{"Origin", "https://example.com"},
                     {"Authorization", "Bearer abc.def"},
                     {"Cookie", "a=1; b=2"},
                     {"X-Empty", ""}};
  Session s;
  ASSERT_TRUE(open_session(s, options));
  EXPECT_EQ(s.request.get("Origin"), "https://example.com");
  EXPECT_EQ(s.request.get("Authorization"), "Bearer abc.def");
  EXPECT_EQ(s.request.get("Cookie"), "a=1; b=2");
  EXPECT_EQ(s.request.count("X-Empty"), 1u);
  EXPECT_EQ(s.request.count("Origin"), 1u);
}

TEST(Rfc6455_4_1_Request, HostAmongExtrasReplacesTheUrls) {
  ws::ClientOptions options = test_options();
  options.headers = {{"Host", "example.test"}};
  CraftedServer server;
  PendingDial dial(server.url("/"), options);
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(check_client_request(request, "example.test"));  // one Host, the given one
  ASSERT_TRUE(peer->send_raw(response_101(key_of(request))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer->close();
}

TEST(Rfc6455_4_1_Request, HandshakeHeaderAmongExtrasFailsTheDial) {
  for (const char* name : {"Upgrade", "Connection", "Sec-WebSocket-Key", "sec-websocket-version",
                           "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"}) {
    ws::ClientOptions options = test_options();
    options.headers = {{name, "x"}};
    CraftedServer server;
    PendingDial dial(server.url("/"), options);
    std::optional<ws::DialError> error;
    ASSERT_TRUE(dial.failed(error)) << name;
    EXPECT_EQ(error->status(), 0) << name;
  }
}

TEST(Rfc6455_4_1_Request, HeaderValueWithCrLfFailsTheDial) {
  // A header value that would smuggle a line of its own (request splitting).
  ws::ClientOptions options = test_options();
  options.headers = {{"X-Evil", "a\r\nSec-WebSocket-Extensions: permessage-deflate"}};
  CraftedServer server;
  PendingDial dial(server.url("/"), options);
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error));
}

// ---- the response: accepted forms (4.2.2) -----------------------------------

struct GoodResponse {
  const char* name;
  std::function<std::string(std::string_view key)> response;
};

void PrintTo(const GoodResponse& c, std::ostream* os) { *os << c.name; }

class Rfc6455_4_2_2_Accepted : public ::testing::TestWithParam<GoodResponse> {};

TEST_P(Rfc6455_4_2_2_Accepted, Opens) {
  CraftedServer server;
  PendingDial dial(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw(GetParam().response(key_of(request))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  ASSERT_TRUE(peer->send_raw(server_frame(kText, "after")));
  ASSERT_TRUE(expect_message(*client, ws::Opcode::text, "after"));
  peer->close();
}

std::string head(std::string_view status_line, std::vector<std::string> lines) {
  std::string out(status_line);
  out += "\r\n";
  for (const std::string& line : lines) out += line + "\r\n";
  return out + "\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_4_2_2_Accepted,
    ::testing::Values(GoodResponse{"standard", [](std::string_view k) { return response_101(k); }},
                      GoodResponse{"header_names_in_any_case",
                                   [](std::string_view k) {
                                     return head("HTTP/1.1 101 Switching Protocols",
                                                 {"upgrade: WebSocket", "CONNECTION: upgrade",
                                                  "sec-websocket-accept: " + websocket_accept(k)});
                                   }},
                      GoodResponse{"connection_token_list",
                                   [](std::string_view k) {
                                     return head(
                                         "HTTP/1.1 101 Switching Protocols",
                                         {"Upgrade: websocket", "Connection: keep-alive, Upgrade",
                                          "Sec-WebSocket-Accept: " + websocket_accept(k)});
                                   }},
                      GoodResponse{"other_reason_phrase_and_headers",
                                   [](std::string_view k) {
                                     return head(
                                         "HTTP/1.1 101 Web Socket Protocol Handshake",
                                         {"Server: crafted", "Date: Wed, 02 Dec 2026 04:00:00 GMT",
                                          "Upgrade: websocket", "Connection: Upgrade",
                                          "Sec-WebSocket-Accept:   " + websocket_accept(k) + "  ",
                                          "X-Extra: 1"});
                                   }}),
    [](const auto& info) { return std::string(info.param.name); });

// Frames that arrive in the same write as the 101 belong to the connection.
TEST(Rfc6455_4_2_2_Response, FramesInTheSameWriteAsThe101) {
  CraftedServer server;
  PendingDial dial(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw(response_101(key_of(request)) + server_frame(kText, "first") +
                             server_frame(kBinary, "second")));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  ASSERT_TRUE(expect_message(*client, ws::Opcode::text, "first"));
  ASSERT_TRUE(expect_message(*client, ws::Opcode::binary, "second"));
  peer->close();
}

// What rides in with the 101 is read as the connection's first frames,
// failures and ends included: the client opens, then reports them.
struct RidingIn {
  const char* name;
  std::string frames;
  bool then_fin;
  std::uint16_t client_close;  // the Close the client must send; 0: none
  std::uint16_t reported;      // the code receive() reports
};

void PrintTo(const RidingIn& c, std::ostream* os) { *os << c.name; }

class Rfc6455_4_2_2_RidingIn : public ::testing::TestWithParam<RidingIn> {};

TEST_P(Rfc6455_4_2_2_RidingIn, OpensThenReports) {
  const RidingIn& c = GetParam();
  CraftedServer server;
  PendingDial dial(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw(response_101(key_of(request)) + c.frames));
  if (c.then_fin) peer->shutdown_write();
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  if (c.client_close != 0) {
    ASSERT_TRUE(peer->expect_close(c.client_close));
  }
  peer->close();
  ASSERT_TRUE(expect_closed(*client, c.reported));
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_4_2_2_RidingIn,
    ::testing::Values(
        RidingIn{"close", server_frame(kClose, close_payload(1000, "at once")), false, 1000, 1000},
        RidingIn{"close_then_fin", server_frame(kClose, close_payload(1001)), true, 1001, 1001},
        RidingIn{"fin_without_close", "", true, 0, 1006},
        RidingIn{"masked_frame", encode_frame(FrameSpec{}), false, 1002, 1002},
        RidingIn{"reserved_opcode", server_frame(0xB), false, 1002, 1002},
        RidingIn{"bad_utf8", server_frame(kText, "\xc0\xaf"), false, 1007, 1007}),
    [](const auto& info) { return std::string(info.param.name); });

// The 101 and a frame after it, cut at every byte: the same open and the
// same message every time.
TEST(Rfc6455_4_2_2_Response, CutAtEveryByte) {
  std::string probe = response_101("dGhlIHNhbXBsZSBub25jZQ==") + server_frame(kText, "hi");
  for (std::size_t cut = 1; cut < probe.size(); ++cut) {
    CraftedServer server;
    PendingDial dial(server.url("/"), test_options());
    std::optional<PeerConnection> peer;
    SeenRequest request;
    ASSERT_TRUE(server.accept(peer));
    ASSERT_TRUE(peer->read_request(request));
    const std::string bytes = response_101(key_of(request)) + server_frame(kText, "hi");
    ASSERT_EQ(bytes.size(), probe.size());
    ASSERT_TRUE(peer->send_split(bytes, cut, 300us));
    std::unique_ptr<ws::BlockingClient> client;
    ASSERT_TRUE(dial.opened(client)) << "cut at " << cut;
    ASSERT_TRUE(expect_message(*client, ws::Opcode::text, "hi")) << "cut at " << cut;
    peer->close();
  }
}

TEST(Rfc6455_4_2_2_Response, OneByteAtATime) {
  CraftedServer server;
  PendingDial dial(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  const std::string bytes = response_101(key_of(request)) + server_frame(kText, "trickled");
  for (char c : bytes) {
    ASSERT_TRUE(peer->send_raw(std::string(1, c)));
    std::this_thread::sleep_for(100us);
  }
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  ASSERT_TRUE(expect_message(*client, ws::Opcode::text, "trickled"));
  peer->close();
}

// A host name: resolved (net::Lookup, off the loop), and the Host header
// carries the name as the URL gave it (4.1 item 4).
TEST(Rfc6455_4_1_Request, HostNameResolved) {
  CraftedServer server;
  const std::string host = "localhost:" + std::to_string(server.port());
  PendingDial dial("ws://" + host + "/named", test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(check_client_request(request, host));
  ASSERT_TRUE(peer->send_raw(response_101(key_of(request))));
  std::unique_ptr<ws::BlockingClient> client;
  ASSERT_TRUE(dial.opened(client));
  peer->close();
}

// ---- the response: refused forms --------------------------------------------

struct BadResponse {
  const char* name;
  int status;  // the DialError's status
  std::function<std::string(std::string_view key)> response;
  const char* reason_part;  // in what()
};

void PrintTo(const BadResponse& c, std::ostream* os) { *os << c.name; }

class Rfc6455_4_1_Refused : public ::testing::TestWithParam<BadResponse> {};

TEST_P(Rfc6455_4_1_Refused, DialFails) {
  std::optional<ws::DialError> error;
  ASSERT_TRUE(
      dial_refused([this](const SeenRequest& r) { return GetParam().response(key_of(r)); }, error));
  EXPECT_EQ(error->status(), GetParam().status);
  EXPECT_TRUE(contains(error->what(), GetParam().reason_part))
      << "what(): " << error->what() << "\nexpected to contain: " << GetParam().reason_part;
}

std::string without(std::string_view key, std::string_view header) {
  std::vector<std::string> lines;
  if (header != "Upgrade") lines.push_back("Upgrade: websocket");
  if (header != "Connection") lines.push_back("Connection: Upgrade");
  if (header != "Sec-WebSocket-Accept")
    lines.push_back("Sec-WebSocket-Accept: " + websocket_accept(key));
  return head("HTTP/1.1 101 Switching Protocols", lines);
}

std::string with(std::string_view key, std::string_view extra) {
  return response_101(key, std::string(extra) + "\r\n");
}

INSTANTIATE_TEST_SUITE_P(
    All, Rfc6455_4_1_Refused,
    ::testing::Values(
        BadResponse{"status_200", 200,
                    [](std::string_view) {
                      return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
                    },
                    "HTTP/1.1 200 OK"},
        BadResponse{"status_400", 400,
                    [](std::string_view) {
                      return std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                    },
                    "HTTP/1.1 400 Bad Request"},
        BadResponse{"status_403", 403,
                    [](std::string_view) {
                      return std::string(
                          "HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\nforbidden\n");
                    },
                    "HTTP/1.1 403 Forbidden"},
        BadResponse{"status_426", 426,
                    [](std::string_view) {
                      return std::string(
                          "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: "
                          "13\r\nContent-Length: 0\r\n\r\n");
                    },
                    "HTTP/1.1 426 Upgrade Required"},
        BadResponse{"status_503", 503,
                    [](std::string_view) {
                      return std::string("HTTP/1.1 503 Service Unavailable\r\n\r\n");
                    },
                    "HTTP/1.1 503 Service Unavailable"},
        // A 200 that otherwise looks like a 101 is still not one.
        BadResponse{"status_200_with_upgrade_headers", 200,
                    [](std::string_view k) {
                      return head("HTTP/1.1 200 OK",
                                  {"Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + websocket_accept(k)});
                    },
                    "HTTP/1.1 200 OK"},
        BadResponse{"http_1_0", 0,
                    [](std::string_view k) {
                      return head("HTTP/1.0 101 Switching Protocols",
                                  {"Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + websocket_accept(k)});
                    },
                    "status line"},
        BadResponse{"not_http", 0, [](std::string_view) { return std::string("SSH-2.0\r\n\r\n"); },
                    "status line"},
        BadResponse{"upgrade_missing", 101,
                    [](std::string_view k) { return without(k, "Upgrade"); }, "Upgrade"},
        BadResponse{"upgrade_not_websocket", 101,
                    [](std::string_view k) {
                      return head("HTTP/1.1 101 Switching Protocols",
                                  {"Upgrade: h2c", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + websocket_accept(k)});
                    },
                    "Upgrade"},
        BadResponse{"connection_missing", 101,
                    [](std::string_view k) { return without(k, "Connection"); }, "Connection"},
        BadResponse{"connection_keep_alive", 101,
                    [](std::string_view k) {
                      return head("HTTP/1.1 101 Switching Protocols",
                                  {"Upgrade: websocket", "Connection: keep-alive",
                                   "Sec-WebSocket-Accept: " + websocket_accept(k)});
                    },
                    "Connection"},
        BadResponse{"accept_missing", 101,
                    [](std::string_view k) { return without(k, "Sec-WebSocket-Accept"); },
                    "Sec-WebSocket-Accept"},
        BadResponse{"accept_of_another_key", 101,
                    [](std::string_view) {
                      return head("HTTP/1.1 101 Switching Protocols",
                                  {"Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " +
                                       websocket_accept("dGhlIHNhbXBsZSBub25jZQ==")});
                    },
                    "Sec-WebSocket-Accept"},
        BadResponse{"accept_is_the_key", 101,
                    [](std::string_view k) {
                      return head("HTTP/1.1 101 Switching Protocols",
                                  {"Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + std::string(k)});
                    },
                    "Sec-WebSocket-Accept"},
        BadResponse{"accept_in_lower_case", 101,
                    [](std::string_view k) {
                      std::string accept = websocket_accept(k);
                      for (char& c : accept) c = static_cast<char>(std::tolower(c));
                      return head("HTTP/1.1 101 Switching Protocols",
                                  {"Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + accept});
                    },
                    "Sec-WebSocket-Accept"},
        BadResponse{"accept_twice", 101,
                    [](std::string_view k) {
                      return with(k, "Sec-WebSocket-Accept: " + websocket_accept(k));
                    },
                    "Sec-WebSocket-Accept"},
        BadResponse{"extension_never_offered", 101,
                    [](std::string_view k) {
                      return with(k, "Sec-WebSocket-Extensions: permessage-deflate");
                    },
                    "Sec-WebSocket-Extensions"},
        BadResponse{"unknown_extension", 101,
                    [](std::string_view k) { return with(k, "Sec-WebSocket-Extensions: x-foo"); },
                    "Sec-WebSocket-Extensions"},
        BadResponse{"subprotocol_never_offered", 101,
                    [](std::string_view k) { return with(k, "Sec-WebSocket-Protocol: chat"); },
                    "Sec-WebSocket-Protocol"},
        BadResponse{"malformed_header_line", 101,
                    [](std::string_view k) { return with(k, "no colon here"); }, "header"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- subprotocols (4.1 item 10, 4.2.2 item 5.4) -----------------------------

TEST(Rfc6455_4_1_Subprotocol, OneOfferedIsAcceptedAndReported) {
  ws::ClientOptions options = test_options();
  options.subprotocols = {"chat", "superchat"};
  Session s;
  ASSERT_TRUE(open_session(s, options, "Sec-WebSocket-Protocol: superchat\r\n"));
  EXPECT_EQ(s.client->subprotocol(), "superchat");
}

TEST(Rfc6455_4_1_Subprotocol, NotAmongThoseOfferedFails) {
  ws::ClientOptions options = test_options();
  options.subprotocols = {"chat", "superchat"};
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [](const SeenRequest& r) { return with(key_of(r), "Sec-WebSocket-Protocol: mqtt"); }, error,
      options));
  EXPECT_TRUE(contains(error->what(), "Sec-WebSocket-Protocol")) << error->what();
}

TEST(Rfc6455_4_1_Subprotocol, CaseMattersAndAListIsNotAChoice) {
  // Subprotocol names are compared exactly (4.1: "one of the values"), and the
  // server picks one, not a list.
  for (const char* answer : {"Chat", "chat, superchat", "chat ,superchat", ""}) {
    ws::ClientOptions options = test_options();
    options.subprotocols = {"chat", "superchat"};
    std::optional<ws::DialError> error;
    ASSERT_TRUE(dial_refused(
        [&](const SeenRequest& r) {
          return with(key_of(r), std::string("Sec-WebSocket-Protocol: ") + answer);
        },
        error, options))
        << "answer \"" << answer << "\"";
  }
}

TEST(Rfc6455_4_1_Subprotocol, TwiceFails) {
  ws::ClientOptions options = test_options();
  options.subprotocols = {"chat", "superchat"};
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [](const SeenRequest& r) {
        return with(key_of(r), "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat");
      },
      error, options));
}

TEST(Rfc6455_4_1_Subprotocol, NoneChosenOpensWithNone) {
  ws::ClientOptions options = test_options();
  options.subprotocols = {"chat"};
  Session s;
  ASSERT_TRUE(open_session(s, options));
  EXPECT_EQ(s.client->subprotocol(), "");
}

// ---- the client's own bounds --------------------------------------------------

TEST(ClientHandshake, ResponseHeadTooLargeFails) {
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [](const SeenRequest& r) {
        return with(key_of(r), "X-Padding: " + std::string(9 * 1024, 'p'));
      },
      error));
  EXPECT_TRUE(contains(error->what(), "too large")) << error->what();
}

TEST(ClientHandshake, EndlessResponseHeadFails) {
  // A head that never ends must not be buffered forever.
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial_refused(
      [](const SeenRequest&) {
        std::string endless = "HTTP/1.1 101 Switching Protocols\r\n";
        while (endless.size() < 64 * 1024) endless += "X-More: " + std::string(100, 'm') + "\r\n";
        return endless;
      },
      error));
  EXPECT_TRUE(contains(error->what(), "too large")) << error->what();
}

TEST(ClientHandshake, TimeoutWhenTheServerSaysNothing) {
  ws::ClientOptions options = test_options();
  options.handshake_timeout = 300ms;
  CraftedServer server;
  const auto start = std::chrono::steady_clock::now();
  PendingDial dial(server.url("/"), options);
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error, 2000ms));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1500ms);
  // The client hung up on the silent server.
  EXPECT_TRUE(peer->expect_tcp_end(1000ms));
}

TEST(ClientHandshake, TimeoutWhenTheResponseStopsHalfway) {
  ws::ClientOptions options = test_options();
  options.handshake_timeout = 300ms;
  CraftedServer server;
  PendingDial dial(server.url("/"), options);
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"));
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error, 2000ms));
}

TEST(ClientHandshake, ServerClosesBeforeThe101) {
  CraftedServer server;
  PendingDial dial(server.url("/"), test_options());
  std::optional<PeerConnection> peer;
  SeenRequest request;
  ASSERT_TRUE(server.accept(peer));
  ASSERT_TRUE(peer->read_request(request));
  ASSERT_TRUE(peer->send_raw("HTTP/1.1 101 Swi"));
  peer->close();
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error, 1000ms));
  EXPECT_EQ(error->status(), 0);
}

TEST(ClientHandshake, ConnectionRefused) {
  std::uint16_t port;
  {
    CraftedServer gone;  // a port that was free a moment ago, now closed
    port = gone.port();
  }
  PendingDial dial("ws://127.0.0.1:" + std::to_string(port) + "/", test_options());
  std::optional<ws::DialError> error;
  ASSERT_TRUE(dial.failed(error, 1000ms));
  EXPECT_EQ(error->status(), 0);
}

}  // namespace
}  // namespace wstest
