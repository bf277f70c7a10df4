#include "ws/upgrade_hook.hpp"

#include <algorithm>

namespace ws {
namespace {

// RFC 9110 5.6.2 tchar.
bool is_token(std::string_view s) noexcept {
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum || specials.find(c) != std::string_view::npos;
  });
}

// The headers of the 101 that the handshake itself writes or forbids: a
// second Sec-WebSocket-Accept or -Protocol fails the client's checks
// (RFC 6455 4.1), and a 101 carries no body to frame.
bool is_handshake_header(std::string_view name) noexcept {
  constexpr std::string_view reserved[] = {"Upgrade",
                                           "Connection",
                                           "Sec-WebSocket-Accept",
                                           "Sec-WebSocket-Protocol",
                                           "Sec-WebSocket-Extensions",
                                           "Sec-WebSocket-Version",
                                           "Content-Length",
                                           "Transfer-Encoding"};
  return std::any_of(std::begin(reserved), std::end(reserved),
                     [name](std::string_view r) { return ascii_iequals(name, r); });
}

// RFC 9110 5.5: field values are visible characters, spaces and tabs (and
// obsolete bytes >= 0x80); no other control character.
bool is_field_value(std::string_view value) noexcept {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7F;
  });
}

}  // namespace

bool UpgradeRequest::offers_subprotocol(std::string_view name) const {
  return http_.any_element("Sec-WebSocket-Protocol",
                           [name](std::string_view offered) { return offered == name; });
}

void UpgradeResponse::refuse(int status, std::string reason) {
  status_ = status >= 400 && status <= 599 ? status : 400;
  reason_ = std::move(reason);
}

bool UpgradeResponse::select_subprotocol(std::string_view name, const UpgradeRequest& request) {
  if (!name.empty() && !request.offers_subprotocol(name)) return false;
  subprotocol_ = name;
  return true;
}

bool UpgradeResponse::add_header(std::string name, std::string value) {
  if (!is_token(name) || is_handshake_header(name) || !is_field_value(value)) return false;
  headers_.emplace_back(std::move(name), std::move(value));
  return true;
}

}  // namespace ws
