// GuardedPage: one read-write page between two inaccessible ones. Bytes
// placed to end on the last byte of the middle page, or to start on its
// first, show code that reads or writes outside them by crashing, with or
// without sanitizers. For tests of the vector kernels.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace test_support {

class GuardedPage {
 public:
  GuardedPage() {
    void* p = mmap(nullptr, 3 * size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<std::uint8_t*>(p);
    mprotect(base_, size_, PROT_NONE);
    mprotect(base_ + 2 * size_, size_, PROT_NONE);
  }
  ~GuardedPage() {
    if (base_ != nullptr) munmap(base_, 3 * size_);
  }
  GuardedPage(const GuardedPage&) = delete;
  GuardedPage& operator=(const GuardedPage&) = delete;

  bool ok() const { return base_ != nullptr; }
  std::uint8_t* begin() const { return base_ + size_; }
  std::uint8_t* end() const { return base_ + 2 * size_; }

 private:
  std::size_t size_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::uint8_t* base_ = nullptr;  // owned: the mapping
};

}  // namespace test_support
