// core/cpu_features.hpp: which vector instructions this CPU (and its OS) can run.
//
// Contract:
// - Detected once, on the first call (thread-safe, a function-local static),
//   and never again: kernels are chosen from this at start-up and called
//   through a function pointer, so nothing is re-detected per call.
// - Read with cpuid; a flag is true only when the CPU has the instructions AND the OS saves
//   the registers they use (XCR0, read with xgetbv): a CPU with AVX-512 under
//   an OS or hypervisor that does not enable the ZMM state reports false.
// - Non-x86 builds report every flag false; the scalar kernels run there.
// - The flags imply one another the way real CPUs do only because we say so
//   here: avx512 is reported only together with avx2, avx2 only with ssse3,
//   ssse3 only with sse2. A kernel list ordered by these flags is then also
//   ordered by preference.
#pragma once

namespace core {

struct CpuFeatures {
  bool sse2 = false;    // baseline on x86-64: always true there
  bool ssse3 = false;   // pshufb: the UTF-8 kernel's table lookups
  bool avx2 = false;    // 256-bit integer vectors
  bool avx512 = false;  // AVX-512 F + BW: 512-bit vectors with byte operations
};

const CpuFeatures& cpu_features() noexcept;

}  // namespace core
