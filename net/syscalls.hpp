// The system calls of the event loop and its connections, behind one seam,
// so that a test can make any of them fail on its n-th call (fault
// injection, in the spirit of Boost.Beast's fail_count).
//
// In production no injector is installed: each wrapper costs one relaxed
// load and a branch that is never taken, next to a system call that costs a
// thousand times more. A test installs a FaultInjector for the whole process
// (the loop's thread included), runs a scenario, and uninstalls it.
//
// What can be injected, per call kind (a plan fails exactly one call: the
// n-th of its kind, counted from install):
//   send:       EAGAIN, a short count (half, at least 1 byte), ECONNRESET, EPIPE
//   recv:       0 (the peer's FIN), ECONNRESET
//   accept:     EMFILE, ENOMEM
//   epoll_ctl:  ENOMEM
// An injected failure does not touch the socket: the call simply does not
// happen, as if the kernel had answered that way.
//
// Thread safety: install/uninstall while no loop runs a system call (before
// starting the loop's thread, after joining it); counting is atomic.
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace net {

enum class SysCall : std::uint8_t { send, recv, accept, epoll_ctl, count_ };

enum class Fault : std::uint8_t {
  again,        // EAGAIN (send, recv)
  short_count,  // send: half the bytes (at least one)
  reset,        // ECONNRESET (send, recv)
  broken_pipe,  // EPIPE (send)
  eof,          // recv returns 0
  no_fds,       // EMFILE (accept)
  no_memory,    // ENOMEM (accept, epoll_ctl)
};

class FaultInjector {
 public:
  // Fail the n-th call (1-based) of `call` with `fault`.
  FaultInjector(SysCall call, std::uint64_t nth, Fault fault) noexcept
      : call_(call), nth_(nth), fault_(fault) {}

  // Counts the call; true (and the fault to apply) when this is the one.
  bool should_fail(SysCall call, Fault& fault) noexcept;
  // Calls of each kind seen since install: a scenario run once without a
  // fault tells how many n to try.
  std::uint64_t calls(SysCall call) const noexcept {
    return counts_[static_cast<std::size_t>(call)].load(std::memory_order_relaxed);
  }
  bool fired() const noexcept { return fired_.load(std::memory_order_relaxed); }

  static void install(FaultInjector* injector) noexcept;
  static FaultInjector* active() noexcept { return active_.load(std::memory_order_relaxed); }

 private:
  static inline std::atomic<FaultInjector*> active_{nullptr};
  SysCall call_;
  std::uint64_t nth_;
  Fault fault_;
  std::atomic<std::uint64_t> counts_[static_cast<std::size_t>(SysCall::count_)]{};
  std::atomic<bool> fired_{false};
};

namespace sys {

// The faulted paths, out of line: only ever called with an injector installed.
ssize_t send_faulted(int fd, const void* bytes, std::size_t size, int flags) noexcept;
ssize_t sendmsg_faulted(int fd, msghdr* message, int flags) noexcept;
ssize_t recv_faulted(int fd, void* bytes, std::size_t size, int flags) noexcept;
int accept4(int listener, int flags) noexcept;
int epoll_ctl(int epoll_fd, int op, int fd, epoll_event* event) noexcept;

// send and recv are on every message's path: inline, one load and a branch.
inline ssize_t send(int fd, const void* bytes, std::size_t size, int flags) noexcept {
  if (FaultInjector::active()) [[unlikely]]
    return send_faulted(fd, bytes, size, flags);
  return ::send(fd, bytes, size, flags);
}

// Counted as a send: the same faults apply (a short count halves the bytes).
inline ssize_t sendmsg(int fd, msghdr* message, int flags) noexcept {
  if (FaultInjector::active()) [[unlikely]]
    return sendmsg_faulted(fd, message, flags);
  return ::sendmsg(fd, message, flags);
}

inline ssize_t recv(int fd, void* bytes, std::size_t size, int flags) noexcept {
  if (FaultInjector::active()) [[unlikely]]
    return recv_faulted(fd, bytes, size, flags);
  return ::recv(fd, bytes, size, flags);
}

// One send() or sendmsg() of `pieces`, as a readiness backend makes it.
inline ssize_t send_pieces(int fd, std::span<const iovec> pieces) noexcept {
  if (pieces.size() == 1)  // the common case: a plain send, as cheap as ever
    return sys::send(fd, pieces[0].iov_base, pieces[0].iov_len, MSG_NOSIGNAL);
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(pieces.data());  // msghdr is not const
  message.msg_iovlen = pieces.size();
  return sys::sendmsg(fd, &message, MSG_NOSIGNAL);
}

}  // namespace sys
}  // namespace net
