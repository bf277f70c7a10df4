// LoopContext: the WebSocket layer's state for one event loop. Every
// connection on that loop points at it; only that loop's thread writes it,
// so nothing in it needs a lock (its counters may be read from any thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ws/server_options.hpp"
#include "ws/topics.hpp"

namespace ws {

// A count one loop writes and any thread may read while the server runs.
// One writer, so an increment is a relaxed load and store (no locked
// instruction); a reader sees a value at most a little behind.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter& other) noexcept : value_(other.load()) {}
  Counter& operator=(const Counter& other) noexcept {
    value_.store(other.load(), std::memory_order_relaxed);
    return *this;
  }
  Counter& operator+=(std::uint64_t n) noexcept {
    value_.store(load() + n, std::memory_order_relaxed);
    return *this;
  }
  Counter& operator++() noexcept { return *this += 1; }
  std::uint64_t load() const noexcept { return value_.load(std::memory_order_relaxed); }
  operator std::uint64_t() const noexcept { return load(); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// What the connections of a loop did: events as they happen, traffic added
// up when each connection ends.
struct ServerCounters {
  Counter connections;         // upgraded to WebSocket
  Counter messages;            // whole messages received
  Counter bytes_received;      // after the upgrade, headers included
  Counter bytes_copied;        // payload copied out of the receive buffer
  Counter handshake_timeouts;  // dropped before completing the upgrade
  Counter idle_timeouts;       // closed (1001) or dropped after idle_timeout
  Counter slow_consumers;      // closed with 1008 at max_backpressure
  Counter over_capacity;       // upgrades refused with 503 (max_connections)
  Counter over_memory;         // closed with 1013 at max_memory
  Counter message_timeouts;    // closed with 1008 after message_timeout
  Counter publish_copied;      // published payload bytes copied into subscribers' queues

  // Adds another loop's counts (a snapshot: single-writer counters).
  ServerCounters& operator+=(const ServerCounters& other) noexcept {
    connections += other.connections;
    messages += other.messages;
    bytes_received += other.bytes_received;
    bytes_copied += other.bytes_copied;
    handshake_timeouts += other.handshake_timeouts;
    idle_timeouts += other.idle_timeouts;
    slow_consumers += other.slow_consumers;
    over_capacity += other.over_capacity;
    over_memory += other.over_memory;
    message_timeouts += other.message_timeouts;
    publish_copied += other.publish_copied;
    return *this;
  }
};

struct LoopContext {
  const ServerConfig& config;
  // Upgraded connections on every loop of the server (max_connections). One
  // atomic for all loops rather than a per-loop share: SO_REUSEPORT spreads
  // connections by hash, not evenly, so a share would refuse connections
  // while another loop has room. It is touched twice per connection (upgrade
  // and end), never per message, so the shared cache line costs nothing
  // that shows.
  std::atomic<std::size_t>& open_connections;
  ServerCounters counters;
  // Topics: this loop's subscribers, and the server-wide publish.
  LoopTopics& topics;
  PubSub& pubsub;
  std::size_t loop_index;
};

}  // namespace ws
