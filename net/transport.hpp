// Transport: what a Connection puts between its socket and its handler when
// the bytes on the wire are not the protocol's bytes (TLS). Plain
// connections have none and pay nothing for the seam.
//
// It is a byte transformer with no socket of its own, so that any backend
// (epoll's sends and receives today, io_uring's completions later) can drive
// it: wire bytes in, protocol bytes out; protocol bytes in, wire bytes out.
//
//   read:  recv -> push(wire) -> pull(plain) ... -> handler's on_data(plain)
//   write: queued units -> seal(plain) -> wire_output() -> send -> wire_sent(n)
//
// The Connection keeps its queues, units, urgent lane and backpressure in
// protocol bytes, and counts wire_output() as queued too: seal() takes bytes
// only while its wire output is under a bound, so what waits for a slow
// peer waits in the Connection's queue, where the urgent lane can pass it.
//
// Thread safety: the connection's loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace net {

class Transport {
 public:
  virtual ~Transport() = default;

  enum class Status : std::uint8_t {
    ok,           // pull() may have produced bytes; call it again until need_more
    need_more,    // nothing more until more wire bytes arrive
    peer_closed,  // the peer ended the session cleanly (TLS close_notify): like a FIN
    failed,       // a protocol error or an alert: the connection must end
  };
  struct Pulled {
    std::size_t bytes = 0;
    Status status = Status::need_more;
  };

  // Wire bytes from the peer; taken whole (copied: `wire` is the loop's).
  virtual void push(std::span<const std::uint8_t> wire) = 0;
  // Protocol bytes decrypted from what was pushed, into `plain`. Handshake
  // steps happen here too, and may leave wire output to send.
  virtual Pulled pull(std::span<std::uint8_t> plain) = 0;

  // Takes up to plain.size() protocol bytes for the wire; fewer (0) when its
  // wire output is at its bound, or before the handshake has finished (the
  // bytes stay queued in the Connection until it has).
  virtual std::size_t seal(std::span<const std::uint8_t> plain) = 0;
  // Wire bytes ready to send (handshake messages, records, alerts), and how
  // many of them the socket took.
  virtual std::span<const std::uint8_t> wire_output() = 0;
  virtual void wire_sent(std::size_t n) = 0;
  std::size_t wire_pending() { return wire_output().size(); }

  // Our end of the session (TLS close_notify), queued as wire output; what
  // was sealed before it goes first. Once only; seal() takes nothing after.
  virtual void close() = 0;
};

}  // namespace net
