// tests/chat/route_test.cpp: the chat room (/chat, tools/chat/route.hpp) on
// a real server in this process with four loops, raw clients on loopback.
// Eight clients spread over the loops (SO_REUSEPORT picks; with eight, all
// on one loop has odds of 4^-7), so a room message and a whisper cross
// loops. Covers the greeting, nick rules (400, 409, free again after a
// close), rooms (join, leave, members, left on disconnect), whispers that
// reach only their target (named in any case), every refusal (none of
// which closes), the rate limit (warned past 100 a second, closed 1008 past
// 200), and that 10,000
// connections coming and going leave no nick, room, topic or memory behind.
#include "tools/chat/route.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/raw_client.hpp"
#include "ws/server.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct ChatServer {
  ChatServer() : server(options()) {
    server.route(chat::chat_route(directory));
    server.start();
  }
  static ws::ServerOptions options() {
    ws::ServerOptions o;
    o.port = 0;
    o.threads = 4;
    // No heartbeat: under ThreadSanitizer the 10,000 cycles outlast its 30 s,
    // and a ping is not what these tests read for.
    o.ping_interval = 0ms;
    o.idle_timeout = 0ms;
    o.close_timeout = 500ms;
    o.shutdown_timeout = 500ms;
    return o;
  }
  std::uint16_t port() const { return server.port(); }
  chat::ChatDirectory directory;  // before the server: outlives it
  ws::Server server;
};

// A raw client that speaks the chat's JSON.
struct ChatClient {
  wstest::RawClient raw;
  std::string nick;

  // Opens /chat?name=nick and checks the greeting, in order.
  ::testing::AssertionResult join_server(std::uint16_t port, std::string name) {
    nick = std::move(name);
    if (auto opened = raw.open(port, "/chat?name=" + nick); !opened) return opened;
    if (auto r = expect({{"type", "welcome"}, {"name", nick}, {"rooms", {"lobby"}}}); !r) return r;
    if (auto r = expect({{"type", "joined"}, {"room", "lobby"}, {"name", nick}}); !r) return r;
    return next_of("members");
  }

  // The close handshake, past whatever the rooms still send (RFC 6455 5.5.1:
  // data may arrive until the server's Close).
  ::testing::AssertionResult leave_server() {
    if (auto r = raw.send_close(1000); !r) return r;
    for (int frames = 0; frames < 10000; ++frames) {
      wstest::Frame frame;
      if (const auto status = raw.read_frame(frame); status != wstest::ReadStatus::kFrame)
        return ::testing::AssertionFailure() << nick << ": " << wstest::read_status_name(status);
      if (frame.opcode == wstest::kClose) return raw.expect_tcp_end();
    }
    return ::testing::AssertionFailure() << nick << ": no Close in 10000 frames";
  }

  ::testing::AssertionResult send(const json& message) { return raw.send_text(message.dump()); }

  // The next message, whatever it is; a null json if none came.
  json next(std::chrono::milliseconds timeout = wstest::kTimeout) {
    wstest::Frame frame;
    if (raw.read_frame(frame, nullptr, timeout) != wstest::ReadStatus::kFrame) return nullptr;
    if (frame.opcode == wstest::kClose && frame.payload.size() >= 2)
      return {{"type", "close"},
              {"code", static_cast<std::uint8_t>(frame.payload[0]) * 256 +
                           static_cast<std::uint8_t>(frame.payload[1])}};
    if (frame.opcode != wstest::kText) return {{"type", "frame"}, {"opcode", frame.opcode}};
    return json::parse(frame.payload, nullptr, false);
  }

  // The next message has every field of `want` (other fields may be there).
  ::testing::AssertionResult expect(const json& want) {
    const json got = next();
    for (const auto& [key, value] : want.items())
      if (!got.is_object() || !got.contains(key) || got[key] != value)
        return ::testing::AssertionFailure()
               << nick << " expected " << want.dump() << ", got " << got.dump();
    return ::testing::AssertionSuccess();
  }

