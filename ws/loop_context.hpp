// LoopContext: the WebSocket layer's state for one event loop. Every
// connection on that loop points at it; only that loop's thread touches it,
// so nothing in it needs a lock.
#pragma once

#include <cstdint>

#include "ws/server_options.hpp"

namespace ws {

// What the connections of a loop did, added up when each one ends.
struct ServerCounters {
  std::uint64_t connections = 0;     // upgraded to WebSocket
  std::uint64_t messages = 0;        // whole messages received
  std::uint64_t bytes_received = 0;  // after the upgrade, headers included
  std::uint64_t bytes_copied = 0;    // payload copied out of the receive buffer

  ServerCounters& operator+=(const ServerCounters& other) noexcept {
    connections += other.connections;
    messages += other.messages;
    bytes_received += other.bytes_received;
    bytes_copied += other.bytes_copied;
    return *this;
  }
};

struct LoopContext {
  const ServerConfig& config;
  ServerCounters counters;
};

}  // namespace ws
