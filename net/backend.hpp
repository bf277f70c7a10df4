// Backend: how an EventLoop learns that its sockets can make progress, and
// how their bytes move; the only part of the loop that differs between
// epoll (readiness: the loop calls recv and send itself) and io_uring
// (completions: the kernel has done the recv or send when the loop hears).
//
// In the spirit of Redis's ae: a handful of operations every backend
// implements, shaped for completions so that readiness fits too:
//   - the listener: arm it, disarm it (new connections reach
//     EventLoop::adopt, a failed accept EventLoop::accept_failed);
//   - a connection: attach it (its input starts arriving), resume its input
//     after a pause, send a gathered run of its queue, release it once the
//     loop has done with it (freed when the kernel has too);
//   - wait with a timeout from the timer wheel, then dispatch what came;
//   - the loop's eventfd (EventLoop::wake from other threads) is watched.
// Received bytes reach Connection::received in a buffer the backend owns;
// what a connection sends stays in its queue until the backend reports it
// sent, so Connection, the TLS transport and ws/ never see the mechanism.
//
// Thread safety: the loop's thread only (wake() is the EventLoop's own).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace net {

class Connection;

enum class BackendKind : unsigned char { epoll, io_uring };

constexpr std::string_view backend_name(BackendKind kind) noexcept {
  return kind == BackendKind::epoll ? "epoll" : "io_uring";
}

class Backend {
 public:
  virtual ~Backend() = default;

  virtual BackendKind kind() const noexcept = 0;
  // The most bytes one send should carry. A send in flight cannot be
  // overtaken by an urgent unit (a pong), so a backend whose sends wait in
  // the kernel for a slow peer keeps them short; one that sends on the spot
  // gives the kernel all it may take.
  virtual std::size_t send_limit() const noexcept { return SIZE_MAX; }

  // Once, on the thread that will run the loop, before its first wait.
  virtual void start() {}

  // New connections on `listener` are adopted until disarm_listener. False
  // (errno set) if the kernel refused.
  virtual bool arm_listener(int listener) noexcept = 0;
  virtual void disarm_listener(int listener) noexcept = 0;

  // A connection installed in the loop's table: its input starts to arrive.
  // False (errno set) if the kernel refused; it is then not served at all.
  virtual bool attach(Connection& connection) noexcept = 0;
  // Input was paused (the read-pause mark) and may flow again: no edge of
  // readiness is owed, so the backend reads, or re-arms, on its own.
  virtual void resume_input(Connection& connection) = 0;

  // The result of send(): bytes taken now (>= 0), or -1 with errno set
  // (EAGAIN: the socket is full; the backend reports when it is writable
  // again), or in_flight: the backend took the send, and calls
  // Connection::sent() when it completes. `stable`: the bytes stay where
  // they are until then; if not, a backend that completes later copies them.
  // `now`: the caller needs the answer at once (a handler queuing much in
  // one call must learn whether the peer keeps up), so no send is in flight
  // and a completion backend makes this one a plain system call.
  static constexpr ssize_t in_flight = -2;
  virtual ssize_t send(Connection& connection, std::span<const iovec> pieces, bool stable,
                       bool now) noexcept = 0;

  // The loop has ended this connection (its handler heard on_disconnect).
  // Its fd closes and it is freed now, or once the kernel no longer holds
  // anything of it (a receive or send still in flight).
  virtual void release(std::unique_ptr<Connection> connection) noexcept = 0;

  // Blocks up to `timeout_ms` (-1: no bound, 0: not at all) for progress,
  // submitting what this iteration queued; then dispatch() acts on it. The
  // loop reads the clock and fires timers between the two.
  virtual void wait(int timeout_ms) = 0;
  virtual void dispatch() = 0;
};

}  // namespace net