  // Skips others' comings and goings ("joined", "left", "members" of other
  // users) until a message of `type` arrives.
  ::testing::AssertionResult next_of(std::string_view type, json* out = nullptr) {
    for (int skipped = 0; skipped < 100; ++skipped) {
      json got = next();
      if (got.is_null()) return ::testing::AssertionFailure() << nick << ": no " << type;
      if (got["type"] == type) {
        if (out) *out = std::move(got);
        return ::testing::AssertionSuccess();
      }
    }
    return ::testing::AssertionFailure() << nick << ": no " << type << " in 100 messages";
  }

  ::testing::AssertionResult expect_error(std::string_view code) {
    json got;
    if (auto r = next_of("error", &got); !r) return r;
    if (got["code"] != code)
      return ::testing::AssertionFailure() << "expected error " << code << ", got " << got.dump();
    return ::testing::AssertionSuccess();
  }
};

std::vector<ChatClient> chat_clients(const ChatServer& chat, int n, std::string prefix = "user") {
  std::vector<ChatClient> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    EXPECT_TRUE(
        out[static_cast<std::size_t>(i)].join_server(chat.port(), prefix + std::to_string(i)));
  return out;
}

// Each client joins `room` and reads until its own "members" answer.
void join_all(std::vector<ChatClient>& clients, std::string_view room) {
  for (auto& client : clients) {
    ASSERT_TRUE(client.send({{"type", "join"}, {"room", room}}));
    ASSERT_TRUE(client.next_of("members"));
  }
}

