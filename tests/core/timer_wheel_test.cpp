// tests/core/timer_wheel_test.cpp: core::TimerWheel on a fake clock: every
// time below is an explicit time_point handed to the wheel, so no test sleeps
// or depends on the machine's speed.
#include "core/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using core::Clock;
using core::Timer;
using core::TimerWheel;
using namespace std::chrono_literals;

// An arbitrary non-zero origin, so nothing relies on the epoch.
const Clock::time_point T0 = Clock::time_point{} + 1000h;

// Records the order in which labelled timers fire.
struct Log {
  std::vector<std::string> fired;
  std::function<void()> record(std::string label) {
    return [this, label = std::move(label)] { fired.push_back(label); };
  }
};

using Labels = std::vector<std::string>;

TEST(TimerWheel, RejectsBadConfiguration) {
  EXPECT_THROW(TimerWheel(0ms, 8, T0), std::invalid_argument);
  EXPECT_THROW(TimerWheel(-1ms, 8, T0), std::invalid_argument);
  EXPECT_THROW(TimerWheel(10ms, 0, T0), std::invalid_argument);
  EXPECT_THROW(TimerWheel(10ms, 12, T0), std::invalid_argument);
  EXPECT_NO_THROW(TimerWheel(10ms, 1, T0));
  EXPECT_NO_THROW(TimerWheel(10ms, 512, T0));
}

TEST(TimerWheel, FiresInDeadlineOrderAcrossTicksAndArmingOrderWithinATick) {
  TimerWheel wheel(10ms, 8, T0);
  Log log;
  // Armed out of deadline order; c1 and c2 share tick 3 (21..30 ms round up to 30).
  Timer d(log.record("d")), c1(log.record("c1")), a(log.record("a")), c2(log.record("c2")),
      b(log.record("b"));
  wheel.arm(d, 70ms);
  wheel.arm(c1, 25ms);
  wheel.arm(a, 5ms);
  wheel.arm(c2, 30ms);
  wheel.arm(b, 20ms);
  EXPECT_EQ(wheel.armed_count(), 5u);
  wheel.advance(T0 + 75ms);  // all due in one call
  EXPECT_EQ(log.fired, (Labels{"a", "b", "c1", "c2", "d"}));
  EXPECT_EQ(wheel.armed_count(), 0u);
  EXPECT_FALSE(a.armed());
}

TEST(TimerWheel, ReArmingMovesToTheBackOfItsNewTick) {
  TimerWheel wheel(10ms, 8, T0);
  Log log;
  Timer x(log.record("x")), y(log.record("y"));
  wheel.arm(x, 10ms);
  wheel.arm(y, 10ms);
  wheel.arm(x, 10ms);  // re-armed last: now fires after y
  wheel.advance(T0 + 10ms);
  EXPECT_EQ(log.fired, (Labels{"y", "x"}));
}

TEST(TimerWheel, NeverFiresEarlyAndRoundsUpToAWholeTick) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; });
  wheel.arm(t, 25ms);  // deadline 25 ms: tick 3 (30 ms)
  wheel.advance(T0 + 29ms + 999us);
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(t.armed());
  wheel.advance(T0 + 30ms);
  EXPECT_EQ(fired, 1);

  // Armed off a tick boundary: from 33 ms, 10 ms is due at 43 ms, so at the
  // 50 ms tick, not at 40 ms (which would be 3 ms early).
  wheel.advance(T0 + 33ms);
  wheel.arm(t, 10ms);
  wheel.advance(T0 + 49ms);
  EXPECT_EQ(fired, 1);
  wheel.advance(T0 + 50ms);
  EXPECT_EQ(fired, 2);

  // A delay of exactly one tick from a boundary fires exactly one tick later.
  wheel.arm(t, 10ms);
  wheel.advance(T0 + 59ms);
  EXPECT_EQ(fired, 2);
  wheel.advance(T0 + 60ms);
  EXPECT_EQ(fired, 3);
}

TEST(TimerWheel, ZeroOrNegativeDelayFiresAtTheNextTickNotTheCurrentOne) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; });
  wheel.advance(T0 + 20ms);  // tick 2 processed
  wheel.arm(t, 0ms);
  wheel.advance(T0 + 20ms);
  wheel.advance(T0 + 29ms);
  EXPECT_EQ(fired, 0);
  wheel.advance(T0 + 30ms);
  EXPECT_EQ(fired, 1);
  wheel.arm(t, -5s);
  wheel.advance(T0 + 39ms);
  EXPECT_EQ(fired, 1);
  wheel.advance(T0 + 40ms);
  EXPECT_EQ(fired, 2);
}

