// Unmasking (RFC 6455 5.3): payload[i] ^= key[(phase + i) % 4].
//
// `phase` is where in the 4-byte key the first byte falls, because a frame's
// payload may reach us over several reads; each call returns the phase for
// the byte after the last one it touched. The copy variant unmasks while
// moving, so a payload that must be moved anyway is touched only once.
// These are the scalar kernels; SIMD variants plug in behind the same calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace core {

using MaskKey = std::array<std::uint8_t, 4>;

std::size_t unmask_in_place(std::uint8_t* data, std::size_t size, MaskKey key,
                            std::size_t phase) noexcept;
std::size_t unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t size, MaskKey key,
                        std::size_t phase) noexcept;

}  // namespace core
