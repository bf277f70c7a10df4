#include "tools/chat/route.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/timer_wheel.hpp"
#include "tools/chat/protocol.hpp"
#include "ws/websocket.hpp"

namespace chat {
namespace {

constexpr std::string_view first_room = "lobby";

// A client's message rate, as two token buckets: one refilled at
// rate_warning a second (empty: warn, once until it is half full again),
// one at rate_limit a second (empty: close). Each holds a second's worth,
// so a burst is judged like a steady rate over any one-second span, with
// no window edge to straddle.
class RateLimiter {
 public:
  enum class Verdict { fine, warn, over };

  Verdict count(core::Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    warn_tokens_ = std::min<double>(rate_warning, warn_tokens_ + seconds * rate_warning) - 1;
    limit_tokens_ = std::min<double>(rate_limit, limit_tokens_ + seconds * rate_limit) - 1;
    if (limit_tokens_ < 0) return Verdict::over;
    if (warn_tokens_ >= rate_warning / 2.0) warned_ = false;
    if (warn_tokens_ >= 0 || warned_) return Verdict::fine;
    warned_ = true;
    return Verdict::warn;
  }

 private:
  core::Clock::time_point last_ = core::Clock::now();
  float warn_tokens_ = rate_warning;
  float limit_tokens_ = rate_limit;
  bool warned_ = false;
};

// A connection's chat state, attached by the upgrade hook (small enough to
// live inside the WebSocket: the static_assert below).
struct ChatUser {
  explicit ChatUser(NickClaim claim) : claim(std::move(claim)) {}
  const std::string& nick() const noexcept { return claim.nick(); }
  bool in(std::string_view room) const {
    return std::find(rooms.begin(), rooms.end(), room) != rooms.end();
  }

  // Released once the close's "left" messages have reached every loop
  // (depart); if the connection never opened, by the destructor.
  NickClaim claim;
  std::vector<std::string> rooms;  // joined, in order
  RateLimiter rate;
};
static_assert(sizeof(ChatUser) <= ws::ConnectionState::inline_capacity);

std::string room_topic(std::string_view room) { return "room:" + std::string(room); }
// Whispers go to the nick's case-folded name: "Bob" reaches bob.
std::string user_topic(std::string_view nick) { return "user:" + nick_key(nick); }

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A message for everyone in `room`, this user included: its own copy
// directly, the others' through the topic.
void tell_room(ws::WebSocket& socket, std::string_view room, const std::string& message) {
  socket.send_text(message);
  socket.publish(room_topic(room), bytes(message), ws::Opcode::text);
}

// Refusals are error messages: the connection goes on.
void send_error(ws::WebSocket& socket, std::string_view code, std::string message) {
  socket.send_text(error(Refusal{code, std::move(message)}));
}

// What a user's requests do, one method per request type; made for one
// request (or the greeting, or the departure) at a time.
class ChatActions {
 public:
  ChatActions(ws::WebSocket& socket, ChatUser& user, ChatDirectory& directory)
      : socket_(socket), user_(user), directory_(directory) {}

  void handle(const Request& request) {
    switch (request.type) {
      case RequestType::join:
        return join(request.target);
      case RequestType::leave:
        return leave(request.target);
      case RequestType::say:
        return say(request.target, request.text);
      case RequestType::whisper:
        return whisper(request.target, request.text);
      case RequestType::who:
        return who(request.target);
    }
  }

  // Joining twice only answers with the members again.
  void join(std::string_view room) {
    if (!user_.in(room)) {
      if (user_.rooms.size() >= max_rooms_per_user)
        return send_error(socket_, "too_many_rooms", "at most 64 rooms per connection");
      user_.rooms.emplace_back(room);
      socket_.subscribe(room_topic(room));
      directory_.join(room, user_.nick());
      tell_room(socket_, room, joined(room, user_.nick()));
    }
    who(room);
  }

  void leave(std::string_view room) {
    if (!user_.in(room))
      return send_error(socket_, "not_in_room", "not in room " + std::string(room));
    tell_room(socket_, room, left(room, user_.nick()));
    forget(room);
  }

  void say(std::string_view room, std::string_view text) {
    if (!user_.in(room))
      return send_error(socket_, "not_in_room", "not in room " + std::string(room));
    tell_room(socket_, room, room_message(room, user_.nick(), text, now_ms()));
  }

