// EventLoop: one reactor, on one thread, over a backend chosen at run time
// (net/backend.hpp): edge-triggered epoll, or io_uring.
//
// It owns a listener (SO_REUSEPORT: one per loop, the kernel spreads new
// connections), the connections accepted from it (in a table indexed by fd),
// the backend (which owns the receive buffers, shared by all connections),
// and a timer wheel. A loop iteration is:
//   wait -> fire timers -> dispatch: read (handlers parse and queue output),
//           accept, complete sends
//        -> run deferred calls (defer(): the inbox)
//        -> flush every connection that queued output (one send each;
//           io_uring submits them all with the next wait)
//        -> tell handlers of ended connections, and free them.
// A connection is freed only at the end of an iteration, so a handler may
// close any connection at any time without pulling memory from under a
// caller further up the stack.
//
// Thread safety: request_stop() and defer() may be called from any thread;
// everything else belongs to the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/memory_budget.hpp"
#include "core/timer_wheel.hpp"
#include "net/backend.hpp"
#include "net/connection.hpp"
#include "net/inbox.hpp"
#include "net/stream_handler.hpp"
#include "net/unique_fd.hpp"

namespace net {

class EventLoop {
 public:
  // Makes the protocol's handler for a newly accepted connection.
  using HandlerFactory = std::function<std::unique_ptr<StreamHandler>(Connection&)>;

  struct Options {
    // After request_stop(): how long handlers get to close gracefully before
    // the remaining connections are cut.
    std::chrono::milliseconds shutdown_timeout{5000};
    // The server-wide bound on what connections hold (--max-memory), shared
    // by every loop; null: unbounded. Must outlive the loop.
    core::MemoryBudget* memory_budget = nullptr;
    // How the loop waits and moves bytes. io_uring throws from the
    // constructor where the kernel refuses a ring (see net/uring_probe.hpp
    // for asking first).
    BackendKind backend = BackendKind::epoll;
  };

  // `listener` may be empty: a client's loop only has outbound connections.
  EventLoop(UniqueFd listener, HandlerFactory make_handler, Options options);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Serves until request_stop() and then until every connection has ended.
  void run();
  // Any thread: stop accepting, ask every handler to close, finish run().
  void request_stop() noexcept;

  // Any thread, the loop's own included: runs `task` on the loop's thread
  // soon, after the calls this thread deferred before (no order between
  // threads). From another thread, only the first call of a batch writes
  // the eventfd; the loop runs the whole batch after this iteration's I/O,
  // before the flush. From the loop's thread (a handler, a timer, a
  // deferred call) no eventfd: it runs later in this iteration or in the
  // next, never inside defer(). Deferred calls keep running while the loop
  // stops; just before run() returns it refuses further calls and runs the
  // ones queued by then (the rest of its connections are then cut).
  // Returns true: `task` will run before run() returns (if run() is never
  // called, ~EventLoop destroys it unrun). False once run() has finished:
  // `task` was destroyed unrun, on the calling thread, before defer()
  // returned. The loop must outlive every call.
  bool defer(std::function<void()> task);
  // eventfd writes so far (defer's first call of a batch, request_stop):
  // for tests of the batching.
  std::uint64_t wakeups_written() const noexcept {
    return wakeups_written_.load(std::memory_order_relaxed);
  }

  // Loop thread: serves a socket this loop did not accept, such as an
  // outbound one still connecting (net::connect_tcp): queued output leaves
  // once the connection is established; a failed connect ends it.
  Connection& add_connection(UniqueFd fd, const HandlerFactory& make_handler);

  core::TimerWheel& timers() noexcept { return timers_; }
  // This loop's share of the memory budget: its connections and their
  // protocols charge their buffers here.
  core::MemoryAccount& memory() noexcept { return memory_; }
  // The time this iteration began (read once after epoll_wait): cheap
  // enough to stamp every read with.
  core::Clock::time_point now() const noexcept { return now_; }
  std::size_t connection_count() const noexcept { return connection_count_; }
  BackendKind backend_kind() const noexcept { return backend_->kind(); }

 private:
  friend class Connection;
  friend class EpollBackend;
  friend class UringBackend;

  // What the backends call.
  Backend& backend() noexcept { return *backend_; }
  std::size_t send_limit() const noexcept { return send_limit_; }
  Connection* connection_at(int fd) const noexcept {
    return static_cast<std::size_t>(fd) < connections_.size() ? connections_[fd].get() : nullptr;
  }
  void woken();
  void accept_all();
  void accept_failed(int error);
  void adopt(UniqueFd fd);

  std::unique_ptr<Backend> make_backend(BackendKind kind);
  void wake() noexcept;
  void wait_and_dispatch();
  void run_deferred();
  bool shed_one_pending_connection();
  void pause_accepting();
  Connection* install(UniqueFd fd, const HandlerFactory& make_handler);
  void begin_shutdown();
  void resume_pending_reads();
  void flush_dirty();
  void reap_closed();

  void schedule_flush(Connection& connection) { dirty_.push_back(&connection); }
  void schedule_read(Connection& connection) { pending_reads_.push_back(connection.fd()); }
  void schedule_reap(Connection& connection) { closed_.push_back(&connection); }

  Options options_;
  HandlerFactory make_handler_;
  UniqueFd wakeup_;  // eventfd: request_stop() and defer() from other threads
  UniqueFd listener_;
  UniqueFd reserve_fd_;         // given up to accept-and-drop when out of fds
  core::MemoryAccount memory_;  // declared before connections_: they refund it when destroyed
  std::vector<std::unique_ptr<Connection>> connections_;  // indexed by fd
  std::size_t connection_count_ = 0;
  std::size_t lingering_count_ = 0;  // of which: only waiting for the peer's FIN
  std::vector<Connection*> dirty_;
  std::vector<int> pending_reads_;  // fds, not pointers: a reaped fd simply reads EAGAIN
  std::vector<Connection*> closed_;
  core::TimerWheel timers_;
  core::Clock::time_point now_ = core::Clock::now();
  core::Timer shutdown_timer_;
  core::Timer resume_accepting_timer_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::uint64_t> wakeups_written_{0};
  bool shutting_down_ = false;
  bool deferred_pending_ = false;  // drain the inbox this iteration
  // After the connections and the timers: a backend may still hold ended
  // connections the kernel had not let go of, and frees them first.
  std::unique_ptr<Backend> backend_;
  std::size_t send_limit_ = backend_->send_limit();  // read on every send: no virtual call
  // Last, so destroyed first: calls never run go while the loop is whole.
  Inbox inbox_;
};

}  // namespace net
