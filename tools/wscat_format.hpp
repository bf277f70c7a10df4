// How wscat writes bytes for people, and reads the bytes people write.
// Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wscat {

// Bytes shown of a binary message; the rest is counted, not shown.
inline constexpr std::size_t hex_preview_bytes = 32;

// "[binary, 3 bytes] 01 02 ff"; past hex_preview_bytes, " ..." ends it.
std::string hex_preview(std::span<const std::uint8_t> bytes);

// "0102ff", "01 02 FF" (whitespace between bytes allowed) -> bytes; false
// on an odd digit count or a character that is not a hex digit.
bool parse_hex(std::string_view text, std::vector<std::uint8_t>& out);

// Text safe to write to a terminal: C0 controls but tab and newline, DEL,
// and the C1 controls (U+0080..U+009F) become \xNN (\u0080..), so that a
// message cannot move the cursor or retitle the window. Other bytes as is.
std::string for_terminal(std::string_view text);

}  // namespace wscat
