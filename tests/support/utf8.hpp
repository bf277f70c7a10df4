// tests/support/utf8.hpp: UTF-8 for the test data: an encoder that also writes
// what UTF-8 forbids (surrogates, code points above U+10FFFF) so the suite can
// build invalid input, and a prefix validator that says at which byte a correct
// streaming validator must give up (Unicode 15, table 3-7 "well-formed byte
// sequences"; RFC 3629; RFC 6455 8.1). Independent of the server's code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wstest {

// Encodes any value up to 0x1FFFFF in the 1..4 byte pattern, valid or not.
std::string utf8_encode(std::uint32_t code_point);

// Index of the first byte at which `bytes` stops being a prefix of some
// valid UTF-8 string, or npos if every byte so far could still be valid
// (the input may end inside a sequence).
std::size_t utf8_first_invalid(std::string_view bytes);

// True if `bytes` is complete, valid UTF-8.
bool utf8_valid(std::string_view bytes);

// Text of exactly `size` bytes of valid UTF-8 mixing 1-, 2-, 3- and 4-byte
// sequences (padded with ASCII), deterministic for a given size.
std::string utf8_text_payload(std::size_t size);

// Arbitrary bytes, deterministic for (size, seed).
std::string binary_payload(std::size_t size, std::uint32_t seed = 1);

}  // namespace wstest
