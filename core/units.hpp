// Units for command-line values: sizes in bytes with K/M/G suffixes, and
// durations in seconds with an optional fraction. Start-up configuration
// only; both return nullopt for anything malformed or out of range.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace core {

// "65536", "64K", "1M", "2g" -> bytes. Whole numbers; K, M and G are powers
// of 1024. At most 2^50 bytes.
std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

// "10", "0.5", "2.25", ".1" -> milliseconds (fractions finer than 1 ms are
// rounded up, so "0.0001" is 1 ms, never 0). At most 10^7 seconds.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) noexcept;

}  // namespace core