TEST(TimerWheel, TimeGoingBackwardsIsIgnored) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; });
  wheel.advance(T0 + 55ms);
  wheel.advance(T0 + 10ms);  // stale: the wheel time stays 55 ms
  wheel.arm(t, 10ms);        // so due at 65 ms (tick 7), not at 20 ms (or tick 6)
  wheel.advance(T0 + 69ms);
  EXPECT_EQ(fired, 0);
  wheel.advance(T0 + 70ms);
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CancelBeforeFiring) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; }), other([&] { fired += 100; });
  wheel.arm(t, 10ms);
  wheel.arm(other, 10ms);
  wheel.cancel(t);
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(wheel.armed_count(), 1u);
  wheel.cancel(t);  // second cancel: no-op
  EXPECT_EQ(wheel.armed_count(), 1u);
  wheel.advance(T0 + 1s);
  EXPECT_EQ(fired, 100);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, CallbackCancelsATimerDueLaterInTheSameTick) {
  TimerWheel wheel(10ms, 8, T0);
  Log log;
  Timer b(log.record("b")), c(log.record("c"));
  Timer a([&] {
    log.fired.push_back("a");
    wheel.cancel(b);
  });
  wheel.arm(a, 10ms);
  wheel.arm(b, 10ms);  // same tick as a, after it
  wheel.arm(c, 10ms);
  wheel.advance(T0 + 10ms);
  EXPECT_EQ(log.fired, (Labels{"a", "c"}));
  EXPECT_FALSE(b.armed());
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, CallbackCancelsATimerDueAtALaterTickOfTheSameAdvance) {
  TimerWheel wheel(10ms, 8, T0);
  Log log;
  Timer later(log.record("later"));
  Timer first([&] {
    log.fired.push_back("first");
    wheel.cancel(later);
  });
  wheel.arm(first, 10ms);
  wheel.arm(later, 40ms);
  wheel.advance(T0 + 1s);  // more than one revolution: the sorted path
  EXPECT_EQ(log.fired, (Labels{"first"}));

  // Same again within one revolution: the tick-by-tick path.
  log.fired.clear();
  wheel.arm(first, 10ms);
  wheel.arm(later, 40ms);
  wheel.advance(T0 + 1s + 50ms);
  EXPECT_EQ(log.fired, (Labels{"first"}));
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, CancelAfterFiringIsANoOp) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; }), other([] {});
  wheel.arm(t, 10ms);
  wheel.arm(other, 50ms);
  wheel.advance(T0 + 10ms);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(t.armed());
  wheel.cancel(t);
  EXPECT_EQ(wheel.armed_count(), 1u);  // `other` untouched
  EXPECT_TRUE(other.armed());
  wheel.advance(T0 + 1s);
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CallbackReArmingItselfFiresOncePerAdvanceThenAgainLater) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  bool armed_inside = true;
  Timer t([&] {  // names itself: the lambda runs only after t is constructed
    ++fired;
    armed_inside = t.armed();
    wheel.arm(t, 10ms);  // a heartbeat: again one tick from now
  });
  wheel.arm(t, 10ms);
  wheel.advance(T0 + 50ms);  // five ticks pass in one call
  EXPECT_EQ(fired, 1);       // re-armed with delay > 0: not again in this advance
  EXPECT_FALSE(armed_inside);
  EXPECT_TRUE(t.armed());
  wheel.advance(T0 + 59ms);
  EXPECT_EQ(fired, 1);  // 10 ms after the 50 ms at which it was re-armed
  wheel.advance(T0 + 60ms);
  EXPECT_EQ(fired, 2);
  wheel.advance(T0 + 10s);  // a long pause: still once
  EXPECT_EQ(fired, 3);
  wheel.cancel(t);
}

TEST(TimerWheel, CallbackReArmingItselfWithZeroDelayTerminates) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  std::unique_ptr<Timer> t;
  t = std::make_unique<Timer>([&] {
    ++fired;
    wheel.arm(*t, 0ms);
  });
  wheel.arm(*t, 10ms);
  wheel.advance(T0 + 30ms);
  // Fired at tick 1; the 0 ms re-arm from the 30 ms wheel time lands on tick 3,
  // still unprocessed and due; from tick 3 it can only go to tick 4.
  EXPECT_EQ(fired, 2);
  wheel.advance(T0 + 35ms);
  EXPECT_EQ(fired, 2);
  wheel.advance(T0 + 40ms);
  EXPECT_EQ(fired, 3);
}

