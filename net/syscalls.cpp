#include "net/syscalls.hpp"

#include <algorithm>
#include <cerrno>

namespace net {
namespace {

// The errno an injected fault stands for.
int error_of(Fault fault) noexcept {
  switch (fault) {
    case Fault::again:
      return EAGAIN;
    case Fault::reset:
      return ECONNRESET;
    case Fault::broken_pipe:
      return EPIPE;
    case Fault::no_fds:
      return EMFILE;
    case Fault::no_memory:
      return ENOMEM;
    case Fault::short_count:
    case Fault::eof:
      return 0;
  }
  return EIO;
}

// True when an injector is installed and this call is the one it fails.
bool injected(SysCall call, Fault& fault) noexcept {
  FaultInjector* injector = FaultInjector::active();
  return injector && injector->should_fail(call, fault);
}

ssize_t fail_with(Fault fault) noexcept {
  errno = error_of(fault);
  return -1;
}

}  // namespace

bool FaultInjector::should_fail(SysCall call, Fault& fault) noexcept {
  const std::uint64_t n =
      counts_[static_cast<std::size_t>(call)].fetch_add(1, std::memory_order_relaxed) + 1;
  if (call != call_ || n != nth_) return false;
  fired_.store(true, std::memory_order_relaxed);
  fault = fault_;
  return true;
}

void FaultInjector::install(FaultInjector* injector) noexcept {
  active_.store(injector, std::memory_order_release);
}

namespace sys {

ssize_t send_faulted(int fd, const void* bytes, std::size_t size, int flags) noexcept {
  Fault fault;
  if (injected(SysCall::send, fault)) [[unlikely]] {
    if (fault != Fault::short_count) return fail_with(fault);
    size = size > 1 ? size / 2 : size;  // a partial write: the kernel took what fit
  }
  return ::send(fd, bytes, size, flags);
}

// A partial write: the first half of the bytes (at least one), in however
// many of the pieces they span.
ssize_t sendmsg_faulted(int fd, msghdr* message, int flags) noexcept {
  Fault fault;
  if (!injected(SysCall::send, fault)) return ::sendmsg(fd, message, flags);
  if (fault != Fault::short_count) return fail_with(fault);
  std::size_t total = 0;
  for (std::size_t i = 0; i < message->msg_iovlen; ++i) total += message->msg_iov[i].iov_len;
  std::size_t keep = total > 1 ? total / 2 : total;
  iovec pieces[64];
  msghdr shorter = *message;
  shorter.msg_iov = pieces;
  shorter.msg_iovlen = 0;
  for (std::size_t i = 0; i < message->msg_iovlen && i < 64 && keep > 0; ++i) {
    pieces[i] = message->msg_iov[i];
    pieces[i].iov_len = std::min(pieces[i].iov_len, keep);
    keep -= pieces[i].iov_len;
    shorter.msg_iovlen = i + 1;
  }
  return ::sendmsg(fd, &shorter, flags);
}

ssize_t recv_faulted(int fd, void* bytes, std::size_t size, int flags) noexcept {
  Fault fault;
  if (injected(SysCall::recv, fault)) [[unlikely]]
    return fault == Fault::eof ? 0 : fail_with(fault);
  return ::recv(fd, bytes, size, flags);
}

int accept4(int listener, int flags) noexcept {
  Fault fault;
  if (injected(SysCall::accept, fault)) [[unlikely]]
    return static_cast<int>(fail_with(fault));
  return ::accept4(listener, nullptr, nullptr, flags);
}

int epoll_ctl(int epoll_fd, int op, int fd, epoll_event* event) noexcept {
  Fault fault;
  if (injected(SysCall::epoll_ctl, fault)) [[unlikely]]
    return static_cast<int>(fail_with(fault));
  return ::epoll_ctl(epoll_fd, op, fd, event);
}

}  // namespace sys
}  // namespace net
