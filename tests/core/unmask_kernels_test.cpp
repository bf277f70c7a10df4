// tests/core/unmask_kernels_test.cpp: every unmask kernel this CPU can run
// (core::available_unmask_kernels()) against a byte-at-a-time reference: every
// length 0..1024 at every alignment 0..63 and every phase 0..3, in place, copying,
// and moving down over a header; then large random buffers. A kernel the CPU
// lacks is skipped, and says so.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/unmask.hpp"
#include "tests/support/guarded_page.hpp"

namespace {

using test_support::GuardedPage;

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMaxLength = 1024;
constexpr std::size_t kAlignments = 64;
constexpr std::size_t kGuard = 64;  // bytes either side that a kernel must not touch

// Four different bytes, none zero, so that a wrong phase or a wrong lane
// shows in every byte.
constexpr core::MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

Bytes reference_unmask(Bytes bytes, core::MaskKey key, std::size_t phase) {
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] ^= key[(phase + i) % 4];
  return bytes;
}

Bytes random_bytes(std::size_t n, std::mt19937& random) {
  Bytes bytes(n);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

// A 64-byte-aligned arena, so that "alignment a" means address % 64 == a.
struct alignas(64) Arena {
  std::uint8_t bytes[kGuard + kAlignments + 100 + kMaxLength + kGuard];
};

class UnmaskKernelTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    for (const core::UnmaskKernel& k : core::available_unmask_kernels())
      if (k.name == GetParam()) kernel_ = &k;
    if (kernel_ == nullptr) GTEST_SKIP() << "this CPU cannot run the " << GetParam() << " kernel";
    std::mt19937 random(11);
    source_ = random_bytes(kMaxLength, random);
    for (std::size_t phase = 0; phase < 4; ++phase)
      expected_[phase] = reference_unmask(source_, kKey, phase);
    canary_ = std::make_unique<Arena>();
    for (auto& byte : canary_->bytes) byte = static_cast<std::uint8_t>(random());
    arena_ = std::make_unique<Arena>(*canary_);
  }

  std::uint8_t* at(std::size_t offset) { return arena_->bytes + kGuard + offset; }

  // After one call that unmasked `length` bytes to at(offset) and returned
  // `next`: are they right? Then puts the canary back over them, so that a
  // stray write elsewhere stays for arena_equals() to find.
  ::testing::AssertionResult unmasked_and_restored(std::size_t next, std::size_t offset,
                                                   std::size_t length, std::size_t phase) {
    const bool right_phase = next == (phase + length) % 4;
    const bool right_bytes = std::memcmp(at(offset), expected_[phase].data(), length) == 0;
    std::memcpy(at(offset), canary_->bytes + kGuard + offset, length);
    if (!right_phase) return ::testing::AssertionFailure() << "returned phase " << next;
    if (!right_bytes) return ::testing::AssertionFailure() << "wrong bytes";
    return ::testing::AssertionSuccess();
  }

  // The arena equals `image` everywhere; reports the first difference.
  ::testing::AssertionResult arena_equals(const Arena& image) {
    for (std::size_t i = 0; i < sizeof image.bytes; ++i)
      if (arena_->bytes[i] != image.bytes[i])
        return ::testing::AssertionFailure() << "first wrong byte at arena offset " << i;
    return ::testing::AssertionSuccess();
  }

  // The payload moves down by `distance` bytes over its header: dst < src,
  // the ranges overlapping. The bytes between dst + length and src + length
  // keep what was there (the tail of the masked source): a kernel writes dst
  // only. Restores the arena afterwards.
  ::testing::AssertionResult moved_down(std::size_t dst_offset, std::size_t distance,
                                        std::size_t length, std::size_t phase) {
    std::uint8_t* dst = at(dst_offset);
    std::uint8_t* src = dst + distance;
    std::memcpy(src, source_.data(), length);
    want_.assign(dst - kGuard, src + length + kGuard);
    std::memcpy(want_.data() + kGuard, expected_[phase].data(), length);
    const std::size_t next = kernel_->copy(dst, src, length, kKey, phase);
    const bool right = std::memcmp(dst - kGuard, want_.data(), want_.size()) == 0;
    std::memcpy(dst - kGuard, canary_->bytes + kGuard + dst_offset - kGuard, want_.size());
    if (next != (phase + length) % 4) return ::testing::AssertionFailure() << "returned " << next;
    if (!right) return ::testing::AssertionFailure() << "wrong bytes";
    return ::testing::AssertionSuccess();
  }

  const core::UnmaskKernel* kernel_ = nullptr;
  Bytes want_;
  Bytes source_;
  std::array<Bytes, 4> expected_;
  std::unique_ptr<Arena> canary_;  // the arena's bytes before each call
  std::unique_ptr<Arena> arena_;
};

std::string describe(std::size_t length, std::size_t align, std::size_t phase) {
  return "length " + std::to_string(length) + " alignment " + std::to_string(align) + " phase " +
         std::to_string(phase);
}

TEST_P(UnmaskKernelTest, InPlaceEveryLengthAlignmentAndPhase) {
  for (std::size_t phase = 0; phase < 4; ++phase)
    for (std::size_t align = 0; align < kAlignments; ++align)
      for (std::size_t length = 0; length <= kMaxLength; ++length) {
        std::uint8_t* data = at(align);
        std::memcpy(data, source_.data(), length);
        ASSERT_TRUE(unmasked_and_restored(kernel_->copy(data, data, length, kKey, phase), align,
                                          length, phase))
            << describe(length, align, phase);
      }
  EXPECT_TRUE(arena_equals(*canary_)) << "a kernel wrote outside its destination";
}