// Reads until `client` gets a message of `type` in `room` from/about `name`.
::testing::AssertionResult sees(ChatClient& client, std::string_view type, std::string_view room,
                                std::string_view name) {
  for (int tries = 0; tries < 100; ++tries) {
    json got;
    if (auto r = client.next_of(type, &got); !r) return r;
    if (got["room"] == room && (got.contains("name") ? got["name"] : got["from"]) == name)
      return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << client.nick << " never saw " << type << " " << name;
}

::testing::AssertionResult refused(std::uint16_t port, const std::string& target, int status) {
  wstest::RawClient client;
  if (auto r = client.connect(port); !r) return r;
  auto request = wstest::UpgradeRequest::standard("127.0.0.1:" + std::to_string(port));
  request.target = target;
  if (auto r = client.send_raw(request.render()); !r) return r;
  return client.expect_http_rejection(status);
}

TEST(ChatRoute, GreetsWithWelcomeThenLobbyMembers) {
  ChatServer chat;
  ChatClient alice;
  ASSERT_TRUE(alice.raw.open(chat.port(), "/chat?name=alice"));
  alice.nick = "alice";
  EXPECT_TRUE(alice.expect({{"type", "welcome"}, {"name", "alice"}, {"rooms", {"lobby"}}}));
  EXPECT_TRUE(alice.expect({{"type", "joined"}, {"room", "lobby"}, {"name", "alice"}}));
  EXPECT_TRUE(alice.expect({{"type", "members"}, {"room", "lobby"}, {"names", {"alice"}}}));
  ChatClient bob;
  ASSERT_TRUE(bob.join_server(chat.port(), "bob"));
  EXPECT_TRUE(alice.expect({{"type", "joined"}, {"room", "lobby"}, {"name", "bob"}}));
  ASSERT_TRUE(bob.send({{"type", "who"}, {"room", "lobby"}}));
  EXPECT_TRUE(bob.expect({{"type", "members"}, {"room", "lobby"}, {"names", {"alice", "bob"}}}));
}

TEST(ChatRoute, BadNicksAre400TakenOnes409AndANickIsFreeAfterItsClose) {
  ChatServer chat;
  for (const char* bad : {"/chat", "/chat?name=", "/chat?name=a+b", "/chat?name=a%2Fb",
                          "/chat?name=%zz", "/chat?name=x123456789012345678901234567890123"})
    EXPECT_TRUE(refused(chat.port(), bad, 400)) << bad;
  ChatClient alice;
  ASSERT_TRUE(alice.join_server(chat.port(), "alice"));
  EXPECT_TRUE(refused(chat.port(), "/chat?name=alice", 409));
  EXPECT_TRUE(refused(chat.port(), "/chat?name=al%69ce", 409)) << "the decoded name is the nick";
  EXPECT_TRUE(refused(chat.port(), "/chat?name=ALICE", 409)) << "no passing for alice by case";
  alice.raw.close();
  EXPECT_TRUE(wstest::eventually([&] { return !chat.directory.is_online("alice"); }, 2s));
  ChatClient again;
  EXPECT_TRUE(again.join_server(chat.port(), "alice"));
}

TEST(ChatRoute, ARoomMessageReachesEveryMemberOnEveryLoopAndNobodyElse) {
  ChatServer chat;
  auto members = chat_clients(chat, 8);
  ChatClient outsider;
  ASSERT_TRUE(outsider.join_server(chat.port(), "outsider"));
  join_all(members, "dev");
  ASSERT_TRUE(members[3].send({{"type", "say"}, {"room", "dev"}, {"text", "h\u00e9llo"}}));
  for (auto& member : members) {
    json got;
    ASSERT_TRUE(member.next_of("message", &got));
    EXPECT_EQ(got["room"], "dev");
    EXPECT_EQ(got["from"], "user3");
    EXPECT_EQ(got["text"], "h\u00e9llo");
    EXPECT_TRUE(got["ts"].is_number_integer());
  }
  EXPECT_TRUE(outsider.raw.expect_nothing(200ms)) << "dev's message reached a non-member";
}

TEST(ChatRoute, AWhisperReachesOnlyItsTargetOnAnyLoopAndComesBackToItsSender) {
  ChatServer chat;
  auto users = chat_clients(chat, 8);
  for (std::size_t to = 1; to < users.size(); ++to) {
    const std::string text = "for " + users[to].nick;
    ASSERT_TRUE(users[0].send({{"type", "whisper"}, {"to", users[to].nick}, {"text", text}}));
    json got;
    ASSERT_TRUE(users[0].next_of("private", &got));
    EXPECT_EQ(got["to"], users[to].nick);
    ASSERT_TRUE(users[to].next_of("private", &got));
    EXPECT_EQ(got["from"], "user0");
    EXPECT_EQ(got["to"], users[to].nick);
    EXPECT_EQ(got["text"], text);
  }
  for (std::size_t i = 1; i < users.size(); ++i) {
    // Whatever is left are others' arrivals in lobby, never a private message.
    for (json got = users[i].next(200ms); !got.is_null(); got = users[i].next(200ms))
      EXPECT_EQ(got["type"], "joined") << users[i].nick << " got " << got.dump();
  }
}

TEST(ChatRoute, LeaveAndDisconnectTellTheRoomAndStopDelivery) {
  ChatServer chat;
  auto users = chat_clients(chat, 3);
  join_all(users, "dev");
  ASSERT_TRUE(users[1].send({{"type", "leave"}, {"room", "dev"}}));
  EXPECT_TRUE(sees(users[0], "left", "dev", "user1"));
  EXPECT_TRUE(sees(users[1], "left", "dev", "user1"));
  ASSERT_TRUE(users[0].send({{"type", "say"}, {"room", "dev"}, {"text", "still here?"}}));
  EXPECT_TRUE(sees(users[2], "message", "dev", "user0"));
  ASSERT_TRUE(users[1].send({{"type", "who"}, {"room", "lobby"}}));
  json got;
  ASSERT_TRUE(users[1].next_of("members", &got)) << "user1 got dev's message after leaving";
  users[2].raw.close();
  std::set<std::string> rooms_left;  // one "left" per room, in no promised order
  for (int i = 0; i < 2; ++i) {
    json got;
    ASSERT_TRUE(users[0].next_of("left", &got));
    EXPECT_EQ(got["name"], "user2");
    rooms_left.insert(got["room"].get<std::string>());
  }
  EXPECT_EQ(rooms_left, (std::set<std::string>{"dev", "lobby"}));
  EXPECT_TRUE(wstest::eventually(
      [&] { return chat.directory.members("dev") == std::vector<std::string>{"user0"}; }, 2s));
}

// Joins as `nick`, retrying while it is still taken (409): a nick is free
// again only once its last holder's "left" has reached every loop.
::testing::AssertionResult join_when_free(ChatClient& client, std::uint16_t port,
                                          const std::string& nick) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    if (client.join_server(port, nick)) return ::testing::AssertionSuccess();
    client = ChatClient{};
  }
  return ::testing::AssertionFailure() << nick << " still taken after 500 tries";
}

