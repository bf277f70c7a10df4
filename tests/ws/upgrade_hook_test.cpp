// tests/ws/upgrade_hook_test.cpp: a route's upgrade hook and the state it
// attaches. The pieces alone (ConnectionState, query parameters, cookies),
// then the hook on a real server in this process, driven by a raw client:
// it sees the request, refuses with its own status and reason, picks the
// subprotocol, adds headers, and its state reaches the handlers and is
// destroyed however the connection ends.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/raw_client.hpp"
#include "ws/connection_state.hpp"
#include "ws/request_params.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;

// Counts the live instances of itself, to see when state is destroyed.
struct Tracked {
  static inline std::atomic<int> alive{0};
  explicit Tracked(std::string n) : name(std::move(n)) { ++alive; }
  ~Tracked() { --alive; }
  std::string name;
};

struct Big {
  std::array<char, 4096> bytes{};
};

TEST(ConnectionState, HoldsOneObjectOfAKnownType) {
  ws::ConnectionState state;
  EXPECT_TRUE(state.empty());
  EXPECT_EQ(state.get<int>(), nullptr);
  state.emplace<int>(7);
  ASSERT_NE(state.get<int>(), nullptr);
  EXPECT_EQ(*state.get<int>(), 7);
  EXPECT_EQ(state.get<long>(), nullptr) << "another type is not this one";
}

TEST(ConnectionState, SmallObjectsLiveInsideLargeOnesOnTheHeap) {
  ws::ConnectionState state;
  const auto* inside = reinterpret_cast<const char*>(&state);
  const char* small = reinterpret_cast<const char*>(&state.emplace<int>(1));
  EXPECT_TRUE(small >= inside && small < inside + sizeof state);
  const char* big = reinterpret_cast<const char*>(&state.emplace<Big>());
  EXPECT_FALSE(big >= inside && big < inside + sizeof state);
}

TEST(ConnectionState, DestroysWhatItHoldsOnResetReplaceAndDestruction) {
  {
    ws::ConnectionState state;
    state.emplace<Tracked>("a");
    EXPECT_EQ(Tracked::alive, 1);
    state.emplace<Tracked>("b");  // replaces: "a" is gone
    EXPECT_EQ(Tracked::alive, 1);
    EXPECT_EQ(state.get<Tracked>()->name, "b");
    state.reset();
    EXPECT_EQ(Tracked::alive, 0);
    EXPECT_TRUE(state.empty());
    state.emplace<Tracked>("c");
  }
  EXPECT_EQ(Tracked::alive, 0);
}

TEST(QueryParameter, FindsAndFormDecodes) {
  EXPECT_EQ(ws::query_parameter("/chat?name=alice", "name"), "alice");
  EXPECT_EQ(ws::query_parameter("/chat?x=1&name=al%69ce&name=bob", "name"), "alice");
  EXPECT_EQ(ws::query_parameter("/chat?text=a+b%20c", "text"), "a b c");
  EXPECT_EQ(ws::query_parameter("/chat?n%61me=x", "name"), "x") << "names are decoded too";
  EXPECT_EQ(ws::query_parameter("/chat?flag&name=", "flag"), "");
  EXPECT_EQ(ws::query_parameter("/chat?name=", "name"), "");
  EXPECT_EQ(ws::query_parameter("/chat?name=a#frag", "name"), "a");
}

TEST(QueryParameter, AbsentOrMalformedIsNothing) {
  EXPECT_FALSE(ws::query_parameter("/chat", "name"));
  EXPECT_FALSE(ws::query_parameter("/chat?", "name"));
  EXPECT_FALSE(ws::query_parameter("/chat?names=a", "name"));
  EXPECT_FALSE(ws::query_parameter("/chat?name=%4", "name"));
  EXPECT_FALSE(ws::query_parameter("/chat?name=%zz", "name"));
  EXPECT_FALSE(ws::query_parameter("/chat?name=%", "name"));
}