TEST_P(UnmaskKernelTest, CopyEveryLengthAlignmentAndPhase) {
  // The source sits in its own buffer at an alignment that differs from the
  // destination's in a pattern covering all 64 x 64 pairs over the loop.
  struct alignas(64) Source {
    std::uint8_t bytes[kAlignments + kMaxLength];
  };
  auto source = std::make_unique<Source>();
  for (std::size_t phase = 0; phase < 4; ++phase)
    for (std::size_t align = 0; align < kAlignments; ++align)
      for (std::size_t length = 0; length <= kMaxLength; ++length) {
        const std::size_t src_align = (align + length + phase) % kAlignments;
        std::memcpy(source->bytes + src_align, source_.data(), length);
        ASSERT_TRUE(unmasked_and_restored(
            kernel_->copy(at(align), source->bytes + src_align, length, kKey, phase), align, length,
            phase))
            << describe(length, align, phase) << " source alignment " << src_align;
        ASSERT_EQ(std::memcmp(source->bytes + src_align, source_.data(), length), 0)
            << "the source changed";
      }
  EXPECT_TRUE(arena_equals(*canary_)) << "a kernel wrote outside its destination";
}

TEST_P(UnmaskKernelTest, MoveDownOverHeaderEveryLengthAlignmentAndPhase) {
  // Headers are 2 to 14 bytes; every distance 1..14 comes round as the
  // length and alignment vary.
  for (std::size_t phase = 0; phase < 4; ++phase)
    for (std::size_t align = 0; align < kAlignments; ++align)
      for (std::size_t length = 0; length <= kMaxLength; ++length) {
        const std::size_t distance = 1 + (length + align + phase) % 14;
        ASSERT_TRUE(moved_down(align, distance, length, phase))
            << describe(length, align, phase) << " distance " << distance;
      }
  EXPECT_TRUE(arena_equals(*canary_));
}

TEST_P(UnmaskKernelTest, MoveDownEveryDistance) {
  // Every distance from 1 to 14 (a header), and some longer ones, with
  // lengths around every vector and step size.
  for (std::size_t distance :
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 31, 32, 33, 63, 64, 65, 100})
    for (std::size_t phase = 0; phase < 4; ++phase)
      for (std::size_t align = 0; align < kAlignments; align += 7)
        for (std::size_t length = 0; length <= 300; ++length) {
          ASSERT_TRUE(moved_down(align, distance, length, phase))
              << describe(length, align, phase) << " distance " << distance;
        }
  EXPECT_TRUE(arena_equals(*canary_));
}

TEST_P(UnmaskKernelTest, TouchesNothingOutsideItsBytes) {
  GuardedPage source, destination;
  ASSERT_TRUE(source.ok() && destination.ok());
  for (std::size_t length = 0; length <= 300; ++length)
    for (std::size_t phase = 0; phase < 4; ++phase) {
      SCOPED_TRACE(describe(length, 0, phase));
      const Bytes& want = expected_[phase];
      // Copying, both ends against a guard.
      std::uint8_t* src = source.end() - length;
      std::copy_n(source_.begin(), length, src);
      kernel_->copy(destination.end() - length, src, length, kKey, phase);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + length, destination.end() - length));
      kernel_->copy(destination.begin(), source.end() - length, length, kKey, phase);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + length, destination.begin()));
      // In place at either edge, and moving down from the end to the start.
      kernel_->copy(src, src, length, kKey, phase);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + length, src));
      std::copy_n(source_.begin(), length, source.begin());
      kernel_->copy(source.begin(), source.begin(), length, kKey, phase);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + length, source.begin()));
      std::uint8_t* dst = source.end() - length - 14;
      std::copy_n(source_.begin(), length, dst + 14);
      kernel_->copy(dst, dst + 14, length, kKey, phase);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + length, dst));
    }
}

// 1 MiB and an odd few bytes, at random alignments and phases: in place,
// copying, moving down, and in random chunks that carry the phase along.
TEST_P(UnmaskKernelTest, LargeRandomBuffers) {
  std::mt19937 random(GetParam().size() * 7919);
  for (int round = 0; round < 3; ++round) {
    const std::size_t length = (std::size_t{1} << 20) + 1 + random() % 63;
    const std::size_t offset = random() % 64;
    const std::size_t phase = random() % 4;
    const core::MaskKey key{
        static_cast<std::uint8_t>(random()), static_cast<std::uint8_t>(random()),
        static_cast<std::uint8_t>(random()), static_cast<std::uint8_t>(random())};
    const Bytes masked = random_bytes(length, random);
    const Bytes want = reference_unmask(masked, key, phase);
    SCOPED_TRACE("length " + std::to_string(length) + " offset " + std::to_string(offset) +
                 " phase " + std::to_string(phase));

    Bytes buffer(offset + 14 + length);
    std::copy(masked.begin(), masked.end(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
    EXPECT_EQ(kernel_->copy(&buffer[offset], &buffer[offset], length, key, phase),
              (phase + length) % 4);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), buffer.begin() + offset)) << "in place";

    Bytes out(length);
    kernel_->copy(out.data(), masked.data(), length, key, phase);
    EXPECT_EQ(out, want) << "copy";

    std::copy(masked.begin(), masked.end(), buffer.begin() + 14 + offset);
    kernel_->copy(&buffer[offset], &buffer[offset + 14], length, key, phase);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), buffer.begin() + offset)) << "move down";

    Bytes chunked = masked;
    std::size_t chunk_phase = phase;
    for (std::size_t start = 0; start < length;) {
      const std::size_t size = std::min<std::size_t>(length - start, random() % 5000);
      chunk_phase = kernel_->copy(&chunked[start], &chunked[start], size, key, chunk_phase);
      start += size;
    }
    EXPECT_EQ(chunked, want) << "in chunks";
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, UnmaskKernelTest,
                         ::testing::Values("scalar", "sse2", "avx2", "avx512"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
