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

HandshakeCheck reject(std::string_view reason, int status = 0) noexcept {
  return HandshakeCheck{-1, reason, status};
}

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

void append_client_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view key) {
  out.append("GET ").append(path.empty() ? "/" : path).append(" HTTP/1.1\r\n");
  out.append("Host: ").append(host).append("\r\n");
  out.append(
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: ");
  out.append(key).append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
}

HandshakeCheck check_upgrade_response(std::string_view bytes, std::string_view key) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() > max_response_head) return reject("response head too large");
    return HandshakeCheck{};
  }
  if (end + 4 > max_response_head) return reject("response head too large");
  std::string_view head = bytes.substr(0, end + 2);  // every line with its CRLF

  // Status line: HTTP/1.1 SP 3DIGIT SP reason (RFC 9112 4).
  std::size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  head.remove_prefix(eol + 2);
  if (status_line.size() < 12 || status_line.substr(0, 9) != "HTTP/1.1 ")
    return reject("malformed status line");
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    const char c = status_line[i];
    if (c < '0' || c > '9') return reject("malformed status line");
    status = status * 10 + (c - '0');
  }
  if (status_line.size() > 12 && status_line[12] != ' ') return reject("malformed status line");
  if (status != 101) return reject("status is not 101 Switching Protocols", status);

  bool upgrade_ok = false, connection_ok = false, accept_seen = false, accept_ok = false;
  const std::string expected_accept = compute_accept_key(key);
  while (!head.empty()) {
    eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return reject("malformed header line", status);
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!is_token_char(c)) return reject("malformed header line", status);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (value.find_first_of("\r\n") != std::string_view::npos)
      return reject("malformed header line", status);
    if (ascii_iequals(name, "Upgrade")) {
      upgrade_ok = ascii_iequals(value, "websocket");  // 4.1 item 2 of the response checks
      if (!upgrade_ok) return reject("Upgrade is not websocket", status);
    } else if (ascii_iequals(name, "Connection")) {
      connection_ok = connection_ok || has_token(value, "upgrade");
    } else if (ascii_iequals(name, "Sec-WebSocket-Accept")) {
      if (accept_seen) return reject("Sec-WebSocket-Accept sent twice", status);
      accept_seen = true;
      accept_ok = value == expected_accept;
    } else if (ascii_iequals(name, "Sec-WebSocket-Extensions")) {
      return reject("Sec-WebSocket-Extensions in the response, none was offered", status);
    } else if (ascii_iequals(name, "Sec-WebSocket-Protocol")) {
      return reject("Sec-WebSocket-Protocol in the response, none was offered", status);
    }
  }
  if (!upgrade_ok) return reject("Upgrade header missing", status);
  if (!connection_ok) return reject("Connection header lacks \"upgrade\"", status);
  if (!accept_seen) return reject("Sec-WebSocket-Accept missing", status);
  if (!accept_ok) return reject("Sec-WebSocket-Accept does not match the key", status);
  return HandshakeCheck{static_cast<int>(end + 4), {}, status};
}

}  // namespace ws
