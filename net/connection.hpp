// Connection: one accepted socket on one event loop, seen from its protocol.
//
// write() queues bytes; the loop sends everything queued for a connection in
// one send() at the end of the loop iteration (corking), and again whenever
// the socket becomes writable. A queue that reaches 64 KiB within one
// iteration is sent at once, so that what is buffered is what the peer has
// not taken, not what one iteration produced. close_gracefully() flushes,
// half-closes (FIN), then drains the peer until it closes too, so that our
// last bytes (a close frame, an HTTP error) are read by the peer rather than
// destroyed by a reset; `linger` bounds the whole of it, flushing included,
// and bytes still unsent then are not cut silently: the socket is reset.
// abort() ends the connection now (also with a reset if output is queued).
//
// The peer's FIN: the handler hears on_end_of_input() and decides what to
// send last; the connection reads no more, delivers what is queued, then
// closes (the peer can still read after its half-close).
//
// limit_input(n): at most n more bytes are read (used once we decided to
// close, so a peer cannot keep us reading and discarding without end);
// past it the connection is not read from again, and its close deadline
// (or the WebSocket's close timeout) ends it. Not reading rather than
// resetting at once leaves the peer the time to read our close frame.
//
// Memory: the queues' capacity is charged to the loop's memory account
// (core::MemoryAccount, --max-memory). prepare_write() returns null when the
// budget refuses the growth, write_urgent() false; write() is always taken
// (HTTP responses and close frames: small, and last).
//
// Units and the urgent lane. Every write()/commit_write() is one unit (for
// WebSocket: one frame) and units are never interleaved. write_urgent()
// queues a unit (a pong, a ping) in a second, small queue that leaves at the
// first unit boundary at or after the first unsent byte, ahead of the data
// queued behind it: a control frame waits for at most the frame being sent
// plus 4 KiB, never for the whole queue. Boundaries are recorded sparsely
// (one per 4 KiB of queue at most, 8 bytes each), so the bookkeeping stays
// below 0.2% of the bytes queued however small the frames.
//
// Backpressure: buffered_bytes() is what the kernel has not taken yet;
// backed_up() says a send hit EAGAIN and the queue has not emptied since.
// After a send had to wait (or after request_drain()), the handler's
// on_drain() fires once the queue falls to the low-water mark. A connection
// reads no more than the room left under the read-pause mark, and once at
// the mark is not read from until it is back at the low-water mark: a peer that does not read what
// we send is not given more work (an echo to it cannot grow past the mark), and TCP's flow control
// pushes back on its sends.
//
// Pongs and pings while nothing is backed up are ordinary units, in order
// with the data around them; only a queue the peer has refused is passed.
//
// A transport (TLS, net/transport.hpp) changes only the two ends: what is
// read is pushed into it and what it pulls out goes to the handler (in the
// same receive buffer); what is sent is sealed into it, and its wire output
// is what goes to the socket, ahead of anything not yet sealed. The queues,
// units, urgent lane and backpressure above work in protocol bytes as
// before. A graceful close seals everything queued, then the transport's
// close (close_notify), then the FIN.
//
// Owned by its EventLoop; not thread-safe (loop thread only).
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/byte_buffer.hpp"
#include "core/timer_wheel.hpp"
#include "net/output_queue.hpp"
#include "net/shared_bytes.hpp"
#include "net/stream_handler.hpp"
#include "net/transport.hpp"
#include "net/unique_fd.hpp"