// The same nick coming straight back, again and again: every watcher hears
// it join and leave in turn, never leave after its next join. (The race
// this guards against, a "left" still in another loop's inbox when the
// nick's next holder joins there, needs a busy loop to show; on an idle
// machine this passes without the guard too.)
TEST(ChatRoute, ANickComingStraightBackIsHeardToJoinAndLeaveInTurn) {
  ChatServer chat;
  auto watchers = chat_clients(chat, 4, "watcher");
  for (int round = 0; round < 30; ++round) {
    ChatClient alice;
    ASSERT_TRUE(join_when_free(alice, chat.port(), "alice"));
    ASSERT_TRUE(alice.leave_server());
  }
  for (auto& watcher : watchers) {
    ASSERT_TRUE(watcher.send({{"type", "who"}, {"room", "lobby"}}));
    std::string last = "left";
    int heard = 0;
    for (json got = watcher.next(); !got.is_null() && got["type"] != "members";
         got = watcher.next()) {
      if (got["name"] != "alice") continue;
      EXPECT_NE(got["type"], last) << watcher.nick << ": alice " << got["type"] << " twice";
      last = got["type"];
      ++heard;
    }
    EXPECT_EQ(heard, 60) << watcher.nick;
  }
}

TEST(ChatRoute, EveryRefusalIsAnErrorAndTheConnectionGoesOn) {
  ChatServer chat;
  ChatClient alice;
  ASSERT_TRUE(alice.join_server(chat.port(), "alice"));
  const std::pair<std::string, std::string_view> cases[] = {
      {"not json", "bad_json"},
      {R"({"type":"dance"})", "unknown_type"},
      {R"({"type":"whisper","to":"nobody","text":"x"})", "unknown_nick"},
      {R"({"type":"say","room":"dev","text":"x"})", "not_in_room"},
      {R"({"type":"leave","room":"dev"})", "not_in_room"},
      {R"({"type":"say","room":"lobby","text":")" + std::string(4097, 'x') + "\"}",
       "text_too_long"},
      {R"({"type":"join","room":"no spaces"})", "bad_room"},
      {R"({"type":"say","room":"lobby"})", "bad_request"},
  };
  ChatClient bob;
  ASSERT_TRUE(bob.join_server(chat.port(), "Bob"));
  ASSERT_TRUE(alice.send({{"type", "whisper"}, {"to", "bOB"}, {"text", "any case"}}));
  json whisper;
  ASSERT_TRUE(alice.next_of("private", &whisper));
  EXPECT_EQ(whisper["to"], "Bob") << "named as its holder wrote it";
  EXPECT_TRUE(bob.next_of("private"));
  for (const auto& [message, code] : cases) {
    ASSERT_TRUE(alice.raw.send_text(message));
    EXPECT_TRUE(alice.expect_error(code)) << message;
  }
  ASSERT_TRUE(alice.raw.send_binary("\x01\x02"));
  EXPECT_TRUE(alice.expect_error("bad_request"));
  ASSERT_TRUE(alice.send({{"type", "say"}, {"room", "lobby"}, {"text", "still open"}}));
  EXPECT_TRUE(alice.expect({{"type", "message"}, {"text", "still open"}}));
}

