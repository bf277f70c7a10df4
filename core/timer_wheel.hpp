// core/timer_wheel.hpp: a hashed timing wheel, one per event loop, with
// intrusive timers embedded in their owners (a connection's handshake timeout,
// heartbeat, close timeout).
//
// Contract:
// - Time is cut into ticks of `tick` counted from the `now` given to the
//   constructor. A timer armed with `delay` fires in the first advance(now)
//   whose tick is at or past `wheel time + delay`, rounded UP to a whole tick:
//   never early, at most one tick (plus the loop's latency) late. The wheel
//   time is the latest `now` given to the constructor or advance(); the loop
//   calls advance() after epoll_wait returns, before dispatching I/O, so that
//   I/O handlers arm against a fresh time.
// - A delay that rounds to a tick already processed (0, or negative) fires at
//   the next unprocessed tick, so arming can never make advance() loop forever.
// - arm, re-arm and cancel are O(1). advance() costs O(timers in the visited
//   slots), and visits at most one revolution of slots however long the pause
//   (after a pause of more than one revolution the k due timers are sorted,
//   O(k log k), through an array allocated for the purpose: the only case in
//   which advance() allocates, or can throw, std::bad_alloc, before changing
//   anything).
// - Timers due in one advance() fire in deadline order, and those of the same
//   tick in the order they were (last) armed. A callback may arm, re-arm,
//   cancel or destroy any Timer, its own included; a timer cancelled before
//   its turn does not fire. A timer armed from a callback with delay > 0 never
//   fires in the same advance() call. The wheel never touches a Timer after
//   calling it, so a timeout may destroy the connection that embeds it (the
//   callback must then not use its own captures after the destruction).
// - Callbacks must not throw (errors are returned, not thrown, on the hot
//   path): one that does terminates the process, because a half-fired batch
//   cannot be recovered. Callbacks must not call advance().
// - Thread safety: none, by design. A wheel and the Timers armed on it belong
//   to one loop thread; a Timer is never armed on two wheels.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace core {

using Clock = std::chrono::steady_clock;

class TimerWheel;

namespace detail {
// A node of a circular doubly-linked list with a sentinel. Circular so that
// unlinking needs neither the list head nor a branch: a timer can be taken out
// of a wheel slot and out of the batch being fired by the same two stores.
// Both pointers are non-owning; both are null while the timer is not armed.
struct TimerLink {
  TimerLink* prev = nullptr;
  TimerLink* next = nullptr;
};
}  // namespace detail

// Intrusive timer: embed in the object that owns the timeout. Not copyable or
// movable (the wheel links to it). Destroying an armed Timer cancels it.
// 64 bytes on x86-64: links 16, expiry tick 8, wheel 8, callback 32.
class Timer : private detail::TimerLink {
 public:
  // Set once; called on the loop thread, after the timer has been disarmed
  // (armed() is false inside the callback, which may re-arm it).
  explicit Timer(std::function<void()> on_expire);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  bool armed() const noexcept { return wheel_ != nullptr; }

 private:
  friend class TimerWheel;

  std::uint64_t expiry_tick_ = 0;  // absolute tick: survives any number of revolutions
  TimerWheel* wheel_ = nullptr;    // non-owning; set exactly while armed
  std::function<void()> on_expire_;
};

class TimerWheel {
 public:
  // tick: the resolution (the server uses ~10 ms .. 100 ms); slots: a power of
  // two (e.g. 512). Choosing tick * slots above the common timeouts keeps most
  // timers in their final revolution, which keeps next_timeout_ms() exact.
  // Throws std::invalid_argument for tick <= 0 or slots not a power of two
  // (start-up configuration).
  TimerWheel(Clock::duration tick, std::size_t slots, Clock::time_point now);
  // Disarms every timer still armed (without calling it), so Timers may
  // outlive the wheel.
  ~TimerWheel();
  // Not copyable or movable: armed Timers point at the wheel and at its slots.
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms (or re-arms: an armed timer is moved) `timer` to fire `delay` after
  // the wheel's current time, rounded UP to a whole tick (never fires early). O(1).
  void arm(Timer& timer, Clock::duration delay) noexcept;
  // O(1); no-op if not armed.
  void cancel(Timer& timer) noexcept;
  // Advances to `now`, firing every timer that is due (see the contract
  // above). A `now` earlier than the wheel time is ignored: time never runs
  // backwards here.
  void advance(Clock::time_point now);
  // Milliseconds from `now` until the next tick at which something MAY be due
  // (rounded up, >= 0), or -1 if nothing is armed: the epoll_wait timeout.
  // Which bound: the tick at which the first non-empty slot is next visited.
  // That is exact when that slot holds a timer of the current revolution, and
  // earlier otherwise (a slot holding only timers of later revolutions): the
  // loop then wakes, advance() fires nothing, and it asks again. Never later
  // than the earliest deadline. Cost: a scan of slots/64 bitmap words.
  int next_timeout_ms(Clock::time_point now) const noexcept;
  std::size_t armed_count() const noexcept { return armed_; }

 private:
  static Timer& timer_of(detail::TimerLink* link) noexcept { return static_cast<Timer&>(*link); }

  std::uint64_t tick_of(Clock::time_point t) const noexcept;
  std::uint64_t expiry_for(Clock::duration delay) const noexcept;
  std::optional<std::uint64_t> first_occupied_after(std::uint64_t tick) const noexcept;
  void unlink(Timer& timer) noexcept;
  void link_into_slot(Timer& timer) noexcept;
  void collect_due(std::size_t slot, std::uint64_t up_to_tick) noexcept;
  void sort_batch(std::vector<std::pair<std::uint64_t, Timer*>>& scratch) noexcept;
  void fire_batch() noexcept;

  Clock::duration tick_;
  Clock::time_point origin_;              // start of tick 0
  Clock::time_point now_;                 // the wheel time: arm() measures delays from here
  std::uint64_t current_tick_ = 0;        // every timer due at or before this tick has fired
  std::size_t mask_;                      // slots - 1
  std::vector<detail::TimerLink> slots_;  // sentinels, slot = expiry tick & mask_
  std::vector<std::uint64_t> occupied_;   // one bit per non-empty slot
  detail::TimerLink batch_;               // the due timers advance() is firing
  std::size_t armed_ = 0;
  bool advancing_ = false;  // only for the assert against advance() from a callback
};

}  // namespace core
