#include "tools/wsload_broadcast.hpp"

#include "tools/wsload_worker.hpp"

namespace wsload {

RoundBarrier::RoundBarrier(const LoadOptions& options,
                           const std::vector<std::unique_ptr<Worker>>& workers)
    : options_(options),
      workers_(workers),
      timeout_ns_(static_cast<Nanos>(options.round_timeout_s * 1e9)) {}

void RoundBarrier::start(Nanos now, Nanos window_start, Nanos window_end) {
  window_start_ = window_start;
  window_end_ = window_end;
  if (now >= window_start) {
    first_measured_.store(0, std::memory_order_relaxed);
    measured_start_.store(now, std::memory_order_relaxed);
  }
  round_started_.store(now, std::memory_order_relaxed);
  workers_left_.store(workers_.size(), std::memory_order_relaxed);
  state_.store(pack(0, running), std::memory_order_release);
  begin_everywhere(0, now >= window_start);
}

void RoundBarrier::arrive(std::uint64_t round, Nanos now, WorkerStats& stats) {
  if (workers_left_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last to arrive: round `round` is complete. Everything for the next
  // round is written before the compare-exchange publishes it (the main
  // thread reads round_started_ after loading state_).
  const Nanos started = round_started_.exchange(now, std::memory_order_relaxed);
  workers_left_.store(workers_.size(), std::memory_order_relaxed);
  if (now >= window_end_) return end();  // too late to count: the run is over
  const bool measured = round >= first_measured_.load(std::memory_order_relaxed);
  bool last = false;
  if (measured) {
    last = options_.rounds != 0 &&
           measured_rounds_.load(std::memory_order_relaxed) + 1 >= options_.rounds;
  } else if (now >= window_start_) {
    first_measured_.store(round + 1, std::memory_order_relaxed);
    measured_start_.store(now, std::memory_order_relaxed);
  }
  std::uint64_t expected = pack(round, running);
  const std::uint64_t next = last ? pack(round, ended) : pack(round + 1, running);
  if (!state_.compare_exchange_strong(expected, next, std::memory_order_acq_rel))
    return;  // the run ended or halted first: this round is not counted
  if (measured) {
    stats.round_time.record(static_cast<std::uint64_t>(std::max<Nanos>(now - started, 0)));
    ++stats.rounds;
    measured_rounds_.store(measured_rounds_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    last_completion_.store(now, std::memory_order_relaxed);
  }
  if (!last) begin_everywhere(round + 1, round + 1 >= first_measured_.load(std::memory_order_relaxed));
}

void RoundBarrier::begin_everywhere(std::uint64_t round, bool measured) {
  for (const auto& w : workers_) w->defer_round(round, measured);
}

void RoundBarrier::end() noexcept {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  while (status(state) == running &&
         !state_.compare_exchange_weak(state, pack(state >> 2, ended), std::memory_order_acq_rel)) {
  }
}

bool RoundBarrier::check_stall(Nanos now, Nanos last_delivery) noexcept {
  const std::uint64_t state = state_.load(std::memory_order_acquire);
  if (status(state) != running) return status(state) == halted;
  const Nanos quiet_since = std::max(round_started_.load(std::memory_order_relaxed), last_delivery);
  if (now - quiet_since <= timeout_ns_) return false;
  // Halts this round only: if it completed meanwhile, the next one has its
  // own start time and the exchange fails.
  std::uint64_t expected = state;
  return state_.compare_exchange_strong(expected, pack(state >> 2, halted),
                                        std::memory_order_acq_rel);
}

double RoundBarrier::measured_seconds(Nanos end) const noexcept {
  if (first_measured_.load(std::memory_order_relaxed) == no_round) return 0;
  const Nanos start = measured_start_.load(std::memory_order_relaxed);
  return end > start ? static_cast<double>(end - start) / 1e9 : 0;
}

}  // namespace wsload
