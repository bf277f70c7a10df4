// tests/support/http_handshake.hpp: the HTTP side of the opening handshake, RFC
// 6455 4.1/4.2: building upgrade requests (valid by default, every part
// replaceable so tests can break one thing at a time), parsing a response head,
// and computing Sec-WebSocket-Accept (SHA-1 from OpenSSL, base64 written here).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wstest {

std::string base64_encode(std::string_view bytes);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 4.2.2.
std::string websocket_accept(std::string_view key);

// base64 of 16 random bytes.
std::string random_websocket_key();

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UpgradeRequest {
  std::string method = "GET";
  std::string target = "/echo";
  std::string version = "HTTP/1.1";
  HeaderList headers;  // in order; names as written

  // A valid request: Host, Upgrade, Connection, Sec-WebSocket-Key,
  // Sec-WebSocket-Version: 13.
  static UpgradeRequest standard(std::string host, std::string key = random_websocket_key());

  // Replaces the value of the first header named `name` (case-insensitive)
  // or appends it.
  void set(const std::string& name, const std::string& value);
  void remove(const std::string& name);
  std::string get(const std::string& name) const;  // "" if absent

  std::string render() const;  // request line, headers, blank line
};

struct HttpResponse {
  std::string version;
  int status = 0;
  std::string reason;
  HeaderList headers;

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // first, "" if absent
};

// Parses a response head (through the blank line). False if malformed.
bool parse_response_head(std::string_view head, HttpResponse& out);

// True if the comma-separated header value `list` contains `token`,
// case-insensitively (RFC 7230 3.2.6 tokens, optional whitespace).
bool header_has_token(std::string_view list, std::string_view token);

bool iequals(std::string_view a, std::string_view b);

}  // namespace wstest
