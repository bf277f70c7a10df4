// tests/core/histogram_test.cpp: the log-linear histogram against a sorted
// reference: every percentile must be within the promised relative error of
// the exact order statistic, for several random distributions.
#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace core {
namespace {

// The exact value of rank ceil(q * n) (at least 1), the contract's definition.
std::uint64_t reference_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_close_to_reference(std::vector<std::uint64_t> values) {
  Histogram h;
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
  for (double q : {0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const double want = static_cast<double>(reference_percentile(values, q));
    const double got = static_cast<double>(h.percentile(q));
    EXPECT_LE(std::abs(got - want), want * Histogram::max_relative_error)
        << "q=" << q << " want " << want << " got " << got;
  }
  EXPECT_EQ(h.percentile(1.0), values.back());
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 127u);
  EXPECT_EQ(h.percentile(0.0), 0u);
  EXPECT_EQ(h.percentile(1.0), 255u);
}

TEST(Histogram, BucketsTileTheWholeRangeWithBoundedWidth) {
  // Every bucket starts where the previous one ended, and is at most 2^-p
  // of its lower bound wide (beyond the exact run).
  std::uint64_t next = 0;
  for (std::size_t b = 0; b < Histogram::bucket_count; ++b) {
    ASSERT_EQ(Histogram::bucket_low(b), next) << b;
    ASSERT_EQ(Histogram::bucket_of(next), b);
    const std::uint64_t w = Histogram::bucket_width(b);
    if (w > 1) {
      ASSERT_LE(w << Histogram::precision_bits, Histogram::bucket_low(b));
    }
    ASSERT_EQ(Histogram::bucket_of(next + w - 1), b);
    next += w;
  }
  EXPECT_EQ(next, 0u);  // wrapped: the last bucket ends at 2^64
  EXPECT_EQ(Histogram::bucket_of(UINT64_MAX), Histogram::bucket_count - 1);
}

TEST(Histogram, UniformMatchesSortedReference) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::uint64_t> dist(0, 10'000'000);
  std::vector<std::uint64_t> values(100'000);
  for (auto& v : values) v = dist(rng);
  expect_close_to_reference(std::move(values));
}

TEST(Histogram, LogNormalLatenciesMatchSortedReference) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(50'000.0), 1.5);  // ~50 us, long tail
  std::vector<std::uint64_t> values(200'000);
  for (auto& v : values) v = static_cast<std::uint64_t>(dist(rng));
  expect_close_to_reference(std::move(values));
}

TEST(Histogram, ExponentialAndHugeValuesMatchSortedReference) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> dist(1e-6);
  std::vector<std::uint64_t> values(50'000);
  for (auto& v : values) v = static_cast<std::uint64_t>(dist(rng));
  for (int i = 0; i < 100; ++i) values.push_back(rng() >> (i % 8));  // across the 64-bit range
  expect_close_to_reference(std::move(values));
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(4);
  std::lognormal_distribution<double> dist(10.0, 2.0);
  Histogram all, a, b;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    values.push_back(v);
    all.record(v);
    (i % 3 ? a : b).record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q)) << q;
  expect_close_to_reference(std::move(values));
}

TEST(Histogram, RecordManyTimesCountsEach) {
  Histogram h;
  h.record(1000, 99);
  h.record(1'000'000, 1);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 1000.0, 1000 * Histogram::max_relative_error);
  EXPECT_EQ(h.percentile(1.0), 1'000'000u);
  EXPECT_DOUBLE_EQ(h.mean(), (99.0 * 1000 + 1e6) / 100);
}

}  // namespace
}  // namespace core
