// The inbox on its own: order, batching (one `first` per batch), bounded
// drains, closing, and four producers racing one consumer.
#include "net/inbox.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using Pushed = net::Inbox::Pushed;

TEST(Inbox, RunsTasksInTheOrderPushed) {
  net::Inbox inbox;
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) inbox.push([&ran, i] { ran.push_back(i); });
  EXPECT_EQ(inbox.drain(), 5u);
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(inbox.drain(), 0u);
}

TEST(Inbox, OnlyThePushIntoAnEmptyInboxAsksForAWakeup) {
  net::Inbox inbox;
  EXPECT_EQ(inbox.push([] {}), Pushed::first);
  EXPECT_EQ(inbox.push([] {}), Pushed::queued);
  EXPECT_EQ(inbox.push([] {}), Pushed::queued);
  EXPECT_EQ(inbox.drain(), 3u);
  EXPECT_EQ(inbox.push([] {}), Pushed::first);
}

// A task that pushes again waits for the next drain: a drain is bounded.
TEST(Inbox, DrainRunsOnlyWhatWasQueuedWhenItBegan) {
  net::Inbox inbox;
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    EXPECT_EQ(inbox.push(again), Pushed::first);  // the batch was taken out
  };
  inbox.push(again);
  EXPECT_EQ(inbox.drain(), 1u);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(inbox.drain(), 1u);
  EXPECT_EQ(runs, 2);
}

TEST(Inbox, CloseRunsWhatWasQueuedAndRefusesTheRest) {
  net::Inbox inbox;
  int runs = 0;
  Pushed from_inside = Pushed::queued;
  inbox.push([&] { ++runs; });
  inbox.push([&] { from_inside = inbox.push([&] { ++runs; }); });
  EXPECT_EQ(inbox.close(), 2u);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(from_inside, Pushed::refused);

  // A refused task is destroyed before push() returns, unrun.
  auto captured = std::make_shared<int>(0);
  EXPECT_EQ(inbox.push([captured, &runs] { ++runs; }), Pushed::refused);
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_EQ(inbox.drain(), 0u);
  EXPECT_EQ(runs, 1);
}

TEST(Inbox, TasksLeftQueuedAreDestroyedUnrunWithTheInbox) {
  auto captured = std::make_shared<int>(0);
  bool ran = false;
  {
    net::Inbox inbox;
    inbox.push([captured, &ran] { ran = true; });
    EXPECT_EQ(captured.use_count(), 2);
  }
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_FALSE(ran);
}

// Each task's captures are released as it finishes, not with its batch.
TEST(Inbox, ATaskIsDestroyedRightAfterItRuns) {
  net::Inbox inbox;
  auto captured = std::make_shared<int>(0);
  long seen_by_second = 0;
  inbox.push([captured] {});
  inbox.push([&] { seen_by_second = captured.use_count(); });
  inbox.drain();
  EXPECT_EQ(seen_by_second, 1);
}

TEST(Inbox, AThrowingTaskDropsTheRestOfItsBatchOnly) {
  net::Inbox inbox;
  auto captured = std::make_shared<int>(0);
  bool later_ran = false;
  inbox.push([] { throw std::runtime_error("task failed"); });
  inbox.push([captured, &later_ran] { later_ran = true; });
  EXPECT_THROW(inbox.drain(), std::runtime_error);
  EXPECT_FALSE(later_ran);
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_EQ(inbox.push([&] { later_ran = true; }), Pushed::first);
  EXPECT_EQ(inbox.drain(), 1u);
  EXPECT_TRUE(later_ran);
}

// Four producers push 100,000 numbered tasks each while the consumer drains:
// every task runs exactly once, each producer's in order, and the producers
// asked for exactly one wakeup per batch the consumer found.
TEST(Inbox, FourProducersRacingOneConsumerKeepOrderAndBatch) {
  constexpr int producers = 4;
  constexpr int per_producer = 100'000;
  net::Inbox inbox;
  std::array<std::vector<int>, producers> ran;  // consumer only
  for (auto& r : ran) r.reserve(per_producer);
  std::atomic<long> firsts{0};
  std::atomic<int> done{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      long mine = 0;
      for (int i = 0; i < per_producer; ++i)
        if (inbox.push([&ran, p, i] { ran[p].push_back(i); }) == Pushed::first) ++mine;
      firsts += mine;
      ++done;
    });
  long batches = 0;
  std::size_t total = 0;
  for (;;) {
    const bool finished = done.load() == producers;  // read before the last drain
    const std::size_t ran_now = inbox.drain();
    if (ran_now > 0) ++batches;
    total += ran_now;
    if (finished) break;
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(total, static_cast<std::size_t>(producers) * per_producer);
  for (int p = 0; p < producers; ++p) {
    ASSERT_EQ(ran[p].size(), static_cast<std::size_t>(per_producer)) << "producer " << p;
    for (int i = 0; i < per_producer; ++i)
      ASSERT_EQ(ran[p][i], i) << "producer " << p << " out of order";
  }
  EXPECT_EQ(firsts.load(), batches);
}

}  // namespace