  // To both ends; a whisper to oneself arrives once. The target is named
  // as its holder wrote it, whatever case the sender used.
  void whisper(std::string_view to, std::string_view text) {
    const std::optional<std::string> target = directory_.online_name(to);
    if (!target) return send_error(socket_, "unknown_nick", "nobody called " + std::string(to));
    const std::string message = private_message(user_.nick(), *target, text, now_ms());
    socket_.send_text(message);
    if (*target != user_.nick())
      socket_.publish(user_topic(*target), bytes(message), ws::Opcode::text);
  }

  void who(std::string_view room) { socket_.send_text(members(room, directory_.members(room))); }

  // At the end of the connection: "left" to every room, and the nick freed
  // only once those have reached every loop. Freed at once, its next holder
  // (a page reloading) could join on a loop that has yet to deliver them,
  // and its members would see the newcomer join, then leave.
  void depart() {
    for (const std::string& room : user_.rooms) {
      socket_.publish(room_topic(room), bytes(left(room, user_.nick())), ws::Opcode::text);
      directory_.leave(room, user_.nick());
    }
    user_.rooms.clear();
    auto claim = std::make_shared<NickClaim>(std::move(user_.claim));
    socket_.after_deliveries([claim] { claim->release(); });
  }

 private:
  void forget(std::string_view room) {
    socket_.unsubscribe(room_topic(room));
    directory_.leave(room, user_.nick());
    user_.rooms.erase(std::find(user_.rooms.begin(), user_.rooms.end(), room));
  }

  ws::WebSocket& socket_;
  ChatUser& user_;
  ChatDirectory& directory_;
};

void claim_nick(const ws::UpgradeRequest& request, ws::UpgradeResponse& response,
                ChatDirectory& directory) {
  const std::optional<std::string> name = request.query("name");
  if (!name || !valid_name(*name))
    return response.refuse(400, "name must be 1-32 of A-Z a-z 0-9 _ -");
  std::optional<NickClaim> claim = directory.claim(*name);
  if (!claim) return response.refuse(409, "name taken: " + *name);
  response.attach<ChatUser>(std::move(*claim));
}

void greet(ws::WebSocket& socket, ChatUser& user, ChatDirectory& directory) {
  socket.subscribe(user_topic(user.nick()));
  const std::string rooms[] = {std::string(first_room)};
  socket.send_text(welcome(user.nick(), rooms));
  ChatActions(socket, user, directory).join(first_room);
}

void on_message(ws::WebSocket& socket, const ws::Message& message, ChatUser& user,
                ChatDirectory& directory) {
  switch (user.rate.count(core::Clock::now())) {
    case RateLimiter::Verdict::over:
      return socket.close(ws::CloseCode::policy_violation, "more than 200 messages a second");
    case RateLimiter::Verdict::warn:
      send_error(socket, "rate_limited", "more than 100 messages a second: slow down");
      break;
    case RateLimiter::Verdict::fine:
      break;
  }
  if (!message.is_text()) return send_error(socket, "bad_request", "chat messages are JSON text");
  auto parsed = parse_request(message.text());
  if (auto* refusal = std::get_if<Refusal>(&parsed)) {
    socket.send_text(error(*refusal));
    return;
  }
  ChatActions(socket, user, directory).handle(std::get<Request>(parsed));
}

}  // namespace

ws::Route chat_route(ChatDirectory& directory) {
  ws::Route route{"/chat", {}, {}};
  route.max_message_size = max_chat_message;
  route.on_upgrade = [&directory](const ws::UpgradeRequest& request,
                                  ws::UpgradeResponse& response) {
    claim_nick(request, response, directory);
  };
  // Every opened connection passed the hook, which attached a ChatUser; the
  // checks say so rather than trust it.
  route.handlers.on_open = [&directory](ws::WebSocket& socket) {
    if (ChatUser* user = socket.state<ChatUser>()) greet(socket, *user, directory);
  };
  route.handlers.on_message = [&directory](ws::WebSocket& socket, const ws::Message& message) {
    if (ChatUser* user = socket.state<ChatUser>()) on_message(socket, message, *user, directory);
  };
  route.handlers.on_close = [&directory](ws::WebSocket& socket, std::uint16_t, std::string_view) {
    if (ChatUser* user = socket.state<ChatUser>()) ChatActions(socket, *user, directory).depart();
  };
  return route;
}

}  // namespace chat
