#include "core/units.hpp"

namespace core {
namespace {

// Digits only, at most `max_digits` of them (so the value cannot overflow).
std::optional<std::uint64_t> parse_digits(std::string_view text, std::size_t max_digits) noexcept {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::uint64_t size_multiplier(char suffix) noexcept {
  switch (suffix) {
    case 'K':
    case 'k':
      return 1ull << 10;
    case 'M':
    case 'm':
      return 1ull << 20;
    case 'G':
    case 'g':
      return 1ull << 30;
    default:
      return 1;
  }
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
  const std::uint64_t multiplier = text.empty() ? 1 : size_multiplier(text.back());
  if (multiplier != 1) text.remove_suffix(1);
  const auto value = parse_digits(text, 16);
  if (!value || *value > (1ull << 50) / multiplier) return std::nullopt;
  return *value * multiplier;
}

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) noexcept {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  const auto seconds = whole.empty() ? std::optional<std::uint64_t>(0) : parse_digits(whole, 8);
  if (!seconds || *seconds > 10'000'000) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;  // "1."
  // Milliseconds from the first three fraction digits; any further non-zero
  // digit rounds up.
  std::uint64_t millis = 0;
  bool round_up = false;
  for (std::size_t i = 0; i < fraction.size(); ++i) {
    const char c = fraction[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (i < 3)
      millis = millis * 10 + static_cast<std::uint64_t>(c - '0');
    else if (c != '0')
      round_up = true;
  }
  for (std::size_t i = fraction.size(); i < 3; ++i) millis *= 10;
  if (round_up) ++millis;
  return std::chrono::milliseconds(*seconds * 1000 + millis);
}

}  // namespace core
