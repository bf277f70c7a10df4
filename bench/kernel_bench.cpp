// The byte kernels: memcpy (the baseline), unmasking (RFC 6455 5.3) and
// UTF-8 validation, one benchmark per kernel the CPU can run, as listed by
// core::available_unmask_kernels() and core::available_utf8_kernels().
//
// Buffers are 64-byte aligned and warm in cache (each iteration touches the
// same bytes), the key phase is 0: these are the kernels' best case. The
// unaligned, header-offset case of real traffic is in BM_FrameParse.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "bench/benchmarks.hpp"
#include "bench/corpus.hpp"
#include "core/unmask.hpp"
#include "core/utf8.hpp"

namespace wsbench {
namespace {

constexpr core::MaskKey key = {0x37, 0xFA, 0x21, 0x3D};
constexpr std::size_t corpus_size = 64 * 1024;

void fill_pattern(std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
}

void set_bytes(benchmark::State& state, std::size_t size) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void memcpy_bench(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  AlignedBytes src(size), dst(size);
  fill_pattern(src.data(), size);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), size);
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

// In place, as the server does for a frame that lies whole in the receive
// buffer: the kernel's copy entry point with dst == src. The bytes flip
// between masked and unmasked on every iteration, which costs nothing extra.
void unmask_bench(benchmark::State& state, const core::UnmaskKernel* kernel) {
  const auto size = static_cast<std::size_t>(state.range(0));
  AlignedBytes data(size);
  fill_pattern(data.data(), size);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernel->copy(data.data(), data.data(), size, key, 0));
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

// Unmask while moving into another buffer: what a fragmented message, or a
// frame cut by the end of a read, costs.
void unmask_copy_bench(benchmark::State& state, const core::UnmaskKernel* kernel) {
  const auto size = static_cast<std::size_t>(state.range(0));
  AlignedBytes src(size), dst(size);
  fill_pattern(src.data(), size);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernel->copy(dst.data(), src.data(), size, key, 0));
    benchmark::ClobberMemory();
  }
  set_bytes(state, size);
}

void utf8_bench(benchmark::State& state, const core::Utf8Kernel* kernel, Corpus corpus) {
  const std::vector<std::uint8_t> text = make_corpus(corpus, corpus_size);
  AlignedBytes data(text.size());
  std::memcpy(data.data(), text.data(), text.size());
  for (auto _ : state) {
    const bool valid = kernel->validate(data.data(), text.size());
    benchmark::DoNotOptimize(valid);
    if (!valid) {
      state.SkipWithError("the kernel rejected a valid corpus");
      break;
    }
  }
  set_bytes(state, text.size());
}

std::string joined_names(const auto& kernels) {
  std::string out;
  for (const auto& kernel : kernels) {
    if (!out.empty()) out += ',';
    out += kernel.name;
  }
  return out;
}

}  // namespace

void register_kernel_benchmarks() {
  benchmark::RegisterBenchmark("BM_Memcpy", memcpy_bench)
      ->Arg(16)
      ->Arg(128)
      ->Arg(1024)
      ->Arg(16384)
      ->Arg(65536)
      ->Arg(1048576);

  const auto unmask_kernels = core::available_unmask_kernels();
  const auto utf8_kernels = core::available_utf8_kernels();
  benchmark::AddCustomContext("unmask_kernels", joined_names(unmask_kernels));
  benchmark::AddCustomContext("utf8_kernels", joined_names(utf8_kernels));

  for (const core::UnmaskKernel& kernel : unmask_kernels) {
    const std::string name = "BM_Unmask/" + std::string(kernel.name);
    benchmark::RegisterBenchmark(name.c_str(), unmask_bench, &kernel)
        ->Arg(16)
        ->Arg(128)
        ->Arg(1024)
        ->Arg(16384)
        ->Arg(1048576);
  }
  for (const core::UnmaskKernel& kernel : unmask_kernels) {
    const std::string name = "BM_UnmaskCopy/" + std::string(kernel.name);
    benchmark::RegisterBenchmark(name.c_str(), unmask_copy_bench, &kernel)
        ->Arg(16)
        ->Arg(128)
        ->Arg(1024)
        ->Arg(16384)
        ->Arg(1048576);
  }
  for (const core::Utf8Kernel& kernel : utf8_kernels) {
    for (const Corpus corpus : all_corpora) {
      const std::string name =
          "BM_Utf8/" + std::string(kernel.name) + "/" + std::string(corpus_name(corpus));
      benchmark::RegisterBenchmark(name.c_str(), utf8_bench, &kernel, corpus);
    }
  }
}

}  // namespace wsbench
