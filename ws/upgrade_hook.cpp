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
  if (!is_token(name) || value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    return false;
  headers_.emplace_back(std::move(name), std::move(value));
  return true;
}

}  // namespace ws
