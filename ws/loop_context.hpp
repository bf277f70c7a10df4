// LoopContext: the WebSocket layer's state for one event loop. Every
// connection on that loop points at it; only that loop's thread touches it,
// so nothing in it needs a lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ws/server_options.hpp"
#include "ws/topics.hpp"

namespace ws {

// What the connections of a loop did, added up when each one ends.
struct ServerCounters {
  std::uint64_t connections = 0;         // upgraded to WebSocket
  std::uint64_t messages = 0;            // whole messages received
  std::uint64_t bytes_received = 0;      // after the upgrade, headers included
  std::uint64_t bytes_copied = 0;        // payload copied out of the receive buffer
  std::uint64_t handshake_timeouts = 0;  // dropped before completing the upgrade
  std::uint64_t idle_timeouts = 0;       // closed (1001) or dropped after idle_timeout
  std::uint64_t slow_consumers = 0;      // closed with 1008 at max_backpressure
  std::uint64_t over_capacity = 0;       // upgrades refused with 503 (max_connections)
  std::uint64_t over_memory = 0;         // closed with 1013 at max_memory
  std::uint64_t message_timeouts = 0;    // closed with 1008 after message_timeout

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
