// The chat room as a ws::Route: /chat?name=NICK (tools/chat/protocol.hpp
// has the messages). Nicks are unique across the server: the upgrade hook
// claims the nick in the shared ChatDirectory (400 for a bad one, 409 for a
// taken one) and attaches a ChatUser to the connection. Rooms are topics
// ("room:R"), and each user listens on a topic of its own ("user:N") for
// whispers, so a message reaches members on every loop the way any publish
// does: encoded once, shared by every receiver.
//
// Every client starts in "lobby". Refusals are error messages and never
// close the connection, but a client past rate_warning messages in a second
// is warned once, and past rate_limit it is closed with 1008.
#pragma once

#include <cstddef>

#include "tools/chat/directory.hpp"
#include "ws/handlers.hpp"

namespace chat {

inline constexpr std::size_t max_rooms_per_user = 64;
inline constexpr unsigned rate_warning = 100;  // messages in one second
inline constexpr unsigned rate_limit = 200;
// Past this a message is closed with 1009: room for 4 KiB of text written
// with JSON escapes (up to 6 bytes a byte) and the other fields.
inline constexpr std::size_t max_chat_message = 32 * 1024;

// `directory` must outlive the server the route is given to.
ws::Route chat_route(ChatDirectory& directory);

}  // namespace chat