ws::HttpRequest request_with_cookies(std::initializer_list<std::string_view> values) {
  ws::HttpRequest request;
  for (std::string_view value : values)
    request.headers[request.header_count++] = ws::HttpHeader{"cookie", value};
  return request;
}

TEST(Cookie, ReadsEveryCookieHeader) {
  const ws::HttpRequest request = request_with_cookies({"a=1; session=\"xyz\"", "b=2;c = 3 "});
  EXPECT_EQ(ws::cookie(request, "a"), "1");
  EXPECT_EQ(ws::cookie(request, "session"), "xyz") << "quotes are not part of the value";
  EXPECT_EQ(ws::cookie(request, "b"), "2");
  EXPECT_EQ(ws::cookie(request, "c"), "3");
  EXPECT_FALSE(ws::cookie(request, "d"));
  EXPECT_FALSE(ws::cookie(request, "A")) << "cookie names compare exactly";
}

// A server whose /hook route runs `hook`, and whose handlers echo the
// attached Tracked's name on every message.
struct HookServer {
  explicit HookServer(std::function<void(const ws::UpgradeRequest&, ws::UpgradeResponse&)> hook,
                      std::size_t max_connections = 0)
      : server(options(max_connections)) {
    ws::Route route{"/hook", {}, {}};
    route.upgrade.subprotocols = {"chat.v1"};
    route.on_upgrade = std::move(hook);
    route.handlers.on_message = [](ws::WebSocket& socket, const ws::Message&) {
      const Tracked* state = socket.state<Tracked>();
      socket.send_text(state ? state->name : "no state");
    };
    server.route(std::move(route));
    server.start();
  }
  static ws::ServerOptions options(std::size_t max_connections) {
    ws::ServerOptions o;
    o.port = 0;
    o.max_connections = max_connections;
    o.close_timeout = 500ms;
    o.shutdown_timeout = 500ms;
    return o;
  }
  ws::Server server;
};

wstest::UpgradeRequest hook_request(std::string target, std::uint16_t port) {
  auto request = wstest::UpgradeRequest::standard("127.0.0.1:" + std::to_string(port));
  request.target = std::move(target);
  return request;
}

