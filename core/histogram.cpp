#include "core/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace core {
namespace {

constexpr unsigned p = Histogram::precision_bits;
constexpr std::uint64_t sub_buckets = std::uint64_t{1} << p;

}  // namespace

Histogram::Histogram() : counts_(bucket_count, 0) {}

// For v < 2^(p+1) the bucket is v itself. Otherwise, with e = the index of
// v's top bit (e > p), the top p+1 bits m = v >> (e - p) lie in [2^p, 2^(p+1))
// and the bucket is (e - p) * 2^p + m. At e = p + 1 that continues the
// linear run without a gap: 2^(p+1) maps to 2 * 2^p.
std::size_t Histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < 2 * sub_buckets) return static_cast<std::size_t>(value);
  const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = e - p;
  return static_cast<std::size_t>(shift * sub_buckets + (value >> shift));
}

std::uint64_t Histogram::bucket_low(std::size_t bucket) noexcept {
  if (bucket < 2 * sub_buckets) return bucket;
  const std::uint64_t shift = bucket / sub_buckets - 1;
  const std::uint64_t m = bucket - shift * sub_buckets;  // in [2^p, 2^(p+1))
  return m << shift;
}

std::uint64_t Histogram::bucket_width(std::size_t bucket) noexcept {
  if (bucket < 2 * sub_buckets) return 1;
  return std::uint64_t{1} << (bucket / sub_buckets - 1);
}

void Histogram::record(std::uint64_t value, std::uint64_t times) noexcept {
  if (times == 0) return;
  counts_[bucket_of(value)] += times;
  count_ += times;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value) * static_cast<double>(times);
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

std::uint64_t Histogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // the top is known exactly
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The midpoint: at most half a bucket (2^-(p+1) relative) from any
      // value in it; clamped to what was actually recorded.
      const std::uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace core
