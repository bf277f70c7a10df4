// Text corpora for the UTF-8 and frame benchmarks: deterministic (the same
// bytes on every machine and every run, from a fixed seed and our own
// generator, not a std:: distribution), always valid UTF-8, exactly the size
// asked for.
//
//   ascii  printable English-like text: words, punctuation, line breaks
//   latin  the same text with ~15% of its letters 2-byte accented (é, ñ, ü...)
//   cjk    runs of 3-byte CJK ideographs broken by ASCII punctuation
//   emoji  4-byte emoji in groups of one to four, separated by spaces
//   mixed  pieces of the four above, picked at random, one after another
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace wsbench {

enum class Corpus : std::uint8_t { ascii, latin, cjk, emoji, mixed };

inline constexpr Corpus all_corpora[] = {Corpus::ascii, Corpus::latin, Corpus::cjk, Corpus::emoji,
                                         Corpus::mixed};

std::string_view corpus_name(Corpus corpus) noexcept;

// `size` bytes of the corpus; the tail is padded with spaces so that the cut
// falls on a code point boundary.
std::vector<std::uint8_t> make_corpus(Corpus corpus, std::size_t size);

}  // namespace wsbench
