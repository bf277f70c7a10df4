// core/unmask.cpp: the scalar kernel, the kernel list, and the dispatch.
#include "core/unmask.hpp"

#include <array>
#include <cstring>

#include "core/cpu_features.hpp"
#include "core/unmask_kernels.hpp"

namespace core {
namespace unmask_detail {

// The scalar kernel: 8 bytes per step in a general-purpose register. GCC 12
// vectorizes at -O2, and would turn this loop into SSE2 code; the scalar
// kernel must stay scalar, because it is the fallback for non-x86 builds and
// the baseline the benchmarks compare the vector kernels against.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
std::size_t
unmask_scalar(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
              std::size_t phase) noexcept {
  const std::uint32_t key_word = rotated_key(key, phase);
  const std::uint64_t key64 = (static_cast<std::uint64_t>(key_word) << 32) | key_word;
  std::size_t i = 0;
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + i, 8);  // memcpy: alignment-safe, compiles to plain loads
    word ^= key64;
    std::memcpy(dst + i, &word, 8);
  }
  for (; i < size; ++i) dst[i] = src[i] ^ key[(phase + i) & 3];
  return (phase + size) & 3;
}

}  // namespace unmask_detail

namespace {

struct KernelList {
  std::array<UnmaskKernel, 4> kernels;
  std::size_t count = 0;
};

KernelList list_kernels() noexcept {
  namespace d = unmask_detail;
  KernelList list;
  list.kernels[list.count++] = {"scalar", d::unmask_scalar};
#if defined(__x86_64__)
  const CpuFeatures& cpu = cpu_features();
  if (cpu.sse2) list.kernels[list.count++] = {"sse2", d::unmask_sse2};
  if (cpu.avx2) list.kernels[list.count++] = {"avx2", d::unmask_avx2};
  if (cpu.avx512) list.kernels[list.count++] = {"avx512", d::unmask_avx512};
#endif
  return list;
}

// The one function pointer every call goes through, chosen on first use.
UnmaskCopyFn best_kernel() noexcept {
  static const UnmaskCopyFn best = available_unmask_kernels().back().copy;
  return best;
}

}  // namespace

std::span<const UnmaskKernel> available_unmask_kernels() noexcept {
  static const KernelList list = list_kernels();
  return {list.kernels.data(), list.count};
}

std::size_t unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept {
  return best_kernel()(dst, src, size, key, phase);
}

std::size_t unmask_in_place(std::uint8_t* data, std::size_t size, MaskKey key,
                            std::size_t phase) noexcept {
  return best_kernel()(data, data, size, key, phase);
}

}  // namespace core
