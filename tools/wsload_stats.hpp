// What one wsload thread counts, and what the main thread may read while
// the threads run.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/histogram.hpp"

namespace wsload {

using Nanos = std::int64_t;  // steady clock, nanoseconds

inline Nanos now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A kind of failure: how many, and the first one's reason (for stderr).
struct Tally {
  std::uint64_t count = 0;
  std::string first;

  void add(const std::string& why, std::uint64_t by = 1) {
    if (count == 0) first = why;
    count += by;
  }
  void merge(const Tally& other) {
    if (count == 0 && other.count != 0) first = other.first;
    count += other.count;
  }
};

// Owned by one worker thread; the main thread reads it after join().
struct WorkerStats {
  core::Histogram latency;     // round trips finished inside the window, ns
  std::uint64_t messages = 0;  // echoes received inside the window
  Tally errors;                // protocol errors, handshake rejections of open sockets...
  Tally mismatches;            // echoes that are not the message expected next
  Tally closes;                // connections ended by the server before we closed
  Tally connect_failures;      // connections that never got to send
  // --broadcast (tools/wsload_broadcast.hpp).
  core::Histogram round_time;    // measured rounds this thread completed (was last in), ns
  std::uint64_t rounds = 0;      // the same rounds, counted
  std::uint64_t deliveries = 0;  // verified messages of measured rounds, per receiver
  Tally lost;                    // messages of a round that timed out that never came
  Tally duplicated;              // a second copy of a message already received
  Tally corrupt;                 // not a message any sender sent: content, size, opcode, round
  // --subscribers (tools/wsload_pubsub.hpp); latency and deliveries above
  // count receipts of messages scheduled inside the window.
  std::uint64_t published = 0;  // messages sent, warm-up included
  std::uint64_t received = 0;   // verified receipts of any of them, every receiver
  Tally reordered;              // a publisher's message older than one already received
  // ws:// and wss://, every connection that got its 101, ramp-up included.
  core::Histogram upgrade_time;    // connect() called to the 101 read, ns
  core::Histogram handshake_time;  // wss://: connect() called to the TLS handshake done, ns
  std::string tls_protocol;        // wss://: "TLSv1.3", "TLSv1.2"; "mixed" if they differ

  void note_protocol(std::string_view protocol) {
    if (tls_protocol.empty())
      tls_protocol = protocol;
    else if (tls_protocol != protocol)
      tls_protocol = "mixed";
  }
  void merge(const WorkerStats& other);
};

// Written by a worker, read live by the main thread (progress line, ramp).
// One writer each, so the worker updates them with plain load+store.
struct LiveCounters {
  std::atomic<std::uint64_t> echoes{0};    // every echo, in or out of the window
  std::atomic<std::uint32_t> settled{0};   // connections that opened or failed to
  std::atomic<std::uint32_t> open{0};      // upgraded and not yet ended
  std::atomic<std::uint64_t> problems{0};  // errors + mismatches + closes + connect failures
  // --subscribers: messages published so far, and whether that is final
  // (release: set after the last count of sent).
  std::atomic<std::uint64_t> sent{0};
  std::atomic<bool> done_sending{false};

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  static void bump(std::atomic<std::uint32_t>& c, int by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + static_cast<std::uint32_t>(by),
            std::memory_order_relaxed);
  }
};

// Set by the main thread; workers read it on their control tick.
struct RunControl {
  std::atomic<int> phase{0};           // 0: ramp-up; 1: load (window below is set)
  std::atomic<Nanos> load_start{0};    // the open loop's schedule starts here
  std::atomic<Nanos> window_start{0};  // = load_start + warmup
  std::atomic<Nanos> window_end{0};
};

}  // namespace wsload
