// The Host allow-list (DNS rebinding): which Host values name loopback, and
// the --allowed-hosts names.
#include "ws/host_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "ws/http_request.hpp"

namespace ws {
namespace {

std::string_view trim_spaces(std::string_view s) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// inet_pton wants a NUL-terminated string; an address literal is short.
bool parse_address(int family, std::string_view text, void* out) noexcept {
  char buffer[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return ::inet_pton(family, buffer, out) == 1;
}

// A dotted-quad literal in 127.0.0.0/8 (RFC 1122 3.2.1.3). inet_pton takes
// the strict four-part form only, so "127.1" or "0x7f.0.0.1" do not count
// (a browser would have sent the canonical form anyway).
bool is_ipv4_loopback(std::string_view text) noexcept {
  in_addr address{};
  return parse_address(AF_INET, text, &address) && (ntohl(address.s_addr) >> 24) == 127;
}

bool is_ipv6_loopback(std::string_view text) noexcept {
  in6_addr address{};
  return parse_address(AF_INET6, text, &address) && IN6_IS_ADDR_LOOPBACK(&address);
}

// The host of a Host value, brackets kept for an IPv6 literal: host [":" port]
// with port = *DIGIT (RFC 9110 7.2, RFC 3986 3.2.2-3.2.3). Empty if malformed.
std::string_view host_part(std::string_view authority) noexcept {
  std::size_t host_end = std::min(authority.find(':'), authority.size());
  if (authority.starts_with('[')) {
    const std::size_t bracket = authority.find(']');
    if (bracket == std::string_view::npos) return {};
    host_end = bracket + 1;
  }
  const std::string_view port = authority.substr(host_end);
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!port.empty() && (port.front() != ':' || !std::all_of(port.begin() + 1, port.end(), is_digit)))
    return {};
  return authority.substr(0, host_end);
}

// Whether a host (as in Host, IPv6 in brackets) names this machine.
bool names_loopback(std::string_view host) noexcept {
  if (host.starts_with('[') && host.ends_with(']'))
    return is_ipv6_loopback(host.substr(1, host.size() - 2));
  return ascii_iequals(host, "localhost") || is_ipv4_loopback(host);
}

// Whether --host (as given to getaddrinfo: IPv6 without brackets) is loopback.
bool listens_on_loopback(std::string_view listen_host) noexcept {
  return ascii_iequals(listen_host, "localhost") || is_ipv4_loopback(listen_host) ||
         is_ipv6_loopback(listen_host);
}

}  // namespace

HostPolicy HostPolicy::for_listener(std::string_view listen_host,
                                    std::vector<std::string> allowed) {
  HostPolicy policy;
  if (allowed.empty()) {
    policy.any_ = !listens_on_loopback(listen_host);
    return policy;
  }
  policy.any_ = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  policy.names_ = std::move(allowed);
  return policy;
}

bool HostPolicy::allows(std::string_view authority) const {
  if (any_) return true;
  const std::string_view host = host_part(authority);
  if (host.empty()) return false;
  if (names_loopback(host)) return true;
  return std::any_of(names_.begin(), names_.end(),
                     [host](const std::string& name) { return ascii_iequals(name, host); });
}

std::optional<std::vector<std::string>> parse_host_list(std::string_view text) {
  std::vector<std::string> names;
  for (;;) {
    const std::size_t comma = text.find(',');
    const std::string_view name = trim_spaces(text.substr(0, comma));
    // A name that is its own host part has no port (and no stray colon).
    if (name.empty() || name.find(' ') != std::string_view::npos || host_part(name) != name)
      return std::nullopt;
    names.emplace_back(name);
    if (comma == std::string_view::npos) return names;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace ws
