// The opening handshake, server side (RFC 6455 4.2): request checks, accept
// key, subprotocol choice, and the bytes of the 101 and error responses.
#include "ws/upgrade.hpp"

#include <openssl/evp.h>

namespace ws {
namespace {

// RFC 6455 1.3: the GUID every server appends to the client's key.
constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

UpgradeRejection reject(int status, std::string_view reason) noexcept {
  return UpgradeRejection{status, reason};
}

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// RFC 6455 4.2.1 item 5: the key must decode to exactly 16 bytes. In base64
// (RFC 4648 4) that is 22 alphabet characters and "==", nothing else: 15
// bytes make 20 characters, 17 bytes end in a single '='. The 4 spare bits
// of the 22nd character are not required to be zero (RFC 4648 3.5 lets
// decoders accept that, as gorilla and python-websockets do): the accept key
// hashes the key as sent, so a non-canonical key is harmless.
bool is_valid_key(std::string_view key) noexcept {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i)
    if (!is_base64_char(key[i])) return false;
  return true;
}

// host[:port] of a serialized origin "scheme://host[:port]" (RFC 6454 6.2),
// or empty if `origin` has no authority (such as the opaque origin "null").
std::string_view origin_authority(std::string_view origin) noexcept {
  std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = origin.substr(scheme_end + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// Same-origin policy by default (RFC 6455 10.2): browsers always send Origin,
// so an absent one is a non-browser client, which Origin cannot protect
// against anyway. No default-port folding: "https://h" does not match "h:443".
// Compared with the request's authority: Host, or the target's authority in
// the absolute-form (RFC 9112 3.2.2).
bool same_origin(std::string_view origin, const HttpRequest& request) noexcept {
  if (origin.empty()) return true;
  std::string_view authority = origin_authority(origin);
  return !authority.empty() && ascii_iequals(authority, request.authority());
}

UpgradeRejection check_version(const HttpRequest& request) noexcept {
  // RFC 6455 11.3.5: sent at most once. RFC 6455 4.2.2 item 4: any version
  // but 13 gets 426 with our version, so the client can retry with it.
  std::size_t count = request.count("Sec-WebSocket-Version");
  if (count > 1) return reject(400, "Sec-WebSocket-Version sent more than once");
  if (request.header("Sec-WebSocket-Version") != "13")
    return reject(426, "Sec-WebSocket-Version must be 13");
  return {};
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

UpgradeRejection check_upgrade_request(const HttpRequest& request, const UpgradeOptions& options,
                                       const HostPolicy& hosts) {
  // RFC 6455 4.2.1 items 1-4 (and no body, RFC 9112 6.3), then 6 before 5:
  // a client of another version may well send another kind of key, and
  // deserves the 426 that tells it our version. Then the policies: the host
  // (DNS rebinding), and the origin (item 7) last.
  if (request.method != "GET") return reject(400, "method must be GET");
  if (request.version_minor < 1) return reject(400, "HTTP/1.1 or later required");
  if (request.count("Host") != 1 || request.header("Host").empty())
    return reject(400, "exactly one non-empty Host header required");
  // An upgrade GET has no body (RFC 6455 4.1): what follows its head is read
  // as frames, so a body would be misread as frames. Content-Length: 0 is
  // harmless; any Transfer-Encoding is not, whatever its codings (a proxy
  // may have added them).
  if (request.has_body()) return reject(400, "a WebSocket upgrade request must not have a body");
  if (!request.has_token("Upgrade", "websocket"))
    return reject(400, "Upgrade header must contain websocket");
  if (!request.has_token("Connection", "upgrade"))
    return reject(400, "Connection header must contain upgrade");
  if (UpgradeRejection r = check_version(request); r.status != 0) return r;
  // RFC 6455 11.3.1: Sec-WebSocket-Key must not appear more than once.
  if (request.count("Sec-WebSocket-Key") != 1 || !is_valid_key(request.header("Sec-WebSocket-Key")))
    return reject(400, "Sec-WebSocket-Key must be one base64-encoded 16-byte value");
  if (!hosts.allows(request.authority())) return reject(403, "Host not allowed");
  std::string_view origin = request.header("Origin");
  bool allowed =
      options.check_origin ? options.check_origin(origin, request) : same_origin(origin, request);
  if (!allowed) return reject(403, "origin not allowed");
  return {};
}

std::string compute_accept_key(std::string_view client_key) {
  std::string input;
  input.reserve(client_key.size() + websocket_guid.size());
  input.append(client_key).append(websocket_guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // Cannot fail for SHA-1 short of memory exhaustion; an empty result would
  // then simply fail the client's check.
  if (EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1)
    return {};
  // 20 digest bytes encode to 28 characters plus the NUL EVP_EncodeBlock adds.
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int length = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
}

std::string_view select_subprotocol(const HttpRequest& request,
                                    const UpgradeOptions& options) noexcept {
  // RFC 6455 4.2.2 item 4 /subprotocol/: one of the client's values, or
  // none. Subprotocol names are compared exactly, as they are echoed back.
  for (const std::string& ours : options.subprotocols) {
    std::string_view wanted = ours;
    if (request.any_element("Sec-WebSocket-Protocol",
                            [wanted](std::string_view e) { return e == wanted; }))
      return wanted;
  }
  return {};
}

void append_upgrade_response(std::string& out, const HttpRequest& request,
                             const UpgradeOptions& options) {
  append_upgrade_response(out, request, options, select_subprotocol(request, options), {});
}

void append_upgrade_response(std::string& out, const HttpRequest& request,
                             const UpgradeOptions& options, std::string_view subprotocol,
                             const HeaderList& more_headers) {
  // RFC 6455 4.2.2 item 5.
  out.append("HTTP/1.1 101 Switching Protocols\r\n");
  append_header(out, "Upgrade", "websocket");
  append_header(out, "Connection", "Upgrade");
  append_header(out, "Sec-WebSocket-Accept",
                compute_accept_key(request.header("Sec-WebSocket-Key")));
  if (!subprotocol.empty()) append_header(out, "Sec-WebSocket-Protocol", subprotocol);
  for (const auto& [name, value] : options.response_headers) append_header(out, name, value);
  for (const auto& [name, value] : more_headers) append_header(out, name, value);
  out.append("\r\n");
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {  // RFC 9110 15
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";  // RFC 6585 4
    case 431:
      return "Request Header Fields Too Large";  // RFC 6585 5
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void append_error_response(std::string& out, int status, std::string_view body) {
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(reason_phrase(status)).append("\r\n");
  append_header(out, "Content-Type", "text/plain");
  append_header(out, "Content-Length", std::to_string(body.size() + 1));
  if (status == 426) {
    // RFC 9110 15.5.22: a 426 names the protocol to upgrade to, and
    // RFC 9110 7.8: whoever sends Upgrade lists it in Connection.
    append_header(out, "Connection", "Upgrade, close");
    append_header(out, "Upgrade", "websocket");
    // RFC 6455 4.2.2 item 4: the versions this server speaks.
    append_header(out, "Sec-WebSocket-Version", "13");
  } else {
    append_header(out, "Connection", "close");
  }
  out.append("\r\n").append(body).append("\n");
}

}  // namespace ws
