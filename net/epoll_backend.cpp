#include "net/epoll_backend.hpp"

#include <cerrno>
#include <system_error>

#include "net/connection.hpp"
#include "net/event_loop.hpp"
#include "net/syscalls.hpp"

namespace net {
namespace {

// Reads per readiness report before yielding to other connections. Edge
// triggering means nobody will report it again, so the loop remembers to
// come back (EventLoop::schedule_read) instead of starving the rest.
constexpr int max_reads_per_event = 16;

constexpr std::uint32_t connection_events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

bool watch(int epoll_fd, int fd, std::uint32_t events) noexcept {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  return sys::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

}  // namespace

EpollBackend::EpollBackend(EventLoop& loop, int wakeup)
    : loop_(loop),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wakeup_(wakeup),
      receive_buffer_(
          std::make_unique_for_overwrite<std::uint8_t[]>(receive_buffer_size + receive_padding)) {
  if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  if (!watch(epoll_.get(), wakeup_, EPOLLIN))
    throw std::system_error(errno, std::generic_category(), "epoll_ctl ADD");
}

bool EpollBackend::arm_listener(int listener) noexcept {
  listener_ = listener;
  return watch(epoll_.get(), listener, EPOLLIN);  // level-triggered: see the header
}

void EpollBackend::disarm_listener(int listener) noexcept {
  sys::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener, nullptr);
  listener_ = -1;
}

// Registered once; its first events wait for the next epoll_wait.
bool EpollBackend::attach(Connection& connection) noexcept {
  return watch(epoll_.get(), connection.fd(), connection_events);
}

void EpollBackend::resume_input(Connection& connection) {
  read(connection, /*until_eagain=*/true);  // no edge to go by
}

// Always now: readiness sends are system calls made on the spot.
ssize_t EpollBackend::send(Connection& connection, std::span<const iovec> pieces, bool /*stable*/,
                           bool /*now*/) noexcept {
  return sys::send_pieces(connection.fd(), pieces);
}

// Nothing of it is in the kernel's hands: freed (and its fd closed) now.
void EpollBackend::release(std::unique_ptr<Connection> connection) noexcept { connection.reset(); }

void EpollBackend::wait(int timeout_ms) {
  ready_ = ::epoll_wait(epoll_.get(), events_, max_events_per_wait, timeout_ms);
  if (ready_ >= 0) return;
  if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
  ready_ = 0;
}

void EpollBackend::dispatch() {
  for (int i = 0; i < ready_; ++i) dispatch(events_[i]);
  ready_ = 0;
}

void EpollBackend::dispatch(const epoll_event& event) {
  const int fd = event.data.fd;
  if (fd == listener_) return loop_.accept_all();
  if (fd == wakeup_) return loop_.woken();
  Connection* connection = loop_.connection_at(fd);
  if (!connection || connection->closed()) return;
  const bool hung_up = event.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  if (hung_up || (event.events & EPOLLIN)) read(*connection, hung_up);
  if ((event.events & EPOLLOUT) && !connection->closed()) connection->writable();
}

// Edge-triggered: read until the kernel's queue is empty, or until this
// report's share runs out. A read that returns less than it asked for has
// emptied it (TCP's recvmsg stops short only when the receive queue and
// backlog run dry), and any later arrival raises a new edge, so the usual
// extra read that returns EAGAIN is skipped: one system call fewer per
// message for small-message traffic. `until_eagain` keeps the strict rule
// where no further edge is owed: a peer that hung up (its EOF must be read)
// and a read resumed by the loop rather than an edge.
void EpollBackend::read(Connection& connection, bool until_eagain) {
  if (connection.input_ended()) return;  // nothing more will come, and EOF was handled
  for (int reads = 0; reads < max_reads_per_event; ++reads) {
    const std::size_t room = connection.receive_room(receive_buffer_size);
    if (room == 0) return;  // paused: resume_input() comes back
    const ssize_t n = sys::recv(connection.fd(), receive_buffer_.get(), room, 0);
    if (n > 0) {
      const std::span<std::uint8_t> buffer(receive_buffer_.get(), receive_buffer_size);
      if (!connection.received(buffer, static_cast<std::size_t>(n))) return;
      if (static_cast<std::size_t>(n) < room && !until_eagain) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n == 0) return connection.end_of_input();
    return connection.input_failed(errno);  // reset or error: nothing more can be delivered
  }
  loop_.schedule_read(connection);
}

}  // namespace net
