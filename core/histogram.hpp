// Histogram: a log-linear histogram of non-negative 64-bit values (the load
// generator records round-trip times in nanoseconds), in the manner of
// HdrHistogram, written here.
//
// Layout: values below 2^(p+1) (p = precision_bits) each have their own
// bucket; above that, every power-of-two range [2^e, 2^(e+1)) is cut into
// 2^p buckets of equal width 2^(e-p). So a bucket is never wider than 2^-p
// of its lower bound: with p = 7, a reported value is within 0.4% of the
// recorded one (the midpoint of a bucket is reported), across the whole
// 64-bit range, in a fixed 58 KiB table (7424 counters). record() is a
// count-leading-zeros, a shift and an increment: no allocation, no branch
// on the value's magnitude beyond one compare.
//
// Thread safety: none. Keep one per thread and merge() them at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace core {

class Histogram {
 public:
  static constexpr unsigned precision_bits = 7;
  // Worst-case |reported - recorded| / recorded for any value it holds.
  static constexpr double max_relative_error = 1.0 / (1u << (precision_bits + 1));

  Histogram();

  void record(std::uint64_t value) noexcept { record(value, 1); }
  void record(std::uint64_t value, std::uint64_t times) noexcept;
  // Adds every value `other` holds.
  void merge(const Histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  // Exact; 0 when empty.
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

  // The value at quantile q in [0, 1] (q = 0.99 is p99): the recorded value
  // of rank ceil(q * count) (at least 1) in sorted order, within
  // max_relative_error, never above max(), exactly max() for the top rank.
  // 0 when empty. O(bucket_count).
  std::uint64_t percentile(double q) const noexcept;

  // Bucket arithmetic, public for tests.
  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t bucket_low(std::size_t bucket) noexcept;
  static std::uint64_t bucket_width(std::size_t bucket) noexcept;
  static constexpr std::size_t bucket_count = (64 - precision_bits + 1) << precision_bits;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace core
