// tests/core/cpu_features_test.cpp: core::cpu_features(), and the kernel
// lists built from it.
#include "core/cpu_features.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/unmask.hpp"
#include "core/utf8.hpp"

namespace {

TEST(CpuFeatures, DetectedOnce) { EXPECT_EQ(&core::cpu_features(), &core::cpu_features()); }

TEST(CpuFeatures, EachFlagImpliesTheNarrowerOnes) {
  const core::CpuFeatures& f = core::cpu_features();
  EXPECT_TRUE(!f.avx512 || f.avx2);
  EXPECT_TRUE(!f.avx2 || f.ssse3);
  EXPECT_TRUE(!f.ssse3 || f.sse2);
}

#if defined(__x86_64__)
// Our cpuid + xgetbv reading against the compiler's (libgcc's) own.
TEST(CpuFeatures, AgreesWithTheCompilersDetection) {
  const core::CpuFeatures& f = core::cpu_features();
  __builtin_cpu_init();
  EXPECT_TRUE(f.sse2) << "every x86-64 CPU has SSE2";
  EXPECT_EQ(f.ssse3, __builtin_cpu_supports("ssse3") != 0);
  EXPECT_EQ(f.avx2, __builtin_cpu_supports("avx2") != 0);
  EXPECT_EQ(f.avx512,
            __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512bw") != 0);
}
#else
TEST(CpuFeatures, NothingOutsideX86) {
  const core::CpuFeatures& f = core::cpu_features();
  EXPECT_FALSE(f.sse2 || f.ssse3 || f.avx2 || f.avx512);
}
#endif

template <typename Kernels>
std::vector<std::string_view> names(const Kernels& kernels) {
  std::vector<std::string_view> out;
  for (const auto& k : kernels) out.push_back(k.name);
  return out;
}

// Exactly the kernels the CPU can run, scalar first and widest last (the one
// the dispatch uses), each with a function.
TEST(CpuFeatures, UnmaskKernelsAreThoseTheCpuRuns) {
  const core::CpuFeatures& f = core::cpu_features();
  std::vector<std::string_view> want{"scalar"};
  if (f.sse2) want.push_back("sse2");
  if (f.avx2) want.push_back("avx2");
  if (f.avx512) want.push_back("avx512");
  EXPECT_EQ(names(core::available_unmask_kernels()), want);
  for (const auto& k : core::available_unmask_kernels()) EXPECT_NE(k.copy, nullptr) << k.name;
}

TEST(CpuFeatures, Utf8KernelsAreThoseTheCpuRuns) {
  const core::CpuFeatures& f = core::cpu_features();
  std::vector<std::string_view> want{"scalar"};
  if (f.ssse3) want.push_back("ssse3");
  if (f.avx2) want.push_back("avx2");
  if (f.avx512) want.push_back("avx512");
  EXPECT_EQ(names(core::available_utf8_kernels()), want);
  for (const auto& k : core::available_utf8_kernels()) EXPECT_NE(k.validate, nullptr) << k.name;
}

}  // namespace
