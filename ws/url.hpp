// WebSocket URIs (RFC 6455 3): ws://host[:port][/path][?query] and wss://.
// What a client needs from one to dial: where to connect, whether TLS, what
// goes in the Host header and in the request line. Fragments are refused
// (3: "Fragment identifiers are meaningless ... MUST NOT be used").
//
// Pure functions; no allocation beyond the result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ws {

struct WsUrl {
  bool secure = false;  // wss://
  std::string host;     // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;
  std::string resource;  // path and query, at least "/" (4.1: the request line)
  // The Host header (4.1 item 4): host, bracketed if IPv6, and ":port"
  // unless it is the scheme's default.
  std::string host_header() const;
  // "ws://host:port/resource", for messages.
  std::string text() const;
};

// Parses `text` into `out`; false with `error` set ("scheme must be ws:// or
// wss://", "bad port", ...) when it is not a URL a client can dial.
// http:// and https:// are taken as ws:// and wss:// (what a redirect's
// Location usually holds).
bool parse_ws_url(std::string_view text, WsUrl& out, std::string& error);

// A redirect's Location (RFC 9110 10.2.2) against the URL that was
// requested: absolute ("wss://other/x", "https://other/x") or a path
// ("/elsewhere"), which keeps the scheme, host and port.
bool resolve_location(const WsUrl& base, std::string_view location, WsUrl& out, std::string& error);

}  // namespace ws
