// The seam between the reactor and a protocol.
//
// The reactor says "bytes arrived", "your output drained", "stop gracefully"
// and "the connection is over"; it never says "the fd is readable". So a
// completion-based backend (io_uring) and a readiness-based one (epoll) look
// the same from here, and ws/ knows nothing of either.
//
// Every call happens on the connection's own loop thread, never concurrently.
#pragma once

#include <cstdint>
#include <span>

namespace net {

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;

  // Bytes arrived. The span points into the loop's shared receive buffer: it
  // may be modified in place (unmasking), is valid only during this call, and
  // is followed by at least `receive_padding` readable bytes, so vector code
  // may load past its end. Keep what is needed later by copying it.
  virtual void on_data(std::span<std::uint8_t> bytes) = 0;

  // Everything written so far has been handed to the kernel after a write
  // had to wait for room (backpressure relieved).
  virtual void on_drain() {}

  // The peer ended its side (TCP FIN): nothing more will arrive, but it may
  // still read. Queue what must go last and close gracefully; what is
  // queued then is delivered before the socket closes.
  virtual void on_end_of_input() = 0;

  // The loop is stopping (SIGTERM): begin a graceful close.
  virtual void on_shutdown() = 0;

  // The connection is over (peer gone, error, or closed by us). The last
  // call; the handler is destroyed right after it returns.
  virtual void on_disconnect() = 0;
};

// Readable bytes guaranteed after the end of every on_data span.
inline constexpr std::size_t receive_padding = 64;

}  // namespace net
