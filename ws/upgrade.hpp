// The server side of the WebSocket opening handshake (RFC 6455 4.2): decide
// whether a parsed request may be upgraded, and write the 101 or the error
// response. It does not look at the path: mapping paths (and 404) is the
// server's job. Nothing here touches a socket.
//
// Thread safety: every function is reentrant; an UpgradeOptions may be shared
// by threads once built, provided its check_origin hook is itself reentrant.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ws/host_check.hpp"
#include "ws/http_request.hpp"

namespace ws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UpgradeOptions {
  // Called with the first Origin header value (empty if absent) and the
  // request. When empty, the default allows an absent Origin, or one whose
  // host[:port] equals request.authority() (case-insensitive: the Host
  // header, or an absolute-form target's authority); otherwise 403.
  std::function<bool(std::string_view origin, const HttpRequest&)> check_origin;
  // The server's preference order; the first one the client also offers wins.
  std::vector<std::string> subprotocols;
  // Extra headers on the 101. Configuration: must hold no CR or LF.
  HeaderList response_headers;
};

struct UpgradeRejection {
  int status = 0;           // 0 = accepted
  std::string_view reason;  // a static one-line reason, for the error body
};

// Checks `request` against RFC 6455 4.2.1, first failure wins, in this order:
//   400  method not GET, version below HTTP/1.1, Host missing/duplicated/empty,
//        a body (any Transfer-Encoding, or a Content-Length other than one
//        "0": RFC 9112 6.3; bytes after the head are frames),
//        Upgrade lacking "websocket", Connection lacking "upgrade" (both
//        case-insensitive token lists, all occurrences),
//   426  Sec-WebSocket-Version missing or not "13" (400 if sent twice),
//   400  Sec-WebSocket-Key missing, duplicated, or not base64 of 16 bytes,
//   403  "Host not allowed": request.authority() (Host, or the absolute-form
//        target's authority) refused by `hosts`, the DNS-rebinding check
//        (ws/host_check.hpp: a server listening on loopback accepts only
//        loopback names unless --allowed-hosts lists more),
//   403  Origin refused by check_origin.
// Policy (host, then origin) comes last so a 403 means "a valid handshake,
// refused". Host goes before Origin: a rebound page sends a matching Origin,
// so Host is what tells it. The default `hosts` allows any Host.
UpgradeRejection check_upgrade_request(const HttpRequest& request, const UpgradeOptions& options,
                                       const HostPolicy& hosts = {});

// Sec-WebSocket-Accept for a client key (RFC 6455 4.2.2 item 5.4):
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string compute_accept_key(std::string_view client_key);

// The subprotocol the server picks from all Sec-WebSocket-Protocol headers
// (comma lists, exact match), or empty. The view points into `options`.
std::string_view select_subprotocol(const HttpRequest& request,
                                    const UpgradeOptions& options) noexcept;

// Appends the complete 101 response for a request that passed
// check_upgrade_request: status line, Upgrade, Connection,
// Sec-WebSocket-Accept, Sec-WebSocket-Protocol if one was picked,
// options.response_headers, blank line.
void append_upgrade_response(std::string& out, const HttpRequest& request,
                             const UpgradeOptions& options);
// The same with the subprotocol given (one the client offered, or "" for
// none) and `more_headers` after the options' own: what an upgrade hook
// decided (ws/upgrade_hook.hpp).
void append_upgrade_response(std::string& out, const HttpRequest& request,
                             const UpgradeOptions& options, std::string_view subprotocol,
                             const HeaderList& more_headers);

// Appends an error response: status line with the standard reason phrase,
// Content-Type: text/plain, Content-Length, Connection: close, then `body`
// and "\n". A 426 also carries Upgrade: websocket, "Connection: Upgrade,
// close" and Sec-WebSocket-Version: 13 (RFC 9110 15.5.22, RFC 6455 4.2.2).
void append_error_response(std::string& out, int status, std::string_view body);

// The standard reason phrase of a status this server sends (RFC 9110 15),
// "Error" for any other.
std::string_view reason_phrase(int status) noexcept;

}  // namespace ws
