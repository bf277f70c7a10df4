#include "ws/url.hpp"

#include <charconv>

#include "ws/upgrade.hpp"

namespace ws {
namespace {

constexpr std::uint16_t default_port(bool secure) noexcept { return secure ? 443 : 80; }

// The scheme, case-insensitively (RFC 3986 3.1); http(s) map to ws(s).
bool take_scheme(std::string_view& text, bool& secure) {
  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos) return false;
  const std::string_view scheme = text.substr(0, colon);
  if (ascii_iequals(scheme, "ws") || ascii_iequals(scheme, "http")) {
    secure = false;
  } else if (ascii_iequals(scheme, "wss") || ascii_iequals(scheme, "https")) {
    secure = true;
  } else {
    return false;
  }
  text.remove_prefix(colon + 3);
  return true;
}

bool parse_port(std::string_view digits, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) return false;
  if (value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// authority = [userinfo@] host [: port]; an IPv6 literal is bracketed (RFC 3986 3.2.2).
bool parse_authority(std::string_view authority, WsUrl& out, std::string& error) {
  if (authority.find('@') != std::string_view::npos) {
    error = "user information in the URL is not supported";
    return false;
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address";
      return false;
    }
    out.host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      error = "bad characters after the IPv6 address";
      return false;
    }
    if (!rest.empty()) port_text = rest.substr(1);
    if (rest.size() == 1) port_text = "x";  // "[::1]:" has an empty port
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (colon != std::string_view::npos && port_text.empty()) port_text = "x";
  }
  if (out.host.empty()) {
    error = "no host in the URL";
    return false;
  }
  out.port = default_port(out.secure);
  if (!port_text.empty() && !parse_port(port_text, out.port)) {
    error = "bad port in the URL";
    return false;
  }
  return true;
}

}  // namespace

std::string WsUrl::host_header() const {
  std::string header = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(secure)) header += ":" + std::to_string(port);
  return header;
}

std::string WsUrl::text() const { return (secure ? "wss://" : "ws://") + host_header() + resource; }

bool parse_ws_url(std::string_view text, WsUrl& out, std::string& error) {
  out = WsUrl{};
  if (!take_scheme(text, out.secure)) {
    error = "the URL's scheme must be ws:// or wss://";
    return false;
  }
  if (text.find('#') != std::string_view::npos) {
    error = "a WebSocket URL has no fragment (RFC 6455 3)";
    return false;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      error = "spaces or control characters in the URL";
      return false;
    }
  }
  const std::size_t slash = text.find_first_of("/?");
  if (!parse_authority(text.substr(0, slash), out, error)) return false;
  out.resource = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (out.resource.front() == '?') out.resource.insert(0, "/");
  return true;
}

bool resolve_location(const WsUrl& base, std::string_view location, WsUrl& out,
                      std::string& error) {
  if (location.find("://") != std::string_view::npos) return parse_ws_url(location, out, error);
  if (location.empty() || location.front() != '/' || location.substr(0, 2) == "//") {
    error = "a redirect's Location must be an absolute URL or an absolute path";
    return false;
  }
  std::string absolute = base.text();
  absolute.resize(absolute.size() - base.resource.size());
  absolute.append(location);
  return parse_ws_url(absolute, out, error);
}

}  // namespace ws
