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
//
// Thread safety: construct and read stats() from the main thread before
// run() and after it returns; stop() from any thread; the rest is the
// loop's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/timer_wheel.hpp"
#include "net/event_loop.hpp"
#include "tools/wsload_options.hpp"
#include "tools/wsload_payload.hpp"
#include "tools/wsload_stats.hpp"
#include "ws/client_frame.hpp"

namespace wsload {

class ClientConnection;

class Worker {
 public:
  // Serves the connections with ids index, index + threads, ... < connections.
  Worker(const LoadOptions& options, RunControl& control, unsigned index);
  ~Worker();

  void run();
  void stop() noexcept { loop_->request_stop(); }
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
  void settle() noexcept { LiveCounters::bump(live_.settled); }
  void problem() noexcept { LiveCounters::bump(live_.problems); }
  void on_shutdown_started() noexcept { stopping_ = true; }
  // Open loop: sends every message that is due.
  void pace() noexcept;
  bool ticking() const noexcept { return started_ && !stopping_ && rate_interval_ns_ > 0; }

 private:
  void control_tick();
  void open_connections(Nanos now);
  void open_one();
  void start_load();
  void start_ticker();

  const LoadOptions& options_;
  RunControl& control_;
  unsigned index_;
  std::uint32_t to_open_;      // connections this worker serves
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

  PayloadPattern pattern_;
  ws::MaskKeySource keys_;
  WorkerStats stats_;
  LiveCounters live_;
  std::vector<ClientConnection*> connections_;  // by slot; null once ended
  std::unique_ptr<net::EventLoop> loop_;
  core::Timer control_timer_;  // after loop_: destroyed first, cancels on the live wheel
};

}  // namespace wsload
