// wsload: the project's load generator. Opens --connections WebSocket (or raw
// TCP) connections to an echo server on --threads event loops, paces the
// ramp-up, loads the server in a closed loop (--pipeline messages in flight
// per connection) or an open loop (--rate), checks every echo, and reports
// throughput and round-trip latency percentiles. See tools/wsload_worker.hpp
// for the modes and tools/wsload_payload.hpp for how echoes are checked.
//
// The main thread only coordinates: it waits for the ramp-up, opens the
// measurement window (after --warmup), prints progress on a terminal, and
// stops the loops when the window closes (each connection then closes with
// 1000 and waits briefly for the server's close). SIGINT/SIGTERM end the
// window early; the report then covers the time actually measured.
//
// --broadcast: the main thread starts round 0 once every connection is open
// and then polls the round barrier (tools/wsload_broadcast.hpp) every
// couple of milliseconds: for the end of --rounds, and for a round that
// receives nothing for --round-timeout, which ends the run. The figures come from
// the barrier's own timestamps, so the polling does not blur them.
//
// wss://: one TLS client context for the run (--ca, --insecure), made
// before any thread starts; a context that cannot be made (an unreadable
// --ca) is one line on stderr and exit status 2. Each connection's TLS
// session is its Connection's transport (tools/wsload_tls.hpp).
//
// --subscribers: the workers publish on their schedule until the window
// ends (tools/wsload_pubsub.hpp); the main thread then waits, --drain at
// most, until every receiver holds every message published, and counts
// what is still missing as lost.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tools/wsload_broadcast.hpp"
#include "tools/wsload_options.hpp"
#include "tools/wsload_report.hpp"
#include "tools/wsload_stats.hpp"
#include "tools/wsload_tls.hpp"
#include "tools/wsload_worker.hpp"

namespace {

using wsload::Nanos;
using wsload::now_ns;

constexpr Nanos second = 1'000'000'000;
constexpr Nanos barrier_poll = 2'000'000;

// --connections 10000 needs 10000 descriptors: take the hard limit.
void raise_fd_limit(const wsload::LoadOptions& o) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t needed = o.connections + 64 + 4 * o.threads;
  if (limit.rlim_cur < needed)
    std::fprintf(
        stderr, "wsload: RLIMIT_NOFILE is %llu (hard limit), %llu needed: expect failed connects\n",
        static_cast<unsigned long long>(limit.rlim_cur), static_cast<unsigned long long>(needed));
}

class Run {
 public:
  // `tls`: wss:// only, the one client context every connection starts from.
  Run(wsload::LoadOptions& options, std::shared_ptr<const tls::Context> tls)
      : o_(options), progress_(!options.json && ::isatty(STDOUT_FILENO)) {
    if (o_.broadcast) barrier_ = std::make_unique<wsload::RoundBarrier>(o_, workers_);
    for (unsigned i = 0; i < o_.threads; ++i)
      workers_.push_back(std::make_unique<wsload::Worker>(o_, control_, i, barrier_.get(), tls));
  }

