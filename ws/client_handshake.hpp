// The client side of the WebSocket opening handshake (RFC 6455 4.1): the GET
// request with a fresh Sec-WebSocket-Key, and the checks a client must make
// of the server's answer before it may send a frame. Nothing here touches a
// socket; ws::Client, the load generator (tools/wsload) and tests drive it
// with strings.
//
// Thread safety: every function is reentrant (make_client_key draws from
// getrandom(2), which is).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ws {

// 4.1 item 7: base64 of 16 bytes from getrandom(2), fresh per connection.
// Throws std::system_error if the kernel has no randomness to give.
std::string make_client_key();

// What the upgrade request carries besides the handshake's own headers.
struct ClientRequest {
  std::string_view host;      // the Host header: "h:port" (or the caller's own Host)
  std::string_view resource;  // path and query; empty means "/"
  std::string_view key;       // from make_client_key()
  std::span<const std::string> subprotocols;                     // offered, in order
  std::span<const std::pair<std::string, std::string>> headers;  // Origin, Cookie, ...
};

// Appends the upgrade request (4.1 items 1-9): GET resource HTTP/1.1, Host,
// Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Key,
// Sec-WebSocket-Version: 13, Sec-WebSocket-Protocol if any is offered, then
// the extra headers. No extension is offered. A "Host" among the extra
// headers replaces request.host. Check the headers first (check_extra_header).
void append_client_request(std::string& out, const ClientRequest& request);
void append_client_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view key);

// Why an extra request header cannot be sent, or empty if it can: its name
// must be a token, its value free of CR, LF and NUL, and it must not be one
// the handshake writes itself (Upgrade, Connection, Sec-WebSocket-*).
std::string_view check_extra_header(std::string_view name, std::string_view value);

// Whether a subprotocol may be offered: a non-empty token (RFC 6455 4.1 item 10).
bool is_valid_subprotocol(std::string_view name) noexcept;

// Largest response head check_upgrade_response waits for; a longer one is
// rejected ("response head too large").
constexpr std::size_t max_response_head = 8 * 1024;

struct HandshakeCheck {
  // > 0: accepted, the head's length (frames may follow in the same bytes);
  //   0: need more bytes; -1: rejected, `reason` says why.
  int result = 0;
  std::string_view reason;  // static text
  int status = 0;           // the response's status code, once parsed
  // Views into the bytes checked (valid while they are):
  std::string_view status_line;  // "HTTP/1.1 403 Forbidden", once parsed
  std::string_view subprotocol;  // the server's Sec-WebSocket-Protocol, if accepted
  std::string_view location;     // a redirect's Location (status 301, 302, 303, 307, 308)
};

// Judges the server's response head at the start of `bytes` for the
// request that carried `key` and offered `subprotocols` (4.1, "the client
// MUST validate the server's response"), first failure wins:
//   status line not "HTTP/1.1 <3 digits> ..." or malformed header lines,
//   status other than 101 (a redirect's Location is reported with it),
//   Upgrade missing or not "websocket" (case-insensitive),
//   Connection lacking the token "upgrade" (case-insensitive, comma lists),
//   Sec-WebSocket-Accept missing, repeated, or not base64(SHA-1(key + GUID)),
//   any Sec-WebSocket-Extensions (none was offered),
//   a Sec-WebSocket-Protocol that is not one of `subprotocols`, or repeated.
// Lines end in CRLF. Pure function: call again with the grown buffer.
HandshakeCheck check_upgrade_response(std::string_view bytes, std::string_view key,
                                      std::span<const std::string> subprotocols = {});

}  // namespace ws
