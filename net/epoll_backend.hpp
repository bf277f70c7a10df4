// EpollBackend: readiness, edge-triggered. Each socket is registered once
// for input and output (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET); a report
// of input means "read until the kernel's queue is empty", and the loop
// reads it itself, into one receive buffer shared by every connection; a
// report of output resumes a send that hit EAGAIN. Sends are system calls
// made on the spot: send() for one piece, sendmsg() for a gathered run.
// The listener is level-triggered, so an accept cut short (out of memory)
// is reported again rather than forgotten.
//
// Thread safety: the loop's thread only.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>

#include "net/backend.hpp"
#include "net/unique_fd.hpp"

namespace net {

class EventLoop;

class EpollBackend final : public Backend {
 public:
  // Watches `wakeup` (the loop's eventfd) for its whole life.
  EpollBackend(EventLoop& loop, int wakeup);

  BackendKind kind() const noexcept override { return BackendKind::epoll; }
  bool arm_listener(int listener) noexcept override;
  void disarm_listener(int listener) noexcept override;
  bool attach(Connection& connection) noexcept override;
  void resume_input(Connection& connection) override;
  ssize_t send(Connection& connection, std::span<const iovec> pieces, bool stable,
               bool now) noexcept override;
  void release(std::unique_ptr<Connection> connection) noexcept override;
  void wait(int timeout_ms) override;
  void dispatch() override;

 private:
  static constexpr int max_events_per_wait = 256;
  static constexpr std::size_t receive_buffer_size = 256 * 1024;

  void dispatch(const epoll_event& event);
  void read(Connection& connection, bool until_eagain);

  EventLoop& loop_;
  UniqueFd epoll_;
  int wakeup_;
  int listener_ = -1;
  std::unique_ptr<std::uint8_t[]> receive_buffer_;  // receive_buffer_size + receive_padding
  epoll_event events_[max_events_per_wait];
  int ready_ = 0;
};

}  // namespace net