TEST(TimerWheel, CallbackArmsAnotherTimer) {
  TimerWheel wheel(10ms, 8, T0);
  Log log;
  Timer second(log.record("second"));
  Timer first([&] {
    log.fired.push_back("first");
    wheel.arm(second, 20ms);  // from the wheel time of 15 ms: due at 35, tick 4
  });
  wheel.arm(first, 10ms);
  wheel.advance(T0 + 15ms);
  EXPECT_EQ(log.fired, (Labels{"first"}));
  wheel.advance(T0 + 39ms);
  EXPECT_EQ(log.fired, (Labels{"first"}));
  wheel.advance(T0 + 40ms);
  EXPECT_EQ(log.fired, (Labels{"first", "second"}));
}

TEST(TimerWheel, TimeoutsOfManyRevolutionsFireAtTheirTickNotARevolutionEarly) {
  constexpr std::size_t kSlots = 8;
  TimerWheel wheel(10ms, kSlots, T0);
  int fired_at_tick = -1;
  int tick = 0;
  Timer t([&] { fired_at_tick = tick; });
  // 10 revolutions and 3 ticks.
  const int due = 10 * static_cast<int>(kSlots) + 3;
  wheel.arm(t, due * 10ms);
  for (tick = 1; tick <= due + static_cast<int>(kSlots); ++tick) wheel.advance(T0 + tick * 10ms);
  EXPECT_EQ(fired_at_tick, due);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, TimersOfDifferentRevolutionsInOneSlot) {
  constexpr std::size_t kSlots = 8;
  TimerWheel wheel(10ms, kSlots, T0);
  std::vector<int> fired;
  int tick = 0;
  std::deque<Timer> timers;
  // Ticks 5, 13, 21, 29 all share slot 5; armed latest-first.
  for (int due : {29, 5, 21, 13}) {
    timers.emplace_back([&fired, &tick, due] {
      EXPECT_EQ(tick, due);
      fired.push_back(due);
    });
    wheel.arm(timers.back(), due * 10ms);
  }
  for (tick = 1; tick <= 40; ++tick) wheel.advance(T0 + tick * 10ms);
  EXPECT_EQ(fired, (std::vector<int>{5, 13, 21, 29}));
}

TEST(TimerWheel, LongPauseFiresEverythingDueOnceInDeadlineOrder) {
  // Tick 1 ns and a pause of 10^15 ticks (about 11.6 days): an advance()
  // that walked tick by tick would never finish.
  constexpr std::size_t kSlots = 16;
  TimerWheel wheel(1ns, kSlots, T0);
  std::vector<std::int64_t> fired;
  std::deque<Timer> timers;
  std::vector<std::int64_t> due = {3, 19, 35, 1000, 1'000'000'000'000, 16, 999'999'999'999'999, 35};
  const std::int64_t beyond = 1'000'000'000'000'001;  // just after the pause
  due.push_back(beyond);
  for (std::int64_t d : due) {
    timers.emplace_back([&fired, d] { fired.push_back(d); });
    wheel.arm(timers.back(), std::chrono::nanoseconds(d));
  }
  wheel.advance(T0 + std::chrono::nanoseconds(beyond - 1));
  std::vector<std::int64_t> expected(due.begin(), due.end() - 1);
  std::stable_sort(expected.begin(), expected.end());
  EXPECT_EQ(fired, expected);
  EXPECT_EQ(wheel.armed_count(), 1u);
  EXPECT_TRUE(timers.back().armed());
  // And the wheel still works at tick granularity after the jump.
  wheel.advance(T0 + std::chrono::nanoseconds(beyond));
  EXPECT_EQ(fired.size(), due.size());
  EXPECT_EQ(fired.back(), beyond);
}

TEST(TimerWheel, LongPauseKeepsArmingOrderWithinATick) {
  TimerWheel wheel(10ms, 4, T0);
  Log log;
  Timer a(log.record("a")), b(log.record("b")), c(log.record("c")), late(log.record("late"));
  wheel.arm(late, 500ms);  // tick 50 shares slot 2 with tick 2
  wheel.arm(b, 20ms);
  wheel.arm(a, 10ms);
  wheel.arm(c, 20ms);
  wheel.advance(T0 + 1h);
  EXPECT_EQ(log.fired, (Labels{"a", "b", "c", "late"}));
}

