// core::MemoryBudget and MemoryAccount: the server-wide bound and one loop's
// share of it, taken in slabs; and ByteBuffer::growth_for, which tells an
// owner what a prepare() would add before it asks the budget.
#include "core/memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "core/byte_buffer.hpp"

namespace {

using core::MemoryAccount;
using core::MemoryBudget;

constexpr std::uint64_t slab = MemoryAccount::slab;

TEST(MemoryBudget, TakesUpToItsLimitAndRefusesPastIt) {
  MemoryBudget budget(1000);
  EXPECT_TRUE(budget.try_take(600));
  EXPECT_FALSE(budget.try_take(401));
  EXPECT_EQ(budget.used(), 600u) << "a refused take must leave the total as it was";
  EXPECT_TRUE(budget.try_take(400));
  budget.give_back(1000);
  EXPECT_EQ(budget.used(), 0u);
}

// A refused take must not show in the total, even for a moment: another
// loop's take that fits would be refused (a compare-and-swap, not add-then-undo).
TEST(MemoryBudget, ATakeThatFitsIsNeverRefusedByAConcurrentOneThatDoesNot) {
  MemoryBudget budget(1 << 20);
  std::atomic<bool> stop{false};
  std::thread too_big([&] {
    while (!stop.load(std::memory_order_relaxed)) EXPECT_FALSE(budget.try_take(2 << 20));
  });
  int refused = 0;
  for (int i = 0; i < 200'000; ++i) {
    if (budget.try_take(4096))
      budget.give_back(4096);
    else
      ++refused;
  }
  stop = true;
  too_big.join();
  EXPECT_EQ(refused, 0);
}

TEST(MemoryBudget, ZeroMeansNoLimit) {
  MemoryBudget budget(0);
  EXPECT_TRUE(budget.try_take(1ull << 50));
}

TEST(MemoryAccount, TakesWholeSlabsAndChargesWithinThem) {
  MemoryBudget budget(10 * slab);
  MemoryAccount account(&budget);
  EXPECT_TRUE(account.try_charge(100));
  EXPECT_EQ(budget.used(), slab);
  EXPECT_TRUE(account.try_charge(slab - 100));  // within the slab: no shared traffic
  EXPECT_EQ(budget.used(), slab);
  EXPECT_EQ(account.charged(), slab);
}

TEST(MemoryAccount, NearTheLimitTakesJustWhatIsNeeded) {
  MemoryBudget budget(slab + 100);
  MemoryAccount account(&budget);
  EXPECT_TRUE(account.try_charge(slab));
  EXPECT_TRUE(account.try_charge(100)) << "a whole slab does not fit, the 100 bytes do";
  EXPECT_FALSE(account.try_charge(1));
  EXPECT_EQ(account.charged(), slab + 100);
}

TEST(MemoryAccount, ForcedChargesGoOverTheLimit) {
  MemoryBudget budget(100);
  MemoryAccount account(&budget);
  EXPECT_FALSE(account.try_charge(200));
  account.charge(200);  // a close frame must still go out
  EXPECT_EQ(account.charged(), 200u);
  EXPECT_GE(budget.used(), 200u);
}

TEST(MemoryAccount, RefundsKeepOneSlabOfSpareAndGiveTheRestBack) {
  MemoryBudget budget(0);
  MemoryAccount account(&budget);
  ASSERT_TRUE(account.try_charge(10 * slab));
  account.refund(10 * slab);
  EXPECT_EQ(account.charged(), 0u);
  EXPECT_EQ(budget.used(), slab);
  // A buffer that grows and shrinks within the spare touches nothing shared.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(account.try_charge(4096));
    account.refund(4096);
  }
  EXPECT_EQ(budget.used(), slab);
}

TEST(MemoryAccount, GivesEverythingBackWhenDestroyed) {
  MemoryBudget budget(0);
  {
    MemoryAccount account(&budget);
    ASSERT_TRUE(account.try_charge(3 * slab + 5));
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryAccount, WithoutABudgetEveryChargeSucceeds) {
  MemoryAccount account(nullptr);
  EXPECT_TRUE(account.try_charge(1ull << 40));
  account.refund(1ull << 40);
  EXPECT_EQ(account.charged(), 0u);
}

TEST(MemoryAccount, LoopsOnManyThreadsNeverTakeMoreThanTheLimit) {
  MemoryBudget budget(64 * slab);
  std::vector<std::thread> loops;
  std::atomic<std::uint64_t> granted{0};
  std::latch all_charged(4);  // no account gives back before every one is full
  for (int t = 0; t < 4; ++t) {
    loops.emplace_back([&] {
      MemoryAccount account(&budget);
      std::uint64_t mine = 0;
      while (account.try_charge(4096)) mine += 4096;
      granted += mine;
      EXPECT_LE(budget.used(), budget.limit());
      all_charged.arrive_and_wait();
    });
  }
  for (auto& loop : loops) loop.join();
  EXPECT_LE(granted.load(), 64 * slab);
  EXPECT_GE(granted.load(), 64 * slab - 4 * 4096) << "the budget was not used up";
  EXPECT_EQ(budget.used(), 0u);
}

TEST(ByteBufferGrowth, SaysWhatPrepareWouldAdd) {
  core::ByteBuffer buffer;
  EXPECT_EQ(buffer.growth_for(10), 4096u);
  buffer.prepare(10);
  EXPECT_EQ(buffer.capacity(), 4096u);
  buffer.commit(10);
  EXPECT_EQ(buffer.growth_for(4086), 0u);
  EXPECT_EQ(buffer.growth_for(4087), 4096u);  // doubles
  EXPECT_EQ(buffer.growth_for(10000), 10010u - 4096u);
  const std::size_t before = buffer.capacity();
  const std::size_t growth = buffer.growth_for(5000);
  buffer.prepare(5000);
  EXPECT_EQ(buffer.capacity(), before + growth);
}

TEST(ByteBufferGrowth, SlidingIsNotGrowth) {
  core::ByteBuffer buffer;
  buffer.prepare(4096);
  buffer.commit(4096);
  buffer.consume(3000);  // 1096 live at the back, 3000 free at the front
  EXPECT_EQ(buffer.growth_for(2000), 0u);
  buffer.prepare(2000);
  EXPECT_EQ(buffer.capacity(), 4096u);
}

}  // namespace
