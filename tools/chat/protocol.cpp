#include "tools/chat/protocol.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace chat {
namespace {

using nlohmann::json;
// Written in the order the fields are given: "type" first, for people reading.
using Out = nlohmann::ordered_json;

struct TypeName {
  std::string_view name;
  RequestType type;
};
constexpr TypeName request_types[] = {{"join", RequestType::join},
                                      {"leave", RequestType::leave},
                                      {"say", RequestType::say},
                                      {"whisper", RequestType::whisper},
                                      {"who", RequestType::who}};

Refusal refuse(std::string_view code, std::string message) { return {code, std::move(message)}; }

// The string field `name` of `object`, or nullptr if absent or not a string.
const std::string* string_field(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get_ptr<const std::string*>()
                                                     : nullptr;
}

// Reads the field a request type names its target by, and its text if it
// has one, into `request`; or says why not.
std::variant<Request, Refusal> read_fields(const json& object, RequestType type) {
  const bool to_a_nick = type == RequestType::whisper;
  const char* target_field = to_a_nick ? "to" : "room";
  const std::string* target = string_field(object, target_field);
  if (!target)
    return refuse("bad_request", std::string("\"") + target_field + "\" must be a string");
  if (!valid_name(*target))
    return refuse(to_a_nick ? "bad_nick" : "bad_room",
                  std::string(target_field) + " must be 1-32 of A-Z a-z 0-9 _ -");
  Request request{type, *target, {}};
  if (type != RequestType::say && type != RequestType::whisper) return request;
  const std::string* text = string_field(object, "text");
  if (!text) return refuse("bad_request", "\"text\" must be a string");
  if (text->size() > max_text_bytes) return refuse("text_too_long", "text over 4 KiB");
  request.text = *text;
  return request;
}

// Written with invalid UTF-8 replaced, never thrown on: every string here
// came from a validated text frame or from the parser, but a writer that
// cannot throw needs no proof of that.
std::string dump(const Out& message) {
  return message.dump(-1, ' ', false, Out::error_handler_t::replace);
}

}  // namespace

bool valid_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_name_length &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
         });
}

std::variant<Request, Refusal> parse_request(std::string_view text) {
  // No exceptions: a parse error gives a "discarded" value. nlohmann's
  // parser keeps its nesting on a heap stack, not the call stack, so a deep
  // input costs memory bounded by the message size (the route's limit), not
  // a stack overflow.
  const json object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return refuse("bad_json", "not JSON");
  if (!object.is_object()) return refuse("bad_request", "a message is a JSON object");
  const std::string* type = string_field(object, "type");
  if (!type) return refuse("bad_request", "\"type\" must be a string");
  for (const TypeName& known : request_types)
    if (known.name == *type) return read_fields(object, known.type);
  return refuse("unknown_type", "unknown type: " + type->substr(0, max_name_length));
}

std::string welcome(std::string_view name, std::span<const std::string> rooms) {
  return dump({{"type", "welcome"}, {"name", name}, {"rooms", rooms}});
}

std::string room_message(std::string_view room, std::string_view from, std::string_view text,
                         std::int64_t ts) {
  return dump({{"type", "message"}, {"room", room}, {"from", from}, {"text", text}, {"ts", ts}});
}

std::string private_message(std::string_view from, std::string_view to, std::string_view text,
                            std::int64_t ts) {
  return dump({{"type", "private"}, {"from", from}, {"to", to}, {"text", text}, {"ts", ts}});
}

std::string joined(std::string_view room, std::string_view name) {
  return dump({{"type", "joined"}, {"room", room}, {"name", name}});
}

std::string left(std::string_view room, std::string_view name) {
  return dump({{"type", "left"}, {"room", room}, {"name", name}});
}

std::string members(std::string_view room, std::span<const std::string> names) {
  return dump({{"type", "members"}, {"room", room}, {"names", names}});
}

std::string error(const Refusal& refusal) {
  return dump({{"type", "error"}, {"code", refusal.code}, {"message", refusal.message}});
}

}  // namespace chat
