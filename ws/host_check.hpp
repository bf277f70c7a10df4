// Which Host values the opening handshake accepts: the defence against DNS
// rebinding. A page on evil.example can have its name re-resolved to
// 127.0.0.1 and then open ws://evil.example:9001/ against a server that
// listens on loopback; the browser sends "Origin: http://evil.example" and
// "Host: evil.example:9001", which agree, so the Origin check cannot see it.
// Only the Host value, which names the attacker's domain, gives it away.
//
// The policy: a Host that names loopback (localhost, a 127.0.0.0/8 literal,
// [::1], each with an optional :port) is always accepted, as no rebinding
// page can make a browser send it. Any other Host must be one of the
// allowed names (--allowed-hosts), compared without its port and
// case-insensitively; "*" allows any. Without a list, a loopback listener
// (127.0.0.0/8, ::1 or localhost) allows nothing else and any other
// listener allows any Host: a public server is reached by names we cannot
// guess, and rebinding targets what is not reachable from outside.
//
// Thread safety: a HostPolicy is a plain value, read-only once built.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ws {

class HostPolicy {
 public:
  // Allows any Host (for callers of check_upgrade_request with no listener
  // to protect).
  HostPolicy() = default;

  // The policy of a server listening on `listen_host` (an address or a name,
  // as given to --host) with --allowed-hosts `allowed` (empty: the flag was
  // not given).
  static HostPolicy for_listener(std::string_view listen_host, std::vector<std::string> allowed);

  // Whether `authority` (a Host value, host[:port]) is accepted. A value that
  // is not host[:port] is refused unless any Host is allowed.
  bool allows(std::string_view authority) const;

 private:
  bool any_ = true;
  std::vector<std::string> names_;  // port-less; compared case-insensitively
};

// The --allowed-hosts syntax: names separated by commas, optional spaces
// around each, none empty, none with a port (an IPv6 literal is written in
// brackets, "[2001:db8::1]"). Returns nothing if `text` breaks those rules.
std::optional<std::vector<std::string>> parse_host_list(std::string_view text);

}  // namespace ws
