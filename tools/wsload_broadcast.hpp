// --broadcast: the round barrier that spans every worker thread, and what
// one connection has received of the current round.
//
// A round: every connection sends one message, stamped with its id and the
// round (tools/wsload_payload.hpp, the checked layout); the server sends
// each to every connection, the sender included; the round is complete when
// every connection holds all N messages of it. Only then does round r + 1
// start. So a correct server never delivers a message of round r + 1 to a
// connection still collecting round r, and every message a connection gets
// is of the round it is collecting: one of an earlier round is a duplicate
// (that round was complete, so this is a second copy), one of a later round
// was misdelivered, and counts as corrupt.
//
// Design of the barrier:
// - Per connection, RoundReceipts: one bit per sender for the round being
//   collected (N x N / 8 bytes in all: 125 KB at 1000 connections, 12.5 MB
//   at 10,000). A bit already set is a duplicate.
// - Per worker, on its loop thread and with no atomics: how many of its
//   connections hold the whole round. When the last one does, the worker
//   arrive()s: one atomic decrement of workers_left_ per worker per round,
//   not one per connection or per message.
// - The arrival that takes workers_left_ to zero completes the round, on
//   that worker's thread: it records the round time (round start to now)
//   in its own WorkerStats (merged after join, like the latency histogram),
//   resets workers_left_, moves state_ to the next round and defers
//   begin_round(r + 1) to every worker's loop (EventLoop::defer, its own
//   loop included); each then sends one message per connection.
// - Ordering: the decrements are acq_rel and defer() passes through a
//   mutex, so whatever the completer of round r wrote happens before any
//   worker sends round r + 1, and before the completer of r + 1 reads it.
//   state_ packs (round, status) into one word, so that starting the next
//   round, the main thread's end() (window over, SIGINT) and its stall
//   halt are each one compare-exchange from (r, running): exactly one wins,
//   and once the run is over no round starts.
// - Stalls: the main thread polls check_stall(), which halts the run when
//   the current round has gone --round-timeout without completing and
//   without a single delivery anywhere. Silence, not the round's age: at
//   10,000 connections a round is 10^8 deliveries and may take longer than
//   any fixed timeout while every message is still on its way. The workers
//   are then stopped, and each connection still short of the stalled round
//   counts what it misses as lost (ClientConnection::on_shutdown).
//
// Thread safety: start(), end(), check_stall() and the accessors from the
// main thread; arrive() from a worker's loop thread. RoundReceipts belongs
// to its connection's loop thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "tools/wsload_options.hpp"
#include "tools/wsload_stats.hpp"

namespace wsload {

class Worker;

// What one connection has received of the round it is collecting.
class RoundReceipts {
 public:
  enum class Take : std::uint8_t {
    fresh,      // counted
    completes,  // counted, and it was the last one: the connection now collects the next round
    duplicate,  // this sender's message of this round came before
    early,      // a round this connection is not collecting yet: misdelivered
  };

  explicit RoundReceipts(std::uint32_t senders) : senders_(senders), seen_((senders + 63) / 64) {}

  // A message, already verified, from `sender` (< senders()) of `round`.
  Take take(std::uint32_t sender, std::uint64_t round) noexcept {
    if (round < round_) return Take::duplicate;  // that round was complete
    if (round > round_) return Take::early;
    std::uint64_t& word = seen_[sender / 64];
    const std::uint64_t bit = std::uint64_t{1} << (sender % 64);
    if (word & bit) return Take::duplicate;
    word |= bit;
    if (++received_ < senders_) return Take::fresh;
    std::fill(seen_.begin(), seen_.end(), 0);
    received_ = 0;
    ++round_;
    return Take::completes;
  }

  std::uint32_t senders() const noexcept { return senders_; }
  std::uint64_t round() const noexcept { return round_; }  // being collected
  std::uint32_t received() const noexcept { return received_; }  // of it
  // The lowest sender not heard from in this round; senders() if none.
  std::uint32_t first_missing() const noexcept {
    for (std::size_t i = 0; i < seen_.size(); ++i)
      if (~seen_[i] != 0)
        return std::min<std::uint32_t>(
            senders_, static_cast<std::uint32_t>(i * 64 + std::countr_one(seen_[i])));
    return senders_;
  }

 private:
  std::uint32_t senders_;
  std::uint32_t received_ = 0;
  std::uint64_t round_ = 0;
  std::vector<std::uint64_t> seen_;  // bit s: sender s heard from this round
};

class RoundBarrier {
 public:
  // `workers` is read from start() on: fill it before.
  RoundBarrier(const LoadOptions& options, const std::vector<std::unique_ptr<Worker>>& workers);

  // Main thread, once every connection is open: round 0 starts. A round is
  // measured if it starts at or after `window_start`, and counted if it
  // completes before `window_end` (no round starts after that).
  void start(Nanos now, Nanos window_start, Nanos window_end);
  // A worker's loop thread: every connection of that worker holds `round`.
  void arrive(std::uint64_t round, Nanos now, WorkerStats& stats);
  // Main thread: no round starts after the current one (which is abandoned,
  // not counted as lost).
  void end() noexcept;
  // Main thread: halts the run if the current round started, and the last
  // delivery (of any connection) came, more than --round-timeout before
  // `now`. True once halted.
  bool check_stall(Nanos now, Nanos last_delivery) noexcept;

  // Main thread (and workers, for stalled()).
  bool over() const noexcept { return status(state_.load(std::memory_order_acquire)) != running; }
  bool stalled() const noexcept { return status(state_.load(std::memory_order_acquire)) == halted; }
  // The round being collected, or the one that stalled.
  std::uint64_t round() const noexcept { return state_.load(std::memory_order_acquire) >> 2; }
  // Seconds from the start of the first measured round to `end`; 0 if no
  // round was measured.
  double measured_seconds(Nanos end) const noexcept;
  // When the last measured round completed.
  Nanos last_completion() const noexcept { return last_completion_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::uint64_t running = 0, ended = 1, halted = 2;
  static constexpr std::uint64_t no_round = UINT64_MAX;
  static constexpr std::uint64_t pack(std::uint64_t round, std::uint64_t status) noexcept {
    return round << 2 | status;
  }
  static constexpr std::uint64_t status(std::uint64_t state) noexcept { return state & 3; }
  void begin_everywhere(std::uint64_t round, bool measured);

  const LoadOptions& options_;
  const std::vector<std::unique_ptr<Worker>>& workers_;
  Nanos window_start_ = 0, window_end_ = 0;
  Nanos timeout_ns_;
  std::atomic<std::uint64_t> state_{pack(0, ended)};  // (round, status); ended until start()
  std::atomic<std::size_t> workers_left_{0};          // to arrive in the current round
  std::atomic<Nanos> round_started_{0};               // of the current round
  // Written by completers only (one at a time, ordered as above); atomics
  // so that the main thread may read them while the loops run.
  std::atomic<std::uint64_t> first_measured_{no_round};
  std::atomic<Nanos> measured_start_{0};
  std::atomic<Nanos> last_completion_{0};
  std::atomic<std::uint64_t> measured_rounds_{0};
};

}  // namespace wsload
