// tests/core/unmask_test.cpp: unmask_in_place / unmask_copy, the calls the
// server makes, which run the kernel chosen for this CPU. Every kernel on its
// own: unmask_kernels_test.cpp.
#include "core/unmask.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

std::vector<std::uint8_t> reference_unmask(std::vector<std::uint8_t> bytes, core::MaskKey key,
                                           std::size_t phase) {
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] ^= key[(phase + i) % 4];
  return bytes;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::mt19937& random) {
  std::vector<std::uint8_t> bytes(n);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

const core::MaskKey key{0x37, 0xfa, 0x21, 0x3d};

TEST(Unmask, InPlaceMatchesReferenceForEveryLengthAndPhase) {
  std::mt19937 random(1);
  for (std::size_t length = 0; length <= 300; ++length) {
    for (std::size_t phase = 0; phase < 4; ++phase) {
      auto bytes = random_bytes(length, random);
      const auto expected = reference_unmask(bytes, key, phase);
      const std::size_t next = core::unmask_in_place(bytes.data(), bytes.size(), key, phase);
      EXPECT_EQ(bytes, expected) << "length " << length << " phase " << phase;
      EXPECT_EQ(next, (phase + length) % 4);
    }
  }
}

TEST(Unmask, CopyMatchesReferenceAtEveryAlignment) {
  std::mt19937 random(2);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    auto source = random_bytes(300 + offset, random);
    std::vector<std::uint8_t> destination(300);
    core::unmask_copy(destination.data(), source.data() + offset, 300, key, 1);
    const auto expected = reference_unmask({source.begin() + offset, source.end()}, key, 1);
    EXPECT_EQ(destination, expected) << "offset " << offset;
  }
}

TEST(Unmask, ChunkedCallsEqualOneCall) {
  std::mt19937 random(3);
  auto whole = random_bytes(1000, random);
  auto chunked = whole;
  core::unmask_in_place(whole.data(), whole.size(), key, 0);
  std::size_t phase = 0;
  for (std::size_t start = 0, size = 1; start < chunked.size();
       start += size, size = size * 2 + 1) {
    size = std::min(size, chunked.size() - start);
    phase = core::unmask_in_place(chunked.data() + start, size, key, phase);
  }
  EXPECT_EQ(chunked, whole);
}

TEST(Unmask, CopyMayMovePayloadDownOverItsHeader) {
  std::mt19937 random(4);
  auto buffer = random_bytes(200, random);
  const auto expected = reference_unmask({buffer.begin() + 14, buffer.end()}, key, 0);
  core::unmask_copy(buffer.data(), buffer.data() + 14, 186, key, 0);
  EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + 186), expected);
}

}  // namespace