namespace net {

class EventLoop;

class Connection {
 public:
  Connection(EventLoop& loop, UniqueFd fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void set_handler(std::unique_ptr<StreamHandler> handler) { handler_ = std::move(handler); }
  // Before the first read: the wire speaks through `transport` (TLS). What
  // the handler reads and writes are then the transport's protocol bytes.
  void set_transport(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
  Transport* transport() noexcept { return transport_.get(); }

  // Queues bytes for sending (copied into the output queue), as one unit.
  void write(std::span<const std::uint8_t> bytes);
  // Room for `n` bytes at the end of the output queue, for building a unit
  // in place; finish with commit_write(k <= n). Null if the server's memory
  // budget refuses the room (nothing is queued; the caller decides).
  std::uint8_t* prepare_write(std::size_t n);
  void commit_write(std::size_t n);
  // Queues a shared frame as one unit, by reference: built once, sent by
  // every connection that holds it (a publish). Counts as buffered bytes
  // like any other; charged to memory where it was built, not here.
  void write_shared(SharedBytesRef frame);
  // Queues a small unit that must not wait behind queued data (see above).
  // False if the memory budget refuses the room (nothing queued): a peer
  // that floods pings and reads nothing must not take memory from others.
  bool write_urgent(std::span<const std::uint8_t> bytes);
  // Drops every queued unit that has not begun to leave (the one being sent
  // is kept whole, so the byte stream stays well formed). Urgent units stay.
  void discard_unsent();

  // Queued and not yet taken by the kernel: wire bytes a transport made
  // count too (a TLS record sealed but unsent is output the peer lacks).
  std::size_t buffered_bytes() const noexcept {
    return output_.size() + urgent_.size() + (transport_ ? transport_->wire_pending() : 0);
  }
  // With a completion backend, also: a send is in flight and another
  // early_send_threshold queued behind it (the kernel has not taken those).
  bool backed_up() const noexcept {
    return waiting_writable_ ||
           (sending() && buffered_bytes() >= in_flight_bytes_ + early_send_threshold);
  }
  // A queue this large is sent at once rather than at the end of the iteration.
  static constexpr std::size_t early_send_threshold = 64 * 1024;
  // on_drain() fires when a queue that had to wait falls to this many bytes
  // (default 0: when it is empty).
  void set_low_water_mark(std::size_t bytes) noexcept { low_water_ = bytes; }
  // Stop reading while backed up with more than this queued (default: never).
  void set_read_pause_mark(std::size_t bytes) noexcept { read_pause_above_ = bytes; }
  // Asks for on_drain() once the queue is at the low-water mark.
  void request_drain() noexcept { drain_owed_ = true; }
  // Read at most `bytes` more, then never again (see above).
  void limit_input(std::size_t bytes) noexcept {
    input_allowance_ = std::min(input_allowance_, bytes);
  }

  void close_gracefully(std::chrono::milliseconds linger);
  void abort() noexcept;

  bool open() const noexcept { return state_ == State::open; }
  // The errno of the receive or send that ended the connection (a connect
  // that failed reads ECONNREFUSED, ETIMEDOUT, ...), else 0.
  int error() const noexcept { return error_; }
  EventLoop& loop() noexcept { return loop_; }
  int fd() const noexcept { return fd_.get(); }

  // What a backend (net/backend.hpp) tells the connection; nothing else
  // calls these. Input: how much it may read now (0: paused, and
  // Backend::resume_input comes once it may read again), the bytes it read
  // into `buffer` (false: read no more, the connection closed or its input
  // ended), the peer's FIN, a failed receive. Output: the socket can take
  // more (readiness), a send the backend took has completed (the bytes it
  // took, or -errno).
  std::size_t receive_room(std::size_t buffer_size) noexcept {
    const std::size_t room = std::min(read_room(buffer_size), input_allowance_);
    if (room == 0) reading_paused_ = true;  // flush() resumes us at the low-water mark
    return room;
  }
  bool received(std::span<std::uint8_t> buffer, std::size_t n);
  void end_of_input();
  void input_failed(int error) noexcept;
  void writable();
  void sent(ssize_t result);
  bool input_ended() const noexcept { return input_ended_; }
  bool closed() const noexcept { return state_ == State::closed; }
  // A send the backend took has not completed: its bytes are still queued,
  // and pinned where they are (nothing is sent behind them meanwhile).
  bool sending() const noexcept { return in_flight_ != Lane::none; }
  // Marks a backend keeps for this connection (io_uring: a receive is armed,
  // or being cancelled); the connection only stores them.
  std::uint8_t backend_marks = 0;

 private:
  friend class EventLoop;
  enum class State : std::uint8_t { open, flushing, lingering, closed };
  enum class SendStatus : std::uint8_t { done, blocked, in_flight, failed };
  // Which queue a send takes its bytes from.
  enum class Lane : std::uint8_t { none, wire, urgent, output };

  void deliver(std::span<std::uint8_t> receive_buffer, std::size_t n);
  void deliver_through_transport(std::span<std::uint8_t> receive_buffer, std::size_t n);
  // How much to read now: no more than the room left under the read-pause
  // mark, so that what a handler queues in answer to a read is bounded by it
  // too when answers are no larger than requests (an echo, whose frames lose
  // the 4-byte mask on the way back). Checked before every read, backed up or
  // not: a read taken while the queue still drained can be answered after the
  // kernel stops taking it. The mark is far above what a healthy connection
  // queues, so it costs nothing there. The input allowance bounds it too.
  std::size_t read_room(std::size_t buffer_size) const noexcept {
    const std::size_t queued = buffered_bytes();
    return queued >= read_pause_above_ ? 0 : std::min(buffer_size, read_pause_above_ - queued);
  }
  void flush();
  SendStatus send_queued(bool now = false) noexcept;
  bool seal_next(bool urgent_turn) noexcept;
  ssize_t send_lane(Lane lane, bool now) noexcept;
  void sent_from(Lane lane, std::size_t n) noexcept;
  void consume_output(std::size_t n) noexcept;
  std::size_t bytes_to_boundary() const noexcept;
  std::size_t bytes_to_boundary_after(std::size_t n) const noexcept;
  void end_unit();
  void after_output_drained();
  void mark_dirty();
  void settle_memory() noexcept;
  void finish() noexcept;
  void reset_on_close() noexcept;

  EventLoop& loop_;
  UniqueFd fd_;
  std::unique_ptr<StreamHandler> handler_;
  std::unique_ptr<Transport> transport_;  // null: the socket's bytes are the protocol's
  OutputQueue output_;
  core::ByteBuffer urgent_;               // control frames; empty (no memory) nearly always
  std::vector<std::uint64_t> unit_ends_;  // stream offsets of some unit ends, ascending
  std::size_t unit_head_ = 0;             // first entry of unit_ends_ not yet passed
  std::uint64_t sent_ = 0;                // stream offset of output_'s first byte
  std::size_t low_water_ = 0;
  std::size_t read_pause_above_ = SIZE_MAX;
  std::size_t charged_ = 0;                 // queue capacity charged to the loop's account
  std::size_t input_allowance_ = SIZE_MAX;  // bytes we will still read (limit_input)
  core::Timer close_timer_;                 // the deadline of close_gracefully()
  int error_ = 0;                           // errno that ended the connection
  State state_ = State::open;
  bool dirty_ = false;             // queued in the loop's flush list
  bool waiting_writable_ = false;  // a send hit EAGAIN (or completed short)
  bool drain_owed_ = false;        // on_drain() is due at the low-water mark
  bool front_at_boundary_ = true;  // output_'s first byte starts a unit
  bool reading_paused_ = false;    // over the read-pause mark, see above
  bool input_ended_ = false;       // the peer's FIN has been read
  bool transport_closed_ = false;  // our close_notify is queued
  Lane in_flight_ = Lane::none;    // a send the backend took, not yet completed
  std::size_t in_flight_bytes_ = 0;
};

}  // namespace net
