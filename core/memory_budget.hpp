// MemoryBudget and MemoryAccount: the server-wide bound on the bytes held
// for peers (unfinished messages and queued output: --max-memory).
//
// A MemoryBudget is shared by every loop; a MemoryAccount is one loop's
// share of it. Buffers charge their capacity to their loop's account when
// they grow and refund it when they shrink. The account takes from the
// budget in slabs and keeps a little spare, so the hot path (a buffer that
// grows and is released with every message) adds and subtracts integers on
// its own loop and touches the shared atomic only when it crosses a slab.
// The price is a little slack: the loops' spare credit (at most two slabs
// each) is counted as used.
//
// try_charge() is the policy point: it fails when the budget is spent, and
// the caller refuses the growth (and closes the connection that wanted it).
// charge() always succeeds, for the few small things that must go out even
// then (a close frame, an HTTP error), so the account may end a little over.
//
// Thread safety: MemoryBudget from any thread; MemoryAccount from its loop's
// thread only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace core {

class MemoryBudget {
 public:
  // 0: no limit (still counted).
  explicit MemoryBudget(std::uint64_t limit) noexcept : limit_(limit) {}

  bool try_take(std::uint64_t bytes) noexcept;
  void take(std::uint64_t bytes) noexcept { used_.fetch_add(bytes, std::memory_order_relaxed); }
  void give_back(std::uint64_t bytes) noexcept {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::uint64_t limit() const noexcept { return limit_; }

 private:
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> used_{0};
};

class MemoryAccount {
 public:
  static constexpr std::uint64_t slab = 256 * 1024;

  // Null: no budget, every charge succeeds (a client's loop, a test).
  explicit MemoryAccount(MemoryBudget* budget) noexcept : budget_(budget) {}
  ~MemoryAccount();
  MemoryAccount(const MemoryAccount&) = delete;
  MemoryAccount& operator=(const MemoryAccount&) = delete;

  bool try_charge(std::uint64_t bytes) noexcept {
    if (bytes > spare_ && !take_slabs(bytes, /*forced=*/false)) return false;
    spare_ -= bytes;
    charged_ += bytes;
    return true;
  }
  void charge(std::uint64_t bytes) noexcept {
    if (bytes > spare_) take_slabs(bytes, /*forced=*/true);
    spare_ -= bytes;
    charged_ += bytes;
  }
  void refund(std::uint64_t bytes) noexcept {
    charged_ -= bytes;
    spare_ += bytes;
    if (spare_ > 2 * slab) return_spare();
  }

  // Bytes the buffers of this loop hold now.
  std::uint64_t charged() const noexcept { return charged_; }

 private:
  bool take_slabs(std::uint64_t bytes, bool forced) noexcept;
  void return_spare() noexcept;

  MemoryBudget* budget_;
  std::uint64_t charged_ = 0;
  std::uint64_t spare_ = 0;  // taken from the budget, not yet charged
};

}  // namespace core
