#include "tools/wscat_format.hpp"

#include <cstdio>

namespace wscat {
namespace {

constexpr char digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string hex_preview(std::span<const std::uint8_t> bytes) {
  std::string out =
      "[binary, " + std::to_string(bytes.size()) + (bytes.size() == 1 ? " byte]" : " bytes]");
  const std::size_t shown = bytes.size() < hex_preview_bytes ? bytes.size() : hex_preview_bytes;
  for (std::size_t i = 0; i < shown; ++i) {
    out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  if (shown < bytes.size()) out += " ...";
  return out;
}

bool parse_hex(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  int high = -1;  // the first digit of a byte, while its second is awaited
  for (const char c : text) {
    if (is_space(c) && high < 0) continue;
    const int v = hex_value(c);
    if (v < 0) return false;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return high < 0;
}

std::string for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    char escaped[8];
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // UTF-8 of U+0080..U+009F
      std::snprintf(escaped, sizeof escaped, "\\u%04x", next);
      out += escaped;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace wscat
