// Fuzz harness: the UTF-8 validators (core/utf8.hpp) against the reference
// decoder of tests/core/utf8_reference.hpp (RFC 3629, judged by code point
// value).
//
// Checks, for the text in the input:
// - every kernel of available_utf8_kernels(), on the whole text placed at a
//   chosen alignment in a block that ends where the text ends, says valid
//   exactly when the reference says valid and complete; so does
//   is_valid_utf8();
// - Utf8Validator, with each kernel and with the default one, fed the text
//   in chunks (sizes drawn from the input: empty ones, ones around the 16-
//   byte vector threshold, long ones), each chunk in a block of its own exact
//   size: feed() returns true up to the chunk before the one holding the
//   reference's first hopeless byte and false from that chunk on, and
//   complete() at the end is the reference's verdict.
//
// Input:
//   byte 0    the text's offset from a 64-byte boundary (low 6 bits)
//   byte 1    the seed of the chunk sizes
//   the rest  the text
#include "core/utf8.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "tests/core/utf8_reference.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace reference = core::utf8_reference;

// Chunk sizes from a seed: mostly short and around 16, 32 and 64 bytes
// (where the kernels switch between the DFA and vectors), now and then empty
// or long.
std::vector<std::size_t> chunk_sizes(std::uint8_t seed, std::size_t total) {
  static constexpr std::size_t menu[] = {0, 1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200};
  std::vector<std::size_t> sizes;
  std::uint32_t state = seed * 2654435761u + 1;
  for (std::size_t done = 0; done < total;) {
    state = state * 1103515245u + 12345u;
    const std::size_t n = std::min(menu[(state >> 16) % std::size(menu)], total - done);
    sizes.push_back(n);
    done += n;
  }
  return sizes;
}

// Feeds `text` in chunks through `feed` and checks each answer.
template <typename Feed>
void check_chunked(std::span<const std::uint8_t> text, const std::vector<std::size_t>& sizes,
                   const reference::Verdict& verdict, const std::string& kernel, Feed feed) {
  core::Utf8Validator validator;
  std::size_t at = 0;
  for (std::size_t n : sizes) {
    fuzz::ExactCopy chunk(text.subspan(at, n));
    at += n;
    const bool ok = feed(validator, std::span<const std::uint8_t>(chunk.data(), n));
    const bool want = verdict.first_invalid == reference::npos || verdict.first_invalid >= at;
    FUZZ_CHECK(ok == want, kernel + ": feed() " + std::to_string(ok) + " on the chunk ending at " +
                               std::to_string(at) + "; first hopeless byte " +
                               std::to_string(verdict.first_invalid) + " in " + fuzz::hex(text));
  }
  FUZZ_CHECK(
      validator.complete() == verdict.complete,
      kernel + ": complete() " + std::to_string(validator.complete()) + " for " + fuzz::hex(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  const std::size_t offset = in.byte() & 63;
  const std::uint8_t seed = in.byte();
  const std::span<const std::uint8_t> text = in.rest();
  const reference::Verdict verdict = reference::check(text);

  fuzz::ExactCopy placed(text, offset);
  FUZZ_CHECK(core::is_valid_utf8(placed.span()) == verdict.complete,
             "is_valid_utf8 for " + fuzz::hex(text));
  const std::vector<std::size_t> sizes = chunk_sizes(seed, text.size());
  for (const core::Utf8Kernel& kernel : core::available_utf8_kernels()) {
    const std::string name(kernel.name);
    FUZZ_CHECK(kernel.validate(placed.data(), placed.size()) == verdict.complete,
               name + ".validate at offset " + std::to_string(offset) + " for " + fuzz::hex(text));
    check_chunked(text, sizes, verdict, name,
                  [&](core::Utf8Validator& v, std::span<const std::uint8_t> chunk) {
                    return v.feed(chunk, kernel);
                  });
  }
  check_chunked(
      text, sizes, verdict, "default",
      [](core::Utf8Validator& v, std::span<const std::uint8_t> chunk) { return v.feed(chunk); });
  return 0;
}
