// SharedBytes: an immutable run of bytes built once and sent by many
// connections, on any loop (a published frame). The reference count is
// std::shared_ptr's, atomic, so the last connection to send it, on whatever
// thread, frees it. When built against a memory budget it is charged there
// once, however many queues refer to it, and given back when it is freed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/memory_budget.hpp"

namespace net {

class SharedBytes {
 public:
  // Takes the bytes; charges `budget` (if any) for them, always: a frame
  // being published is not refused halfway, its subscribers' queues are.
  SharedBytes(std::vector<std::uint8_t> bytes, core::MemoryBudget* budget) noexcept
      : bytes_(std::move(bytes)), budget_(budget) {
    if (budget_) budget_->take(bytes_.size());
  }
  ~SharedBytes() {
    if (budget_) budget_->give_back(bytes_.size());
  }
  SharedBytes(const SharedBytes&) = delete;
  SharedBytes& operator=(const SharedBytes&) = delete;

  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return bytes_.size(); }

 private:
  const std::vector<std::uint8_t> bytes_;
  core::MemoryBudget* const budget_;
};

using SharedBytesRef = std::shared_ptr<const SharedBytes>;

}  // namespace net
