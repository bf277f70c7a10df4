#include "net/syscalls.hpp"

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
