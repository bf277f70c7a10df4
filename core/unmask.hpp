// core/unmask.hpp: unmasking (RFC 6455 5.3): payload[i] ^= key[(phase + i) % 4].
//
// `phase` is where in the 4-byte key the first byte falls, because a frame's
// payload may reach us over several reads; each call returns the phase for
// the byte after the last one it touched. The copy variant unmasks while
// moving, so a payload that must be moved anyway is touched only once.
//
// Contract (every kernel):
// - Any size (0 included), any alignment of either pointer, any phase 0..3.
// - unmask_copy's dst may equal src, or lie before src with any overlap
//   (compacting a payload down over its header): kernels run strictly
//   forward and load every byte before storing over it. dst after src with
//   overlap is not supported.
// - Never reads or writes outside [src, src + size) and [dst, dst + size).
// - The kernel is chosen once, on the first call, from cpu_features(): the
//   widest of AVX-512, AVX2, SSE2, scalar that this CPU runs.
// - Reentrant; no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace core {

using MaskKey = std::array<std::uint8_t, 4>;

std::size_t unmask_in_place(std::uint8_t* data, std::size_t size, MaskKey key,
                            std::size_t phase) noexcept;
std::size_t unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept;

// The kernels one by one, for tests and benchmarks. Each has unmask_copy's
// signature and contract; in place is copy with dst == src.
using UnmaskCopyFn = std::size_t (*)(std::uint8_t* dst, const std::uint8_t* src, std::size_t size,
                                     MaskKey key, std::size_t phase) noexcept;

struct UnmaskKernel {
  std::string_view name;  // "scalar", "sse2", "avx2", "avx512"
  UnmaskCopyFn copy;
};

// Only the kernels this CPU can run, scalar first, then in order of
// preference; the last one is what unmask_copy() uses.
std::span<const UnmaskKernel> available_unmask_kernels() noexcept;

}  // namespace core
