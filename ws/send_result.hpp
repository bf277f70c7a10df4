// What a send on a connection did (server and client handles alike).
#pragma once

#include <cstdint>

namespace ws {

enum class SendResult : std::uint8_t {
  // Queued behind nothing the peer has yet to read: leaves with this loop
  // iteration's send (or already has, for a large queue).
  sent,
  // Queued, but the peer reads slower than we write: the frame waits behind
  // buffered_bytes(). The on_drain handler fires when the queue has fallen
  // to the low-water mark; sending more before that brings max_backpressure
  // closer.
  buffered,
  // Nothing queued: the connection is not open (closing, closed, not yet
  // open), or its backed-up queue already holds max_backpressure and the
  // connection is now being closed with 1008 (slow consumer).
  dropped,
};

}  // namespace ws