  // Returns the process exit status.
  int execute() {
    for (auto& w : workers_) threads_.emplace_back([&w] { w->run(); });
    const Nanos ramp_deadline =
        now_ns() + static_cast<Nanos>(o_.connections / o_.connect_rate * 1e9) + 10 * second;
    while (!interrupted_ && settled() < o_.connections && now_ns() < ramp_deadline)
      wait_until(std::min(now_ns() + 10'000'000, ramp_deadline));

    const Nanos start = now_ns();
    control_.load_start.store(start, std::memory_order_relaxed);
    const Nanos window_start = start + static_cast<Nanos>(o_.warmup_s * 1e9);
    // --rounds: the rounds end the window, not the clock.
    const Nanos window_end =
        o_.rounds ? INT64_MAX : window_start + static_cast<Nanos>(o_.duration_s * 1e9);
    control_.window_start.store(window_start, std::memory_order_relaxed);
    window_start_ = window_start;
    control_.window_end.store(window_end, std::memory_order_relaxed);
    control_.phase.store(1, std::memory_order_release);
    if (o_.idle)
      std::fprintf(stderr, "wsload: %u of %u connections open, idle for %.1f s\n", open_count(),
                   o_.connections, o_.duration_s);
    bool broadcast_failed = false;
    if ((o_.broadcast || o_.pubsub) && open_count() < o_.connections) {
      std::fprintf(stderr, "wsload: %s needs every connection open, %u of %u are: %s\n",
                   o_.broadcast ? "--broadcast" : "--subscribers", open_count(), o_.connections,
                   o_.broadcast ? "no round run" : "nothing published");
      broadcast_failed = true;
      control_.window_end.store(now_ns(), std::memory_order_relaxed);  // publish nothing
    } else if (o_.broadcast) {
      barrier_->start(now_ns(), window_start, window_end);
    }

    std::uint64_t delivered = 0;  // --broadcast: as of last_delivery
    Nanos last_delivery = 0;
    while (!interrupted_ && !broadcast_failed && now_ns() < window_end) {
      if (!o_.broadcast) {
        wait_until(window_end);
        continue;
      }
      const Nanos now = now_ns();
      if (const std::uint64_t d = echoes(); d != delivered) {
        delivered = d;
        last_delivery = now;
      }
      if (barrier_->over() || barrier_->check_stall(now, last_delivery)) break;
      wait_until(std::min(window_end, now + barrier_poll));
    }
    const Nanos now = now_ns();
    if (interrupted_) {
      // The report covers what was measured.
      o_.duration_s = now > window_start ? static_cast<double>(now - window_start) / 1e9 : 0.001;
      control_.window_end.store(now, std::memory_order_relaxed);
    }
    std::string stall;
    if (o_.broadcast) {
      barrier_->end();  // no round starts after this one
      if (barrier_->stalled()) {
        char text[96];
        std::snprintf(text, sizeof text, "round %llu stalled: nothing received for %g s",
                      static_cast<unsigned long long>(barrier_->round()), o_.round_timeout_s);
        stall = text;
        broadcast_failed = true;
      }
      // From the first measured round's start to the last one's end, or to
      // the end of the window.
      const Nanos end = o_.rounds || barrier_->stalled() ? barrier_->last_completion()
                                                         : std::min(now, window_end);
      o_.duration_s = std::max(barrier_->measured_seconds(end), 1e-6);
    }
    if (o_.pubsub) drain();
    for (auto& w : workers_) w->stop();
    for (auto& t : threads_) t.join();

    wsload::WorkerStats totals;
    for (auto& w : workers_) totals.merge(w->stats());
    if (o_.pubsub) count_lost(totals);
    if (o_.json) {
      wsload::print_json(stdout, o_, totals);
    } else {
      wsload::print_text(stdout, o_, totals);
    }
    std::fflush(stdout);
    return wsload::report_failures(stderr, o_, totals, stall) || broadcast_failed ? 1 : 0;
  }

