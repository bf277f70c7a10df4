#include "ws/request_params.hpp"

namespace ws {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form decoding (WHATWG URL, application/x-www-form-urlencoded parsing).
std::optional<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      const int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

std::string_view query_of(std::string_view target) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  return query.substr(0, query.find('#'));
}

}  // namespace

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  std::string_view query = query_of(target);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t equals = pair.find('=');
    const std::optional<std::string> key = form_decode(pair.substr(0, equals));
    if (!key || *key != name) continue;
    if (equals == std::string_view::npos) return std::string{};
    return form_decode(pair.substr(equals + 1));
  }
  return std::nullopt;
}

std::optional<std::string_view> cookie(const HttpRequest& request, std::string_view name) {
  std::optional<std::string_view> found;
  for (std::size_t i = 0; i < request.header_count && !found; ++i) {
    if (!ascii_iequals(request.headers[i].name, "Cookie")) continue;
    std::string_view list = request.headers[i].value;
    while (!list.empty() && !found) {
      const std::size_t semicolon = list.find(';');
      const std::string_view pair = trim_ows(list.substr(0, semicolon));
      list = semicolon == std::string_view::npos ? std::string_view{} : list.substr(semicolon + 1);
      const std::size_t equals = pair.find('=');
      if (equals == std::string_view::npos || trim_ows(pair.substr(0, equals)) != name) continue;
      std::string_view value = trim_ows(pair.substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      found = value;
    }
  }
  return found;
}

}  // namespace ws