TEST(TimerWheel, NextTimeoutMs) {
  TimerWheel wheel(10ms, 8, T0);
  EXPECT_EQ(wheel.next_timeout_ms(T0), -1);
  Timer t([] {});
  wheel.arm(t, 25ms);  // tick 3: 30 ms
  EXPECT_EQ(wheel.next_timeout_ms(T0), 30);
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 7ms), 23);
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 7ms + 1us), 23);  // 22.999 ms rounds up
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 30ms), 0);        // due, not yet advanced
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 1s), 0);          // overdue: never negative
  wheel.cancel(t);
  EXPECT_EQ(wheel.next_timeout_ms(T0), -1);

  // Emptied slots stop counting, whether emptied by cancel() or by firing:
  // the bound moves on to the next timer instead of waking early.
  Timer a([] {}), b([] {}), c([] {});
  wheel.arm(a, 10ms);
  wheel.arm(b, 30ms);
  wheel.arm(c, 50ms);
  EXPECT_EQ(wheel.next_timeout_ms(T0), 10);
  wheel.cancel(a);
  EXPECT_EQ(wheel.next_timeout_ms(T0), 30);
  wheel.advance(T0 + 30ms);  // fires b, empties slot 3
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 30ms), 20);
  wheel.arm(a, 90ms);        // due at 120 ms: tick 12, slot 4
  wheel.advance(T0 + 70ms);  // fires c (slot 5); slot 3 would next be visited at tick 11
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 70ms), 50);
  wheel.cancel(a);

  // Sub-millisecond ticks: 1.5 ms rounds up to 2, never down to an early wake.
  TimerWheel fine(500us, 8, T0);
  Timer u([] {});
  fine.arm(u, 1200us);  // tick 3: 1.5 ms
  EXPECT_EQ(fine.next_timeout_ms(T0), 2);

  wheel.cancel(t);
}

TEST(TimerWheel, HugeDelaysDoNotOverflow) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  Timer t([&] { ++fired; });
  wheel.advance(T0 + 15ms);  // a remainder in the wheel time, too
  wheel.arm(t, Clock::duration::max());
  const int ms = wheel.next_timeout_ms(T0 + 15ms);
  EXPECT_GE(ms, 0);
  EXPECT_LE(ms, 80);  // the bound is the slot's next visit, within a revolution
  wheel.advance(T0 + std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(t.armed());
}

TEST(TimerWheel, NextTimeoutMsIsABoundWhenOnlyALaterRevolutionOccupiesTheSlot) {
  TimerWheel wheel(10ms, 8, T0);
  Timer t([] {});
  wheel.arm(t, 8 * 10ms + 30ms);  // tick 11, slot 3: first visited at tick 3
  // The documented bound: the slot's next visit (30 ms), not later than 110 ms.
  EXPECT_EQ(wheel.next_timeout_ms(T0), 30);
  wheel.advance(T0 + 30ms);  // visits slot 3, fires nothing
  EXPECT_TRUE(t.armed());
  EXPECT_EQ(wheel.next_timeout_ms(T0 + 30ms), 80);  // now exact
}

