// tests/support/http_handshake.cpp: upgrade requests, response heads, Sec-WebSocket-Accept.
#include "tests/support/http_handshake.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <random>

namespace wstest {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                       (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned v = static_cast<std::uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const unsigned v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                       (static_cast<std::uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string websocket_accept(std::string_view key) {
  const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string random_websocket_key() {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(rng() & 0xFF);
  return base64_encode(raw);
}

UpgradeRequest UpgradeRequest::standard(std::string host, std::string key) {
  UpgradeRequest r;
  r.headers = {{"Host", std::move(host)},
               {"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", std::move(key)},
               {"Sec-WebSocket-Version", "13"}};
  return r;
}

void UpgradeRequest::set(const std::string& name, const std::string& value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

void UpgradeRequest::remove(const std::string& name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

std::string UpgradeRequest::get(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

std::string UpgradeRequest::render() const {
  std::string out = method + " " + target + " " + version + "\r\n";
  for (const auto& [n, v] : headers) out += n + ": " + v + "\r\n";
  out += "\r\n";
  return out;
}

bool HttpResponse::has(const std::string& name) const {
  for (const auto& h : headers) {
    if (iequals(h.first, name)) return true;
  }
  return false;
}

std::string HttpResponse::get(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool parse_response_head(std::string_view head, HttpResponse& out) {
  out = HttpResponse{};
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    const auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos) return false;
    line = head.substr(pos, end - pos);
    pos = end + 2;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return false;
  // Status line: HTTP/1.1 SP 3DIGIT SP reason
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || line.size() < sp1 + 4) return false;
  out.version = std::string(line.substr(0, sp1));
  if (out.version.rfind("HTTP/", 0) != 0) return false;
  int status = 0;
  for (int i = 1; i <= 3; ++i) {
    const char c = line[sp1 + i];
    if (c < '0' || c > '9') return false;
    status = status * 10 + (c - '0');
  }
  out.status = status;
  if (line.size() > sp1 + 4) {
    if (line[sp1 + 4] != ' ') return false;
    out.reason = std::string(line.substr(sp1 + 5));
  }
  while (next_line(line)) {
    if (line.empty()) return true;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    out.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(trim(line.substr(colon + 1))));
  }
  return false;  // no blank line
}

bool header_has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace wstest