TEST(UpgradeHook, SeesQueryHeadersAndCookiesAndAttachesState) {
  HookServer hook([](const ws::UpgradeRequest& request, ws::UpgradeResponse& response) {
    response.attach<Tracked>(request.query("name").value_or("?") + "/" +
                             std::string(request.header("X-Team")) + "/" +
                             std::string(request.cookie("id").value_or("?")));
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.connect(hook.server.port()));
  auto request = hook_request("/hook?name=al%69ce", hook.server.port());
  request.set("X-Team", "red");
  request.set("Cookie", "theme=dark; id=42");
  ASSERT_TRUE(client.handshake(request));
  ASSERT_TRUE(client.send_text("who am I?"));
  EXPECT_TRUE(client.expect_text("alice/red/42"));
  client.close();
  EXPECT_TRUE(wstest::eventually([] { return Tracked::alive == 0; }, 2s))
      << "the state outlived its connection";
}

TEST(UpgradeHook, RefusesWithItsOwnStatusAndReason) {
  HookServer hook([](const ws::UpgradeRequest&, ws::UpgradeResponse& response) {
    response.attach<Tracked>("refused");
    response.refuse(409, "name taken");
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.connect(hook.server.port()));
  ASSERT_TRUE(client.send_raw(hook_request("/hook", hook.server.port()).render()));
  wstest::HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(response.reason, "Conflict");
  std::string body;
  ASSERT_TRUE(client.read_bytes(std::stoul(response.get("Content-Length")), body));
  EXPECT_EQ(body, "name taken\n");
  EXPECT_TRUE(client.expect_tcp_end());
  EXPECT_TRUE(wstest::eventually([] { return Tracked::alive == 0; }, 2s));
}

TEST(UpgradeHook, ARefusalOutsideFourAndFiveHundredsIsA400) {
  HookServer hook([](const ws::UpgradeRequest&, ws::UpgradeResponse& response) {
    response.refuse(200, "not a refusal status");
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.connect(hook.server.port()));
  ASSERT_TRUE(client.send_raw(hook_request("/hook", hook.server.port()).render()));
  EXPECT_TRUE(client.expect_http_rejection(400));
}

TEST(UpgradeHook, PicksAnOfferedSubprotocolAndAddsHeaders) {
  std::atomic<bool> unoffered_refused{false};
  HookServer hook([&](const ws::UpgradeRequest& request, ws::UpgradeResponse& response) {
    EXPECT_EQ(response.subprotocol(), "chat.v1") << "the route's own pick comes first";
    unoffered_refused = !response.select_subprotocol("never.offered", request);
    EXPECT_TRUE(response.select_subprotocol("chat.v2", request));
    EXPECT_TRUE(response.add_header("X-Served-By", "hook"));
    EXPECT_FALSE(response.add_header("Bad Name", "x"));
    EXPECT_FALSE(response.add_header("X-Split", "a\r\nInjected: yes"));
    EXPECT_FALSE(response.add_header("X-Bell", "a\x07"));
    EXPECT_TRUE(response.add_header("X-Tab", "a\tb"));
    EXPECT_FALSE(response.add_header("sec-websocket-accept", "forged"))
        << "a second accept key would fail the client's check";
    EXPECT_FALSE(response.add_header("Content-Length", "0"));
  });
  wstest::RawClient client;
  ASSERT_TRUE(client.connect(hook.server.port()));
  auto request = hook_request("/hook", hook.server.port());
  request.set("Sec-WebSocket-Protocol", "chat.v1, chat.v2");
  ASSERT_TRUE(client.send_raw(request.render()));
  wstest::HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  EXPECT_EQ(response.status, 101);
  EXPECT_EQ(response.get("Sec-WebSocket-Protocol"), "chat.v2");
  EXPECT_EQ(response.get("X-Served-By"), "hook");
  EXPECT_FALSE(response.has("Injected"));
  EXPECT_FALSE(response.has("X-Split"));
  EXPECT_TRUE(unoffered_refused);
}

TEST(UpgradeHook, StateIsReleasedAtTheRefusalNotWhenTheClientGoes) {
  HookServer hook([](const ws::UpgradeRequest&, ws::UpgradeResponse& response) {
    response.attach<Tracked>("refused");
    response.refuse(403, "no");
  });
  wstest::RawClient client;  // reads the refusal, then keeps its socket open
  ASSERT_TRUE(client.connect(hook.server.port()));
  ASSERT_TRUE(client.send_raw(hook_request("/hook", hook.server.port()).render()));
  wstest::HttpResponse response;
  ASSERT_TRUE(client.read_http_response(response));
  EXPECT_EQ(Tracked::alive, 0) << "held until the socket closes";
}

TEST(UpgradeHook, StateIsReleasedWhenTheConnectionLimitRefusesTheUpgrade) {
  HookServer hook([](const ws::UpgradeRequest&,
                     ws::UpgradeResponse& response) { response.attach<Tracked>("held"); },
                  1);
  wstest::RawClient first, second;
  ASSERT_TRUE(first.open(hook.server.port(), "/hook"));
  ASSERT_TRUE(second.connect(hook.server.port()));
  ASSERT_TRUE(second.send_raw(hook_request("/hook", hook.server.port()).render()));
  EXPECT_TRUE(second.expect_http_rejection(503));
  EXPECT_TRUE(wstest::eventually([] { return Tracked::alive == 1; }, 2s))
      << "only the open connection holds state";
  first.close();
  EXPECT_TRUE(wstest::eventually([] { return Tracked::alive == 0; }, 2s));
}

}  // namespace
