// The `make bench` binary: Google Benchmark's own main, except that the
// benchmarks are registered at run time (one per kernel the CPU has).
#include <benchmark/benchmark.h>

#include "bench/benchmarks.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  wsbench::register_kernel_benchmarks();
  wsbench::register_ws_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
