// The client side of the WebSocket opening handshake (RFC 6455 4.1): the GET
// request with a fresh Sec-WebSocket-Key, and the checks a client must make
// of the server's answer before it may send a frame. Nothing here touches a
// socket; the load generator (tools/wsload) and tests drive it with strings.
//
// Thread safety: every function is reentrant (make_client_key draws from
// getrandom(2), which is).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ws {

// 4.1 item 7: base64 of 16 bytes from getrandom(2), fresh per connection.
// Throws std::system_error if the kernel has no randomness to give.
std::string make_client_key();

// Appends the upgrade request (4.1 items 1-9): GET `path` HTTP/1.1, Host,
// Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Key,
// Sec-WebSocket-Version: 13. No Origin (not a browser), no extension or
// subprotocol offered. `host` is what goes in the Host header ("h:port").
void append_client_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view key);

// Largest response head check_upgrade_response waits for; a longer one is
// rejected ("response head too large").
constexpr std::size_t max_response_head = 8 * 1024;

struct HandshakeCheck {
  // > 0: accepted, the head's length (frames may follow in the same bytes);
  //   0: need more bytes; -1: rejected, `reason` says why.
  int result = 0;
  std::string_view reason;  // static text
  int status = 0;           // the response's status code, once parsed
};

// Judges the server's response head at the start of `bytes` for the
// request that carried `key` (4.1, "the client MUST validate the server's
// response"), first failure wins:
//   status line not "HTTP/1.1 <3 digits> ..." or malformed header lines,
//   status other than 101,
//   Upgrade missing or not "websocket" (case-insensitive),
//   Connection lacking the token "upgrade" (case-insensitive, comma lists),
//   Sec-WebSocket-Accept missing or not base64(SHA-1(key + GUID)),
//   any Sec-WebSocket-Extensions or Sec-WebSocket-Protocol (none was offered).
// Lines end in CRLF. Pure function: call again with the grown buffer.
HandshakeCheck check_upgrade_response(std::string_view bytes, std::string_view key);

}  // namespace ws