 private:
  // Acquire: a connection counts in `open` before it counts as settled
  // (Worker::settle), so once all are settled open_count() is exact.
  std::uint32_t settled() {
    std::uint32_t n = 0;
    for (auto& w : workers_) n += w->live().settled.load(std::memory_order_acquire);
    return n;
  }
  // Every verified message received: echoes, or broadcast deliveries.
  std::uint64_t echoes() {
    std::uint64_t n = 0;
    for (auto& w : workers_) n += w->live().echoes.load(std::memory_order_relaxed);
    return n;
  }
  // --subscribers: every worker is done publishing, and every receiver
  // holds every message published, or --drain has passed.
  void drain() {
    const Nanos deadline = now_ns() + static_cast<Nanos>(o_.drain_s * 1e9);
    for (;;) {
      bool done_sending = true;
      std::uint64_t sent = 0;
      for (auto& w : workers_) {
        done_sending = done_sending && w->live().done_sending.load(std::memory_order_acquire);
        sent += w->live().sent.load(std::memory_order_relaxed);
      }
      const Nanos now = now_ns();
      if ((done_sending && echoes() >= sent * o_.connections) || now >= deadline) return;
      wait_until(std::min(deadline, now + barrier_poll));
    }
  }
  // Every receiver, publishers too, should hold every message published.
  void count_lost(wsload::WorkerStats& totals) const {
    const std::uint64_t expected = totals.published * o_.connections;
    if (totals.received >= expected) return;
    char why[160];
    std::snprintf(why, sizeof why,
                  "%llu receipts of %llu messages published to %u receivers, %g s after the window",
                  static_cast<unsigned long long>(totals.received),
                  static_cast<unsigned long long>(totals.published), o_.connections, o_.drain_s);
    totals.lost.add(why, expected - totals.received);
  }
  std::uint32_t open_count() {
    std::uint32_t n = 0;
    for (auto& w : workers_) n += w->live().open.load(std::memory_order_relaxed);
    return n;
  }

  // Sleeps until `deadline` or the next progress line, whichever is first;
  // a SIGINT/SIGTERM sets interrupted_.
  void wait_until(Nanos deadline) {
    const Nanos now = now_ns();
    if (progress_ && now >= next_progress_) print_progress(now);
    const Nanos until = progress_ ? std::min(deadline, next_progress_) : deadline;
    if (until <= now) return;
    const Nanos wait = std::min<Nanos>(until - now, second);
    const timespec timeout{static_cast<time_t>(wait / second), static_cast<long>(wait % second)};
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (::sigtimedwait(&set, nullptr, &timeout) > 0) interrupted_ = true;
  }

  void print_progress(Nanos now) {
    const std::uint64_t echoes = this->echoes();
    std::uint64_t problems = 0;
    for (auto& w : workers_) problems += w->live().problems.load(std::memory_order_relaxed);
    if (last_progress_ != 0) {
      const double rate = static_cast<double>(echoes - last_echoes_) * 1e9 /
                          static_cast<double>(now - last_progress_);
      const char* phase = control_.phase.load(std::memory_order_relaxed) == 0 ? "  (ramp-up)"
                          : now < window_start_                               ? "  (warm-up)"
                                                                              : "";
      std::printf("wsload: %6.1f s  %10.0f %s  %u/%u open  %llu problems%s\n",
                  static_cast<double>(now - first_progress_) / 1e9, rate,
                  o_.broadcast || o_.pubsub ? "deliveries/s" : "msg/s", open_count(),
                  o_.connections, static_cast<unsigned long long>(problems), phase);
      std::fflush(stdout);
    } else {
      first_progress_ = now;
    }
    last_progress_ = now;
    last_echoes_ = echoes;
    next_progress_ = now + second;
  }

  wsload::LoadOptions& o_;
  wsload::RunControl control_;
  std::unique_ptr<wsload::RoundBarrier> barrier_;  // --broadcast only
  std::vector<std::unique_ptr<wsload::Worker>> workers_;
  std::vector<std::thread> threads_;
  bool progress_;
  bool interrupted_ = false;
  Nanos window_start_ = INT64_MAX;
  Nanos next_progress_ = 0, last_progress_ = 0, first_progress_ = 0;
  std::uint64_t last_echoes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  wsload::LoadOptions options = wsload::parse_options(argc, argv);
  raise_fd_limit(options);
  // The loops' threads inherit the mask: only the main thread takes signals.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::shared_ptr<const tls::Context> tls;
  if (options.target.tls) {
    std::string error;
    tls = wsload::make_client_context(options, error);
    if (!tls) {
      std::fprintf(stderr, "wsload: TLS client setup failed: %s\n", error.c_str());
      return 2;
    }
  }
  try {
    Run run(options, std::move(tls));
    return run.execute();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wsload: %s\n", e.what());
    return 1;
  }
}
