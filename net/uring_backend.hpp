// UringBackend: completions, through one io_uring per loop (liburing).
//
// Nothing is a system call of its own: every operation is a submission
// queued during the iteration, and the loop's wait submits them all and
// reaps what completed, in one io_uring_enter:
//   - accept: one multishot accept on the listener; out of fds, the loop
//     sheds a pending connection as on epoll, and the accept is re-armed;
//   - receive: one multishot receive per connection, into a provided buffer
//     ring the loop owns (an idle connection owns no receive memory); each
//     buffer goes back to the ring once the handler has read it. The ring
//     running dry (-ENOBUFS) ends a receive without losing a byte: it is
//     re-armed after this iteration's buffers are back. A paused connection
//     (the read-pause mark, the input allowance) has its receive cancelled;
//     what had already arrived is delivered (the allowance still drops what
//     is past it) and resume_input() re-arms;
//   - send: at most one sendmsg in flight per connection (bytes stay in
//     order), its iovecs pointing into the connection's queue, pinned until
//     it completes; the TLS wire output and the urgent lane are copied into
//     the send's own staging instead, as they may move while it flies;
//   - wakeups: a read of the loop's eventfd, re-armed after each.
// A connection the loop has released while its receive or send is still in
// the kernel's hands is cancelled and kept (fd open, memory alive) until
// its last completion arrives: no completion ever finds freed memory.
//
// The ring is set up with the flags the running kernel allows for a ring
// one thread submits to (single issuer, deferred task running: completions
// are processed at the wait, not by interrupts), started disabled and
// enabled by start() on the loop's own thread, whose ring fd is registered.
// Not done (see docs/BENCHMARKS.md): registered (direct) descriptors,
// zero-copy send, ring-to-ring messages, incrementally consumed buffers.
//
// Thread safety: the loop's thread only.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/byte_buffer.hpp"
#include "net/backend.hpp"

namespace net {

class EventLoop;

class UringBackend final : public Backend {
 public:
  // Throws std::system_error when the kernel refuses a ring or a buffer ring.
  UringBackend(EventLoop& loop, int wakeup);
  ~UringBackend() override;
  UringBackend(const UringBackend&) = delete;
  UringBackend& operator=(const UringBackend&) = delete;

  BackendKind kind() const noexcept override { return BackendKind::io_uring; }
  std::size_t send_limit() const noexcept override { return 256 * 1024; }
  void start() override;
  bool arm_listener(int listener) noexcept override;
  void disarm_listener(int listener) noexcept override;
  bool attach(Connection& connection) noexcept override;
  void resume_input(Connection& connection) override;
  ssize_t send(Connection& connection, std::span<const iovec> pieces, bool stable,
               bool now) noexcept override;
  void release(std::unique_ptr<Connection> connection) noexcept override;
  void wait(int timeout_ms) override;
  void dispatch() override;

  // Receive buffers in the ring, and the size of each.
  static constexpr unsigned receive_buffers = 1024;
  static constexpr std::size_t receive_buffer_size = 16 * 1024;

 private:
  // One sendmsg in flight: its header, iovecs and (for bytes that may move)
  // a copy of them. Pooled per loop: as many exist as sends ever flew at once.
  struct SendSlot {
    static constexpr std::size_t max_pieces = 64;
    msghdr message{};
    iovec pieces[max_pieces];
    core::ByteBuffer staging;
    Connection* owner = nullptr;
  };
  // An mmap'd region (the buffer ring and its buffers), unmapped with it.
  class Mapping {
   public:
    explicit Mapping(std::size_t size);
    ~Mapping();
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    std::uint8_t* data() const noexcept { return data_; }

   private:
    std::uint8_t* data_;
    std::size_t size_;
  };
  // The ring itself; torn down first (declared last), which also waits for
  // whatever the kernel still runs, before any memory it points into goes.
  class Ring {
   public:
    Ring(unsigned entries, unsigned completions, unsigned flags);
    ~Ring() { io_uring_queue_exit(&ring_); }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    io_uring* get() noexcept { return &ring_; }

   private:
    io_uring ring_;
  };

  io_uring_sqe* next_sqe() noexcept;
  bool arm_receive(Connection& connection) noexcept;
  void cancel_receive(Connection& connection) noexcept;
  void arm_accept() noexcept;
  void arm_wakeup() noexcept;
  void complete(const io_uring_cqe& cqe);
  void completed_receive(Connection& connection, const io_uring_cqe& cqe);
  void completed_send(SendSlot& slot, int result);
  void completed_accept(const io_uring_cqe& cqe);
  void recycle(unsigned buffer_id) noexcept;
  void free_if_done(Connection& connection) noexcept;
  std::uint8_t* buffer(unsigned buffer_id) const noexcept;

  EventLoop& loop_;
  int wakeup_;
  std::uint64_t wakeup_count_ = 0;  // the eventfd's read lands here
  int listener_ = -1;
  bool accepting_ = false;                        // the loop wants new connections
  bool accept_armed_ = false;                     // a multishot accept is in the kernel
  bool disabled_ = false;                         // created disabled: start() enables it
  unsigned recycled_ = 0;                         // buffers given back since the last advance
  std::vector<int> starved_;                      // fds whose receive ended on -ENOBUFS
  std::vector<std::unique_ptr<SendSlot>> slots_;  // every slot, in flight or free
  std::vector<SendSlot*> free_slots_;
  // Released connections the kernel still holds something of.
  std::unordered_map<Connection*, std::unique_ptr<Connection>> limbo_;
  Mapping buffer_memory_;
  Mapping buffer_ring_memory_;
  io_uring_buf_ring* buffer_ring_;
  Ring ring_;
};

}  // namespace net
