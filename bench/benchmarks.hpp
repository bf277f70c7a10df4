// The microbenchmarks of `make bench`, registered from main() in the order
// they are reported. Names are part of the interface: bench/summarize.py and
// docs/BENCHMARKS.md look them up.
//
//   BM_Memcpy/<bytes>                   the baseline every ratio is taken against
//   BM_Unmask/<kernel>/<bytes>          in-place unmask, one kernel per CPU feature
//   BM_UnmaskCopy/<kernel>/<bytes>      unmask while moving (the fused copy)
//   BM_Utf8/<kernel>/<corpus>           whole-buffer validation of a 64 KiB corpus
//   BM_FrameParse/<bytes>               one masked text frame through ws::MessageReader
//   BM_Handshake                        parse + check + 101 of a browser's upgrade
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace wsbench {

void register_kernel_benchmarks();  // memcpy, unmask, UTF-8 (bench/kernel_bench.cpp)
void register_ws_benchmarks();      // frame parse, handshake (bench/ws_bench.cpp)

// A cache-line-aligned byte array, so a kernel's figures do not depend on
// where malloc happened to put the buffer.
class AlignedBytes {
 public:
  explicit AlignedBytes(std::size_t size)
      : bytes_(static_cast<std::uint8_t*>(std::aligned_alloc(64, round_up(size)))), size_(size) {
    if (!bytes_) std::abort();
  }
  std::uint8_t* data() noexcept { return bytes_.get(); }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(std::uint8_t* p) const noexcept { std::free(p); }
  };
  static std::size_t round_up(std::size_t n) noexcept { return (n + 63) / 64 * 64 + 64; }

  std::unique_ptr<std::uint8_t, Free> bytes_;
  std::size_t size_;
};

}  // namespace wsbench
