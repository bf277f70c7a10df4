// core/timer_wheel.cpp: see timer_wheel.hpp for the contract.
//
// Layout: slot s holds, in arming order, every armed timer whose absolute
// expiry tick e has e & mask_ == s, whatever its revolution. A slot visit at
// tick t fires only the timers with e <= t and leaves later revolutions in
// place (the "absolute tick" scheme: no per-revolution counters to decrement,
// so a visit costs O(slot list), and re-arming never touches other timers).
//
// Invariant outside advance(): every armed timer has e > current_tick_, and
// bit s of occupied_ is set exactly when slot s is non-empty.
#include "core/timer_wheel.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace core {

namespace {

using detail::TimerLink;

void init_sentinel(TimerLink& sentinel) noexcept { sentinel.prev = sentinel.next = &sentinel; }

bool list_empty(const TimerLink& sentinel) noexcept { return sentinel.next == &sentinel; }

// Appends at the tail: same-tick timers then fire in arming order.
void append(TimerLink& sentinel, TimerLink& node) noexcept {
  node.prev = sentinel.prev;
  node.next = &sentinel;
  sentinel.prev->next = &node;
  sentinel.prev = &node;
}

void detach(TimerLink& node) noexcept {
  node.prev->next = node.next;
  node.next->prev = node.prev;
  node.prev = node.next = nullptr;
}

}  // namespace

Timer::Timer(std::function<void()> on_expire) : on_expire_(std::move(on_expire)) {}

Timer::~Timer() {
  if (wheel_ != nullptr) wheel_->cancel(*this);
}

TimerWheel::TimerWheel(Clock::duration tick, std::size_t slots, Clock::time_point now)
    : tick_(tick), origin_(now), now_(now), mask_(slots - 1) {
  if (tick <= Clock::duration::zero())
    throw std::invalid_argument("TimerWheel: tick must be positive");
  // A power of two makes the slot of a tick a mask instead of a division.
  if (!std::has_single_bit(slots))
    throw std::invalid_argument("TimerWheel: slots must be a power of two");
  slots_.resize(slots);
  for (TimerLink& s : slots_) init_sentinel(s);
  occupied_.assign((slots + 63) / 64, 0);
  init_sentinel(batch_);
}

TimerWheel::~TimerWheel() {
  // Disarm rather than leave timers pointing at freed sentinels: a connection
  // may well be torn down after its loop's wheel.
  auto disarm_all = [](TimerLink& sentinel) {
    while (!list_empty(sentinel)) {
      Timer& t = timer_of(sentinel.next);
      detach(t);
      t.wheel_ = nullptr;
    }
  };
  for (TimerLink& s : slots_) disarm_all(s);
  disarm_all(batch_);
}

std::uint64_t TimerWheel::tick_of(Clock::time_point t) const noexcept {
  if (t <= origin_) return 0;
  return static_cast<std::uint64_t>((t - origin_) / tick_);
}

// ceil((now_ - origin_ + delay) / tick_), computed as quotients and remainders
// so that a delay near Clock::duration::max() cannot overflow; then at least
// the first unprocessed tick.
std::uint64_t TimerWheel::expiry_for(Clock::duration delay) const noexcept {
  if (delay < Clock::duration::zero()) delay = Clock::duration::zero();
  const Clock::duration elapsed = now_ - origin_;  // >= 0: now_ never goes below origin_
  const auto whole =
      static_cast<std::uint64_t>(elapsed / tick_) + static_cast<std::uint64_t>(delay / tick_);
  // Each remainder is in [0, tick_), so their sum is in [0, 2 * tick_) and
  // rounds up to 0, 1 or 2 more ticks. Summing two remainders cannot overflow
  // unless tick_ is above half the duration range, which no one configures.
  const Clock::duration rest = (elapsed % tick_) + (delay % tick_);
  const std::uint64_t up = rest == Clock::duration::zero() ? 0 : (rest <= tick_ ? 1 : 2);
  const std::uint64_t expiry = whole + up;
  return expiry > current_tick_ ? expiry : current_tick_ + 1;
}

// The first tick after `tick` whose slot is non-empty (at most one revolution
// ahead), or nullopt if every slot is empty. Because a timer with expiry e
// sits in the slot that the walk reaches at some tick <= e, this tick is a
// lower bound on the earliest expiry.
std::optional<std::uint64_t> TimerWheel::first_occupied_after(std::uint64_t tick) const noexcept {
  const std::size_t n = slots_.size();
  const std::size_t start = static_cast<std::size_t>(tick + 1) & mask_;
  // Index of the first set bit in [lo, hi), or n.
  auto scan = [&](std::size_t lo, std::size_t hi) -> std::size_t {
    for (std::size_t w = lo / 64; w * 64 < hi; ++w) {
      std::uint64_t bits = occupied_[w];
      if (w == lo / 64) bits &= ~std::uint64_t{0} << (lo % 64);
      if (bits == 0) continue;
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      return i < hi ? i : n;
    }
    return n;
  };
  std::size_t found = scan(start, n);
  if (found == n) found = scan(0, start);
  if (found == n) return std::nullopt;
  return tick + 1 + ((found - start) & mask_);
}

void TimerWheel::link_into_slot(Timer& timer) noexcept {
  const std::size_t s = static_cast<std::size_t>(timer.expiry_tick_) & mask_;
  append(slots_[s], timer);
  occupied_[s / 64] |= std::uint64_t{1} << (s % 64);
}

