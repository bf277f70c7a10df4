#include "bench/corpus.hpp"

#include <string>

namespace wsbench {
namespace {

// splitmix64: tiny, and its output is fixed by its definition, whereas
// std::uniform_int_distribution may differ between standard libraries.
class Random {
 public:
  explicit Random(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^32.
  std::uint32_t below(std::uint32_t n) noexcept { return static_cast<std::uint32_t>(next() % n); }
  bool percent(std::uint32_t p) noexcept { return below(100) < p; }

 private:
  std::uint64_t state_;
};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::string_view words[] = {
    "the",     "of",      "and",     "to",      "in",      "is",       "that",    "for",
    "it",      "as",      "was",     "with",    "be",      "by",       "on",      "not",
    "he",      "this",    "are",     "or",      "his",     "from",     "at",      "which",
    "but",     "have",    "an",      "had",     "they",    "you",      "were",    "their",
    "one",     "all",     "we",      "can",     "her",     "has",      "there",   "been",
    "server",  "message", "frame",   "socket",  "buffer",  "payload",  "client",  "browser",
    "network", "kernel",  "thread",  "latency", "request", "through",  "between", "without",
    "because", "another", "morning", "evening", "river",   "mountain", "letter",  "question"};

constexpr std::string_view punctuation[] = {". ", ", ", "; ", "? ", "! ", ": "};

// 2-byte Latin-1 letters: à á â ä ç è é ê ë ì í î ï ñ ò ó ô ö ù ú û ü ý ÿ.
constexpr char32_t accented[] = {0xE0, 0xE1, 0xE2, 0xE4, 0xE7, 0xE8, 0xE9, 0xEA,
                                 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF1, 0xF2, 0xF3,
                                 0xF4, 0xF6, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFF};

// One sentence of English-like words; with `accent_percent`, that share of
// its letters become accented ones (upper case stays ASCII).
void append_sentence(std::string& out, Random& random, std::uint32_t accent_percent) {
  const std::uint32_t count = 6 + random.below(11);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::string_view word = words[random.below(std::size(words))];
    for (std::size_t j = 0; j < word.size(); ++j) {
      if (i == 0 && j == 0) {
        out += static_cast<char>(word[j] - 'a' + 'A');
      } else if (accent_percent > 0 && random.percent(accent_percent)) {
        append_utf8(out, accented[random.below(std::size(accented))]);
      } else {
        out += word[j];
      }
    }
    if (i + 1 < count) out += random.percent(10) ? punctuation[1] : " ";
  }
  out += random.percent(80) ? punctuation[0] : punctuation[2 + random.below(4)];
  if (random.percent(12)) out += '\n';
}

void append_cjk_run(std::string& out, Random& random) {
  const std::uint32_t count = 5 + random.below(21);
  for (std::uint32_t i = 0; i < count; ++i) append_utf8(out, 0x4E00 + random.below(0x51A6));
  out += punctuation[random.below(std::size(punctuation))];
}

void append_emoji_group(std::string& out, Random& random) {
  const std::uint32_t count = 1 + random.below(4);
  for (std::uint32_t i = 0; i < count; ++i) {
    switch (random.below(3)) {
      case 0:
        append_utf8(out, 0x1F600 + random.below(0x50));  // emoticons
        break;
      case 1:
        append_utf8(out, 0x1F300 + random.below(0x300));  // symbols and pictographs
        break;
      default:
        append_utf8(out, 0x1F680 + random.below(0x46));  // transport and map
        break;
    }
  }
  out += ' ';
}

void append_piece(std::string& out, Corpus corpus, Random& random) {
  switch (corpus) {
    case Corpus::ascii:
      return append_sentence(out, random, 0);
    case Corpus::latin:
      return append_sentence(out, random, 15);
    case Corpus::cjk:
      return append_cjk_run(out, random);
    case Corpus::emoji:
      return append_emoji_group(out, random);
    case Corpus::mixed:
      return append_piece(out, all_corpora[random.below(4)], random);
  }
}

}  // namespace

std::string_view corpus_name(Corpus corpus) noexcept {
  switch (corpus) {
    case Corpus::ascii:
      return "ascii";
    case Corpus::latin:
      return "latin";
    case Corpus::cjk:
      return "cjk";
    case Corpus::emoji:
      return "emoji";
    case Corpus::mixed:
      return "mixed";
  }
  return "?";
}

std::vector<std::uint8_t> make_corpus(Corpus corpus, std::size_t size) {
  Random random(0x5EED0000u + static_cast<std::uint64_t>(corpus));
  std::string text;
  text.reserve(size + 128);
  while (text.size() <= size) append_piece(text, corpus, random);
  // Cut at `size`, backing up to the start of a code point it would split.
  std::size_t cut = size;
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text.resize(size, ' ');
  return {text.begin(), text.end()};
}

}  // namespace wsbench
