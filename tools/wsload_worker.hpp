// Worker: one wsload thread: an EventLoop with no listener, the outbound
// connections it opens (paced), the send schedule, and the counters.
//
// Modes:
// - closed loop (default): each connection keeps `pipeline` messages in
//   flight; every echo sends the next one.
// - open loop (--rate): messages leave on a fixed schedule, whatever the
//   replies; the i-th send of this thread is due at start + i / rate and
//   goes to connection i mod n, so the connections take turns evenly and
//   one counter drives the whole schedule. Latency counts from the due
//   time, not the actual send, so a server that stalls is charged for the
//   whole stall (no coordinated omission).
//   The loop's timer wheel ticks every 10 ms, far too coarse for a schedule
//   of microseconds, and net/ has no finer hook; so the open loop keeps its
//   loop turning with a "ticker": the two ends of a socketpair, both served
//   by the loop, passing one byte back and forth. Each pass runs the
//   scheduler. It costs the client's core a busy loop (a recv and a send per
//   turn, ~2 us): the price of sending on time.
// - idle: connect and upgrade, then nothing.
// - broadcast: rounds under a barrier shared by every worker
//   (tools/wsload_broadcast.hpp): begin_round() sends one message per
//   connection; a worker whose connections all hold the round arrives at
//   the barrier.
// - pubsub (--subscribers): the open loop's ticker drives one schedule for
//   all publishers (tools/wsload_pubsub.hpp); publish_due() sends what is
//   due from this worker's publishers, until the window ends.
//
// Thread safety: construct and read stats() from the main thread before
// run() and after it returns; stop() and defer_round() from any thread; the
// rest is the loop's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/timer_wheel.hpp"
#include "net/event_loop.hpp"
#include "tls/context.hpp"
#include "tools/wsload_options.hpp"
#include "tools/wsload_payload.hpp"
#include "tools/wsload_pubsub.hpp"
#include "tools/wsload_stats.hpp"
#include "ws/client_frame.hpp"

namespace wsload {

class ClientConnection;
class RoundBarrier;

class Worker {
 public:
  // Serves the connections with ids index, index + threads, ... < connections.
  // `barrier`: --broadcast only, else null. `tls`: wss:// only (one client
  // context for every worker), else null.
  Worker(const LoadOptions& options, RunControl& control, unsigned index, RoundBarrier* barrier,
         std::shared_ptr<const tls::Context> tls = nullptr);
  ~Worker();

  void run();
  void stop() noexcept { loop_->request_stop(); }
  // --broadcast, any thread: every connection sends its message of `round`.
  void defer_round(std::uint64_t round, bool measured);
  const WorkerStats& stats() const noexcept { return stats_; }
  LiveCounters& live() noexcept { return live_; }

  // --- for ClientConnection and the ticker (loop thread).
  const LoadOptions& options() const noexcept { return options_; }
  PayloadPattern& pattern() noexcept { return pattern_; }
  ws::MaskKeySource& keys() noexcept { return keys_; }
  WorkerStats& mutable_stats() noexcept { return stats_; }
  // Closed loop: may a connection send now? (load phase, not stopping)
  bool closed_loop_sending() const noexcept { return started_ && !stopping_ && closed_loop_; }
  void on_upgraded(ClientConnection& connection);
  void on_echo(Nanos sent_at, Nanos now) noexcept;
  void on_ended(std::uint32_t slot, bool was_open) noexcept;
  // A connection opened or failed to. Release: one that opened is counted in
  // live_.open before this (the main thread reads open after settled).
  void settle() noexcept {
    live_.settled.store(live_.settled.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
  }
  void problem() noexcept { LiveCounters::bump(live_.problems); }
  void on_shutdown_started() noexcept { stopping_ = true; }
  // --broadcast: a connection holds all of `round`.
  void on_round_received(std::uint64_t round, Nanos now);
  // --broadcast: did the run halt because `round` did not complete?
  bool round_stalled(std::uint64_t round) const noexcept;
  // Open loop: sends every message that is due.
  void pace() noexcept;
  bool ticking() const noexcept {
    return started_ && !stopping_ && rate_interval_ns_ > 0 && !sending_over_;
  }
  // --subscribers: the pubsub message layout, and a verified receipt of a
  // message scheduled at `due`.
  PubSubMessage& pubsub_message() noexcept { return pubsub_message_; }
  void on_publication(Nanos due, Nanos now) noexcept;

 private:
  void control_tick();
  void open_connections(Nanos now);
  void open_one();
  void start_load();
  void start_ticker();
  void begin_round(std::uint64_t round, bool measured);
  void publish_due(Nanos now) noexcept;
  void finish_sending() noexcept;  // --subscribers: this worker sends no more

  const LoadOptions& options_;
  RunControl& control_;
  unsigned index_;
  std::uint32_t to_open_;  // connections this worker serves
  std::uint32_t attempted_ = 0;
  Nanos ramp_start_ = 0;
  double connect_interval_ns_;  // between two connects of this worker
  bool closed_loop_;
  bool started_ = false;
  bool stopping_ = false;
  Nanos window_start_ = 0, window_end_ = 0;
  // Open loop.
  double rate_interval_ns_ = 0;  // between two sends of this worker; 0 = closed loop
  Nanos schedule_origin_ = 0;
  std::uint64_t schedule_index_ = 0;
  bool sending_over_ = false;  // --subscribers: past the window's end
  // Broadcast.
  RoundBarrier* barrier_;
  std::uint32_t round_holders_ = 0;           // connections that hold all of the current round
  std::uint64_t measured_from_ = UINT64_MAX;  // the first measured round begun here
  std::shared_ptr<const tls::Context> tls_;   // wss:// only

  PayloadPattern pattern_;
  PubSubMessage pubsub_message_{pattern_};
  ws::MaskKeySource keys_;
  WorkerStats stats_;
  LiveCounters live_;
  std::vector<ClientConnection*> connections_;  // by slot; null once ended
  std::unique_ptr<net::EventLoop> loop_;
  core::Timer control_timer_;  // after loop_: destroyed first, cancels on the live wheel
};

}  // namespace wsload
