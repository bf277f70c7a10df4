// The client side of the opening handshake (RFC 6455 4.1).
#include "ws/client_handshake.hpp"

#include <openssl/evp.h>
#include <sys/random.h>

#include <cerrno>
#include <system_error>

#include "ws/http_request.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (ascii_iequals(trim_ows(list.substr(0, comma)), token)) return true;
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return false;
}

bool is_token_char(char c) noexcept {
  // RFC 9110 5.6.2 tchar.
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "HTTP/1.1 SP 3DIGIT [SP reason]" (RFC 9112 4): the status, or -1.
int parse_status_line(std::string_view line) noexcept {
  if (line.size() < 12 || line.substr(0, 9) != "HTTP/1.1 ") return -1;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    const char c = line[i];
    if (c < '0' || c > '9') return -1;
    status = status * 10 + (c - '0');
  }
  if (line.size() > 12 && line[12] != ' ') return -1;
  return status;
}

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The response headers the checks look at; views into the head.
struct ResponseHeaders {
  std::string_view upgrade, accept, protocol, location;
  bool connection_upgrade = false;
  int accepts = 0, protocols = 0, extensions = 0;
};

// Reads "name: value" lines (each ending in CRLF); the reason a line is
// malformed, or empty.
std::string_view read_headers(std::string_view head, ResponseHeaders& out) {
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return "malformed header line";
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!is_token_char(c)) return "malformed header line";
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (value.find_first_of("\r\n") != std::string_view::npos) return "malformed header line";
    if (ascii_iequals(name, "Upgrade")) {
      out.upgrade = value;
    } else if (ascii_iequals(name, "Connection")) {
      out.connection_upgrade = out.connection_upgrade || has_token(value, "upgrade");
    } else if (ascii_iequals(name, "Sec-WebSocket-Accept")) {
      out.accept = value;
      ++out.accepts;
    } else if (ascii_iequals(name, "Sec-WebSocket-Protocol")) {
      out.protocol = value;
      ++out.protocols;
    } else if (ascii_iequals(name, "Sec-WebSocket-Extensions")) {
      ++out.extensions;
    } else if (ascii_iequals(name, "Location")) {
      out.location = value;
    }
  }
  return {};
}

// 4.1, the client's checks of a 101, in the RFC's order; the failure, or empty.
std::string_view judge_upgrade(const ResponseHeaders& h, std::string_view key,
                               std::span<const std::string> offered) {
  if (h.upgrade.empty()) return "Upgrade header missing";
  if (!ascii_iequals(h.upgrade, "websocket")) return "Upgrade is not websocket";
  if (!h.connection_upgrade) return "Connection header lacks \"upgrade\"";
  if (h.accepts == 0) return "Sec-WebSocket-Accept missing";
  if (h.accepts > 1) return "Sec-WebSocket-Accept sent twice";
  if (h.accept != compute_accept_key(key)) return "Sec-WebSocket-Accept does not match the key";
  if (h.extensions > 0) return "Sec-WebSocket-Extensions in the response, none was offered";
  if (h.protocols == 0) return {};
  if (offered.empty()) return "Sec-WebSocket-Protocol in the response, none was offered";
  if (h.protocols > 1) return "Sec-WebSocket-Protocol sent twice";
  for (const std::string& mine : offered)
    if (mine == h.protocol) return {};
  return "Sec-WebSocket-Protocol is not one that was offered";
}

HandshakeCheck rejected(HandshakeCheck check, std::string_view reason) noexcept {
  check.result = -1;
  check.reason = reason;
  return check;
}

HandshakeCheck reject(std::string_view reason) noexcept { return rejected({}, reason); }

}  // namespace

std::string make_client_key() {
  unsigned char raw[16];
  std::size_t got = 0;
  while (got < sizeof raw) {
    const ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    got += static_cast<std::size_t>(n);
  }
  unsigned char encoded[25];  // 24 characters + NUL
  const int length = EVP_EncodeBlock(encoded, raw, sizeof raw);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
}

void append_client_request(std::string& out, const ClientRequest& request) {
  std::string_view host = request.host;
  for (const auto& [name, value] : request.headers)
    if (ascii_iequals(name, "Host")) host = value;
  const std::string_view resource = request.resource.empty() ? "/" : request.resource;
  out.append("GET ").append(resource).append(" HTTP/1.1\r\n");
  out.append("Host: ").append(host).append("\r\n");
  out.append(
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: ");
  out.append(request.key).append("\r\nSec-WebSocket-Version: 13\r\n");
  if (!request.subprotocols.empty()) {  // 4.1 item 10: one header, comma-separated
    out.append("Sec-WebSocket-Protocol: ");
    for (std::size_t i = 0; i < request.subprotocols.size(); ++i)
      out.append(i ? ", " : "").append(request.subprotocols[i]);
    out.append("\r\n");
  }
  for (const auto& [name, value] : request.headers) {
    if (ascii_iequals(name, "Host")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("\r\n");
}

void append_client_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view key) {
  append_client_request(out, ClientRequest{host, path, key, {}, {}});
}

std::string_view check_extra_header(std::string_view name, std::string_view value) {
  if (name.empty()) return "empty header name";
  for (char c : name)
    if (!is_token_char(c)) return "header name is not a token";
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return "header value holds CR, LF or NUL";
  for (std::string_view own :
       {"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Sec-WebSocket-Accept"})
    if (ascii_iequals(name, own)) return "the handshake writes this header itself";
  return {};
}

bool is_valid_subprotocol(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_token_char(c)) return false;
  return true;
}

HandshakeCheck check_upgrade_response(std::string_view bytes, std::string_view key,
                                      std::span<const std::string> subprotocols) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() > max_response_head) return reject("response head too large");
    return HandshakeCheck{};
  }
  if (end + 4 > max_response_head) return reject("response head too large");
  std::string_view head = bytes.substr(0, end + 2);  // every line with its CRLF

  HandshakeCheck check;
  const std::size_t eol = head.find("\r\n");
  check.status_line = head.substr(0, eol);
  head.remove_prefix(eol + 2);
  check.status = parse_status_line(check.status_line);
  if (check.status < 0) return reject("malformed status line");
  ResponseHeaders headers;
  if (const std::string_view bad = read_headers(head, headers); !bad.empty())
    return rejected(check, bad);
  if (check.status != 101) {
    if (is_redirect(check.status)) check.location = headers.location;
    return rejected(check, "status is not 101 Switching Protocols");
  }
  if (const std::string_view bad = judge_upgrade(headers, key, subprotocols); !bad.empty())
    return rejected(check, bad);
  check.result = static_cast<int>(end + 4);
  check.subprotocol = headers.protocol;
  return check;
}

}  // namespace ws
