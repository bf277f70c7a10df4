#include "tools/wsload_pubsub.hpp"

#include <cstring>

namespace wsload {
namespace {

constexpr std::size_t time_at = PayloadPattern::stamp_size;  // 16
constexpr std::size_t time_digits = 12;                      // 60 bits of ns: 36 years
constexpr std::size_t check_at = time_at + time_digits;      // 28
constexpr std::size_t check_digits = 4;

}  // namespace

static_assert(check_at + check_digits == PubSubMessage::header_size);

std::uint64_t PubSubMessage::check(std::uint32_t publisher, std::uint64_t seq, Nanos due) noexcept {
  const std::uint64_t mix = (seq * 0x9E3779B97F4A7C15ull) ^ (publisher * 0xC2B2AE3D27D4EB4Full) ^
                            (static_cast<std::uint64_t>(due) * 0xFF51AFD7ED558CCDull);
  return mix >> 44;
}

std::span<const std::uint8_t> PubSubMessage::build(std::uint32_t publisher, std::uint64_t seq,
                                                   Nanos due) {
  const std::span<const std::uint8_t> stamped = pattern_.message(publisher, seq);
  std::memcpy(scratch_.data(), stamped.data(), stamped.size());
  PayloadPattern::put_digits(scratch_.data() + time_at, static_cast<std::uint64_t>(due),
                             time_digits);
  PayloadPattern::put_digits(scratch_.data() + check_at, check(publisher, seq, due), check_digits);
  return scratch_;
}

bool PubSubMessage::read(std::span<const std::uint8_t> payload, std::uint32_t& publisher,
                         std::uint64_t& seq, Nanos& due) const {
  std::uint64_t time = 0, sum = 0;
  if (payload.size() != scratch_.size() || !PayloadPattern::parse_stamp(payload, publisher, seq) ||
      !PayloadPattern::parse_digits(payload.data() + time_at, time_digits, time) ||
      !PayloadPattern::parse_digits(payload.data() + check_at, check_digits, sum))
    return false;
  due = static_cast<Nanos>(time);
  return sum == check(publisher, seq, due) &&
         pattern_.filler_matches(header_size, payload.subspan(header_size));
}

}  // namespace wsload
