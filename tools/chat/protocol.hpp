// The chat room's wire protocol (/chat): JSON text messages, parsed and
// written with nlohmann/json. Pure functions, no state: the route
// (tools/chat/route.hpp) decides what happens; this file only says what a
// message means and how an answer is spelled.
//
// Client to server:                      Server to client:
//   {"type":"join","room":R}               {"type":"welcome","name":N,"rooms":[R...]}
//   {"type":"leave","room":R}              {"type":"message","room":R,"from":N,"text":T,"ts":MS}
//   {"type":"say","room":R,"text":T}       {"type":"private","from":N,"to":N,"text":T,"ts":MS}
//   {"type":"whisper","to":N,"text":T}     {"type":"joined"|"left","room":R,"name":N}
//   {"type":"who","room":R}                {"type":"members","room":R,"names":[N...]}
//                                          {"type":"error","code":C,"message":M}
// Nicks and room names: 1-32 of [A-Za-z0-9_-]. Text: at most 4 KiB (bytes of
// UTF-8, after JSON unescaping). Fields other than these are ignored.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace chat {

inline constexpr std::size_t max_name_length = 32;
inline constexpr std::size_t max_text_bytes = 4096;

// 1-32 characters of letters, digits, '_' and '-': nicks and room names.
bool valid_name(std::string_view name) noexcept;

enum class RequestType : std::uint8_t { join, leave, say, whisper, who };

// A request that parsed and whose fields are valid. `target` is the room
// (join, leave, say, who) or the nick (whisper); `text` is empty but for say
// and whisper.
struct Request {
  RequestType type;
  std::string target;
  std::string text;
};

// Why a message was refused: `code` is a stable token for programs, `message`
// a sentence for people.
struct Refusal {
  std::string_view code;
  std::string message;
};

std::variant<Request, Refusal> parse_request(std::string_view json);

// Server messages, each a complete JSON text. `ts` is milliseconds since
// the Unix epoch.
std::string welcome(std::string_view name, std::span<const std::string> rooms);
std::string room_message(std::string_view room, std::string_view from, std::string_view text,
                         std::int64_t ts);
std::string private_message(std::string_view from, std::string_view to, std::string_view text,
                            std::int64_t ts);
std::string joined(std::string_view room, std::string_view name);
std::string left(std::string_view room, std::string_view name);
std::string members(std::string_view room, std::span<const std::string> names);
std::string error(const Refusal& refusal);

}  // namespace chat
