#include "core/cpu_features.hpp"

#if defined(__x86_64__)
#include <cpuid.h>

#include <cstdint>
#endif

namespace core {
namespace {

#if defined(__x86_64__)
// XCR0, the register state the OS saves on a context switch. An instruction
// set is usable only if the OS saves the registers it writes.
std::uint64_t read_xcr0() noexcept {
  std::uint32_t eax = 0, edx = 0;
  // The _xgetbv intrinsic would need target("xsave"); the instruction itself
  // is safe here because the caller checked OSXSAVE first.
  __asm__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() noexcept {
  constexpr std::uint64_t kXmmYmm = (1u << 1) | (1u << 2);
  constexpr std::uint64_t kOpmaskZmm = (1u << 5) | (1u << 6) | (1u << 7);
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return f;
  f.sse2 = (edx & bit_SSE2) != 0;
  f.ssse3 = f.sse2 && (ecx & bit_SSSE3) != 0;
  const bool os_saves = (ecx & bit_OSXSAVE) != 0;
  const std::uint64_t xcr0 = os_saves ? read_xcr0() : 0;
  const bool avx_state = (xcr0 & kXmmYmm) == kXmmYmm && (ecx & bit_AVX) != 0;
  const bool avx512_state = avx_state && (xcr0 & kOpmaskZmm) == kOpmaskZmm;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return f;
  f.avx2 = f.ssse3 && avx_state && (ebx & bit_AVX2) != 0;
  f.avx512 = f.avx2 && avx512_state && (ebx & bit_AVX512F) != 0 && (ebx & bit_AVX512BW) != 0;
  return f;
}
#else
CpuFeatures detect() noexcept { return {}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() noexcept {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace core
