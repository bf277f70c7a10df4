#include "core/memory_budget.hpp"

namespace core {

// A compare-and-swap loop rather than add-then-undo: a refused take must
// never show, even for a moment, in the total another loop reads (it would
// refuse that loop's take, which fits).
bool MemoryBudget::try_take(std::uint64_t bytes) noexcept {
  if (limit_ == 0) {
    take(bytes);
    return true;
  }
  std::uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (used + bytes > limit_) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

MemoryAccount::~MemoryAccount() {
  if (budget_) budget_->give_back(spare_ + charged_);
}

// Whole slabs, enough for `bytes` beyond the spare. Near the limit a whole
// slab may not fit where the bytes themselves would: then take just those.
bool MemoryAccount::take_slabs(std::uint64_t bytes, bool forced) noexcept {
  const std::uint64_t needed = bytes - spare_;
  if (budget_) {
    const std::uint64_t slabs = (needed + slab - 1) / slab * slab;
    if (budget_->try_take(slabs)) {
      spare_ += slabs;
      return true;
    }
    if (!forced && !budget_->try_take(needed)) return false;
    if (forced) budget_->take(needed);
  }
  spare_ += needed;
  return true;
}

// Keep one slab of spare, so a buffer that grows and shrinks with every
// message does not take and give back across the boundary each time.
void MemoryAccount::return_spare() noexcept {
  const std::uint64_t excess = spare_ - slab;
  spare_ = slab;
  if (budget_) budget_->give_back(excess);
}

}  // namespace core