TEST(ChatRoute, AConnectionHoldsAtMost64Rooms) {
  ChatServer chat;
  ChatClient alice;
  ASSERT_TRUE(alice.join_server(chat.port(), "alice"));
  for (int i = 1; i < 64; ++i) {  // lobby is the first
    ASSERT_TRUE(alice.send({{"type", "join"}, {"room", "r" + std::to_string(i)}}));
    ASSERT_TRUE(alice.next_of("members"));
  }
  ASSERT_TRUE(alice.send({{"type", "join"}, {"room", "one-too-many"}}));
  EXPECT_TRUE(alice.expect_error("too_many_rooms"));
  ASSERT_TRUE(alice.send({{"type", "join"}, {"room", "r7"}}));  // already in: not refused
  EXPECT_TRUE(alice.next_of("members"));
}

TEST(ChatRoute, PastOneHundredAMessageWarnsAndPastTwoHundredCloses1008) {
  ChatServer chat;
  ChatClient alice;
  ASSERT_TRUE(alice.join_server(chat.port(), "alice"));
  const std::string who = json{{"type", "who"}, {"room", "lobby"}}.dump();
  std::string burst;  // 250 frames in one write: well within one second
  wstest::FrameSpec frame;
  frame.payload = who;
  for (int i = 0; i < 250; ++i) burst += wstest::encode_frame(frame);
  ASSERT_TRUE(alice.raw.send_raw(burst));
  int answers = 0, warnings = 0;
  for (json got = alice.next(); !got.is_null(); got = alice.next()) {
    if (got["type"] == "members") ++answers;
    if (got["type"] == "error" && got["code"] == "rate_limited") ++warnings;
    if (got["type"] == "close") {
      EXPECT_EQ(got["code"], 1008);
      break;
    }
    EXPECT_NE(got["type"], "frame") << got.dump();
  }
  // Token buckets refill while the burst arrives: a token or two more.
  EXPECT_GE(answers, 200);
  EXPECT_LE(answers, 205);
  EXPECT_EQ(warnings, 1);
  EXPECT_TRUE(alice.raw.expect_tcp_end());
}

TEST(ChatRoute, TenThousandArrivalsAndDeparturesLeaveNothingBehind) {
  ChatServer chat;
  ChatClient stays;  // out of lobby: 20,000 arrivals and departures would back it up
  ASSERT_TRUE(stays.join_server(chat.port(), "stays"));
  ASSERT_TRUE(stays.send({{"type", "leave"}, {"room", "lobby"}}));
  ASSERT_TRUE(stays.next_of("left"));
  const std::size_t topics = chat.server.topic_count();
  const std::uint64_t memory = chat.server.memory_in_use();
  constexpr int threads = 4, cycles = 2500;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < cycles; ++i) {
        ChatClient visitor;
        const std::string nick = "v" + std::to_string(t) + "-" + std::to_string(i % 50);
        ::testing::AssertionResult step = visitor.join_server(chat.port(), nick);
        if (step) step = visitor.send({{"type", "join"}, {"room", "room" + std::to_string(i % 7)}});
        if (step) step = visitor.next_of("members");
        if (step) step = visitor.leave_server();
        if (!step && failures++ < 3) ADD_FAILURE() << nick << ": " << step.message();
      }
    });
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(wstest::eventually([&] { return chat.directory.online_count() == 1; }, 5s));
  EXPECT_EQ(chat.directory.room_count(), 0u);
  EXPECT_TRUE(wstest::eventually([&] { return chat.server.topic_count() == topics; }, 5s));
  // Each loop's account may keep up to two slabs of spare credit, counted as
  // used (core/memory_budget.hpp): that much slack, no more.
  const std::uint64_t slack = ChatServer::options().threads * 2 * core::MemoryAccount::slab;
  EXPECT_TRUE(wstest::eventually([&] { return chat.server.memory_in_use() <= memory + slack; }, 5s))
      << chat.server.memory_in_use() << " bytes held, " << memory << " before";
  ASSERT_TRUE(stays.send({{"type", "who"}, {"room", "lobby"}}));
  EXPECT_TRUE(stays.expect({{"type", "members"}, {"room", "lobby"}, {"names", json::array()}}));
}

}  // namespace