TEST(TimerWheel, NextTimeoutMsIsNeverLaterThanTheEarliestDeadline) {
  // Random arms, cancels and advances; after each step the timeout, if waited
  // for, must not overshoot the earliest tick at which a timer is due, and
  // advancing by exactly the returned timeout must reach that tick when the
  // bound is exact.
  static constexpr auto kTick = 10ms;  // static: the lambdas below use it uncaptured
  // The start of the first tick at which a timer armed at `now` (the wheel
  // time) with `delay` may fire: now + delay rounded up to a tick, and never a
  // tick that advance(now) already processed.
  auto earliest_tick_start = [](Clock::time_point now, Clock::duration delay) {
    const auto ticks_up = [](Clock::duration d) { return (d + kTick - 1ns) / kTick; };
    const auto processed = (now - T0) / kTick;
    return T0 + std::max(ticks_up(now + delay - T0), processed + 1) * kTick;
  };
  TimerWheel wheel(kTick, 16, T0);
  std::mt19937_64 rng(42);
  std::deque<Timer> timers;
  std::vector<Clock::time_point> deadline(64);  // the tick start at which each is due
  for (std::size_t i = 0; i < deadline.size(); ++i) timers.emplace_back([] {});
  Clock::time_point now = T0;
  for (int step = 0; step < 20000; ++step) {
    const std::size_t i = rng() % timers.size();
    switch (rng() % 3) {
      case 0: {
        const auto delay = std::chrono::microseconds(rng() % 500'000);
        wheel.arm(timers[i], delay);
        deadline[i] = earliest_tick_start(now, delay);
        break;
      }
      case 1:
        wheel.cancel(timers[i]);
        break;
      default:
        now += std::chrono::microseconds(rng() % 40'000);
        wheel.advance(now);
        break;
    }
    Clock::time_point earliest = Clock::time_point::max();
    for (std::size_t j = 0; j < timers.size(); ++j) {
      if (timers[j].armed()) earliest = std::min(earliest, deadline[j]);
    }
    const int ms = wheel.next_timeout_ms(now);
    if (earliest == Clock::time_point::max()) {
      ASSERT_EQ(ms, -1);
    } else {
      ASSERT_GE(ms, 0);
      // Waiting `ms` must not wake after the earliest due tick has started
      // (beyond the sub-millisecond part that rounding up adds).
      ASSERT_LE(ms, std::chrono::ceil<std::chrono::milliseconds>(earliest - now).count())
          << "step " << step;
    }
  }
}

TEST(TimerWheel, DestroyingAnArmedTimerCancelsIt) {
  TimerWheel wheel(10ms, 8, T0);
  int fired = 0;
  auto doomed = std::make_unique<Timer>([&] { ++fired; });
  Timer survivor([&] { fired += 100; });
  wheel.arm(*doomed, 10ms);
  wheel.arm(survivor, 10ms);
  doomed.reset();
  EXPECT_EQ(wheel.armed_count(), 1u);
  wheel.advance(T0 + 10ms);  // would touch freed memory if still linked (ASan)
  EXPECT_EQ(fired, 100);
}

TEST(TimerWheel, CallbackMayDestroyItsOwnTimerAndOthersInTheBatch) {
  // The common case: a timeout closes the connection that embeds the Timer.
  TimerWheel wheel(10ms, 8, T0);
  struct Connection {
    Timer timeout;
    explicit Connection(std::function<void()> f) : timeout(std::move(f)) {}
  };
  std::vector<std::unique_ptr<Connection>> conns(3);
  int fired = 0;
  conns[0] = std::make_unique<Connection>([&] {
    ++fired;
    // Copy what is needed out of the captures first: destroying the Timer
    // destroys this very closure.
    auto& all = conns;
    all[1].reset();  // the next one in the same tick
    all[0].reset();  // itself: nothing of the closure is touched after this
  });
  conns[1] = std::make_unique<Connection>([&] { fired += 100; });
  conns[2] = std::make_unique<Connection>([&] {
    ++fired;
    conns[2].reset();
  });
  for (auto& c : conns) wheel.arm(c->timeout, 10ms);
  wheel.advance(T0 + 10ms);
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, TimersMayOutliveTheWheel) {
  Timer t([] {});
  {
    TimerWheel wheel(10ms, 8, T0);
    wheel.arm(t, 10ms);
    EXPECT_TRUE(t.armed());
  }
  EXPECT_FALSE(t.armed());  // and ~Timer must not touch the dead wheel (ASan)
}

TEST(TimerWheel, EmptyCallbackIsAllowed) {
  TimerWheel wheel(10ms, 8, T0);
  Timer t(nullptr);
  wheel.arm(t, 10ms);
  wheel.advance(T0 + 10ms);
  EXPECT_FALSE(t.armed());
}

TEST(TimerWheel, AMillionTimersHalfCancelledTheRestFireExactlyOnce) {
  constexpr std::size_t kCount = 1'000'000;
  TimerWheel wheel(10ms, 512, T0);
  std::vector<std::uint8_t> fired(kCount, 0);
  std::deque<Timer> timers;
  for (std::size_t i = 0; i < kCount; ++i) {
    timers.emplace_back([&fired, i] { ++fired[i]; });
  }
  // Delays up to 20 s: four revolutions of 5.12 s, every slot busy.
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < kCount; ++i)
    wheel.arm(timers[i], std::chrono::milliseconds(rng() % 20'000));
  for (std::size_t i = 0; i < kCount; i += 2) wheel.cancel(timers[i]);
  EXPECT_EQ(wheel.armed_count(), kCount / 2);
  // Advance at a realistic pace, 25 ms per loop iteration, for 12.5 s, then
  // jump past everything (the long-pause path, with about 190k timers due).
  Clock::time_point now = T0;
  for (int step = 0; step < 500; ++step) wheel.advance(now += 25ms);
  EXPECT_GT(wheel.armed_count(), kCount / 8);
  wheel.advance(now + 1h);
  EXPECT_EQ(wheel.armed_count(), 0u);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kCount; ++i) wrong += fired[i] != (i % 2 == 0 ? 0 : 1);
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