// Takes `timer` out of whichever list holds it (its slot or the batch) and
// keeps the occupancy bit of its slot exact.
void TimerWheel::unlink(Timer& timer) noexcept {
  const std::size_t s = static_cast<std::size_t>(timer.expiry_tick_) & mask_;
  TimerLink* const sentinel = &slots_[s];
  // Both neighbours are the slot's sentinel exactly when `timer` was the
  // slot's only node; in the batch, a neighbour is batch_ instead.
  const bool was_alone_in_slot = timer.prev == sentinel && timer.next == sentinel;
  detach(timer);
  if (was_alone_in_slot) occupied_[s / 64] &= ~(std::uint64_t{1} << (s % 64));
}

void TimerWheel::arm(Timer& timer, Clock::duration delay) noexcept {
  // Trips if a Timer armed on one loop's wheel is armed on another's: the two
  // loops would race on its links.
  assert(timer.wheel_ == nullptr || timer.wheel_ == this);
  if (timer.wheel_ != nullptr) {
    unlink(timer);
  } else {
    ++armed_;
  }
  timer.wheel_ = this;
  timer.expiry_tick_ = expiry_for(delay);
  link_into_slot(timer);
}

void TimerWheel::cancel(Timer& timer) noexcept {
  if (timer.wheel_ == nullptr) return;
  // Trips on cancelling through another loop's wheel (a cross-thread race).
  assert(timer.wheel_ == this);
  unlink(timer);
  timer.wheel_ = nullptr;
  --armed_;
}

// Moves the timers of `slot` due by `up_to_tick` to the tail of the batch,
// keeping their order; later revolutions stay.
void TimerWheel::collect_due(std::size_t slot, std::uint64_t up_to_tick) noexcept {
  TimerLink& sentinel = slots_[slot];
  for (TimerLink* link = sentinel.next; link != &sentinel;) {
    TimerLink* const next = link->next;
    if (timer_of(link).expiry_tick_ <= up_to_tick) {
      detach(*link);
      append(batch_, *link);
    }
    link = next;
  }
  if (list_empty(sentinel)) occupied_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
}

// Puts the batch in deadline order. std::stable_sort keeps ties in batch
// order, which within one tick is arming order: all timers of one tick come
// from one slot, whose order collect_due() preserved. Sorting an array of
// (tick, timer) instead of the linked list itself matters: a list merge sort
// takes a cache miss per node per pass (measured: 3 s for 290k timers, where
// this whole long-pause advance takes 0.35 s); relinking costs one miss per node.
void TimerWheel::sort_batch(std::vector<std::pair<std::uint64_t, Timer*>>& scratch) noexcept {
  for (TimerLink* link = batch_.next; link != &batch_; link = link->next) {
    scratch.emplace_back(timer_of(link).expiry_tick_,
                         &timer_of(link));  // within capacity: no throw
  }
  // (stable_sort falls back to a slower in-place merge, without throwing, if
  // it cannot get its temporary buffer.)
  std::stable_sort(scratch.begin(), scratch.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  init_sentinel(batch_);
  for (const auto& entry : scratch) append(batch_, *entry.second);
}

// noexcept on purpose: a throwing callback would leave armed timers stranded
// in the batch, so it terminates instead (see the header).
void TimerWheel::fire_batch() noexcept {
  // Re-read the head every time: a callback may have cancelled, re-armed or
  // destroyed any timer still waiting in the batch, and each of those simply
  // takes it out of the list.
  while (!list_empty(batch_)) {
    Timer& timer = timer_of(batch_.next);
    detach(timer);
    timer.wheel_ = nullptr;
    --armed_;
    // After this call `timer` may no longer exist (its owner may have been
    // destroyed by the callback): do not touch it again.
    if (timer.on_expire_) timer.on_expire_();
  }
}

void TimerWheel::advance(Clock::time_point now) {
  // Trips on advance() from inside a timer callback: the batch being fired
  // would be fired twice over.
  assert(!advancing_);
  if (now <= now_) return;
  const std::uint64_t target = tick_of(now);
  if (target <= current_tick_) {
    now_ = now;
    return;
  }
  const bool long_pause = target - current_tick_ > slots_.size();
  // The long pause sorts through an array, reserved before anything changes:
  // if that allocation throws, the wheel is as it was.
  std::vector<std::pair<std::uint64_t, Timer*>> scratch;
  if (long_pause) scratch.reserve(armed_);
  now_ = now;  // callbacks arm against the time the loop observed, not a stale tick
  advancing_ = true;
  if (!long_pause) {
    // Within one revolution each slot is reached at most once, and a timer is
    // due at exactly the tick its slot is reached. Skip empty slots through
    // the bitmap; search afresh each time because callbacks may fill slots
    // further along (a delay-0 arm lands on `target`).
    std::uint64_t t = current_tick_;
    while (const auto next = first_occupied_after(t)) {
      if (*next > target) break;
      t = *next;
      current_tick_ = t;
      collect_due(static_cast<std::size_t>(t) & mask_, t);
      fire_batch();
    }
  } else {
    // A pause longer than one revolution: visit every slot once, take
    // everything due, then restore deadline order by sorting, instead of
    // walking millions of empty ticks.
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      if ((occupied_[s / 64] >> (s % 64)) & 1) collect_due(s, target);
    }
    sort_batch(scratch);
    current_tick_ = target;
    fire_batch();
  }
  current_tick_ = target;
  advancing_ = false;
}

int TimerWheel::next_timeout_ms(Clock::time_point now) const noexcept {
  if (armed_ == 0) return -1;
  const auto tick = first_occupied_after(current_tick_);
  // Nothing in the slots yet something armed: only possible from a callback,
  // with the rest of the batch still to fire.
  if (!tick) return 0;
  // *tick <= current_tick_ + slots, so this product stays near the elapsed time.
  const Clock::time_point due = origin_ + tick_ * static_cast<Clock::rep>(*tick);
  if (due <= now) return 0;
  // Rounded up: rounding down would wake epoll_wait just before the tick,
  // find nothing due, and spin with a 0 ms timeout until the tick arrives.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace core
