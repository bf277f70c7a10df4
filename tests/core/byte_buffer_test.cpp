#include "core/byte_buffer.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace {

std::vector<std::uint8_t> sequence(std::size_t n, std::uint8_t start = 0) {
  std::vector<std::uint8_t> bytes(n);
  std::iota(bytes.begin(), bytes.end(), start);
  return bytes;
}

std::vector<std::uint8_t> contents(const core::ByteBuffer& buffer) {
  return {buffer.data().begin(), buffer.data().end()};
}

TEST(ByteBuffer, StartsEmptyAndOwnsNothing) {
  core::ByteBuffer buffer;
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), 0u);
}

TEST(ByteBuffer, AppendThenConsumeKeepsOrder) {
  core::ByteBuffer buffer;
  buffer.append(sequence(10));
  buffer.append(sequence(5, 10));
  buffer.consume(3);
  EXPECT_EQ(contents(buffer), sequence(12, 3));
}

TEST(ByteBuffer, ConsumingEverythingResetsToTheStart) {
  core::ByteBuffer buffer;
  buffer.append(sequence(100));
  buffer.consume(100);
  EXPECT_TRUE(buffer.empty());
  buffer.append(sequence(4));
  EXPECT_EQ(buffer.data().data(), buffer.prepare(0) - 4);
}

TEST(ByteBuffer, GrowsAcrossManyAppendsWithoutLosingBytes) {
  core::ByteBuffer buffer;
  std::vector<std::uint8_t> expected;
  for (int round = 0; round < 200; ++round) {
    const auto chunk = sequence(997, static_cast<std::uint8_t>(round));
    buffer.append(chunk);
    expected.insert(expected.end(), chunk.begin(), chunk.end());
    if (round % 3 == 0) {
      buffer.consume(500);
      expected.erase(expected.begin(), expected.begin() + 500);
    }
  }
  EXPECT_EQ(contents(buffer), expected);
}

TEST(ByteBuffer, SlidesLiveBytesDownInsteadOfGrowing) {
  core::ByteBuffer buffer;
  buffer.append(sequence(4096));
  const std::size_t capacity = buffer.capacity();
  buffer.consume(4000);
  buffer.append(sequence(3000));
  EXPECT_EQ(buffer.capacity(), capacity);
  EXPECT_EQ(buffer.size(), 3096u);
}

TEST(ByteBuffer, PrepareAndCommitAppendInPlace) {
  core::ByteBuffer buffer;
  std::uint8_t* room = buffer.prepare(8);
  for (int i = 0; i < 8; ++i) room[i] = static_cast<std::uint8_t>(i);
  buffer.commit(5);
  EXPECT_EQ(contents(buffer), sequence(5));
}

TEST(ByteBuffer, ReleaseFreesOnlyAnEmptyBuffer) {
  core::ByteBuffer buffer;
  buffer.append(sequence(10));
  buffer.release();
  EXPECT_EQ(buffer.size(), 10u);
  buffer.consume(10);
  buffer.release();
  EXPECT_EQ(buffer.capacity(), 0u);
}

}  // namespace
