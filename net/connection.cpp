#include "net/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/event_loop.hpp"

namespace net {
namespace {

// Reads per readiness event before yielding to other connections. Edge
// triggering means nobody will tell us again, so the loop remembers to come
// back (EventLoop::schedule_read) instead of starving the rest.
constexpr int max_reads_per_event = 16;

}  // namespace

Connection::Connection(EventLoop& loop, UniqueFd fd)
    : loop_(loop), fd_(std::move(fd)), linger_timer_([this] { finish(); }) {}

Connection::~Connection() = default;

void Connection::write(std::span<const std::uint8_t> bytes) {
  if (state_ != State::open || bytes.empty()) return;
  output_.append(bytes);
  mark_dirty();
}

std::uint8_t* Connection::prepare_write(std::size_t n) { return output_.prepare(n); }

void Connection::commit_write(std::size_t n) {
  if (state_ != State::open) return;  // bytes stay uncommitted: dropped
  output_.commit(n);
  mark_dirty();
}

void Connection::close_gracefully(std::chrono::milliseconds linger) {
  if (state_ != State::open) return;
  state_ = State::flushing;
  linger_ = linger;
  if (output_.empty()) {
    after_output_drained();
  } else {
    mark_dirty();
  }
}

void Connection::abort() noexcept { finish(); }

// Read until EAGAIN (edge-triggered contract) or until the budget runs out.
void Connection::on_readable(std::span<std::uint8_t> receive_buffer) {
  for (int reads = 0; reads < max_reads_per_event; ++reads) {
    const ssize_t n = ::recv(fd_.get(), receive_buffer.data(), receive_buffer.size(), 0);
    if (n > 0) {
      // Once we decided to close, the peer's bytes are drained unread.
      if (state_ == State::open)
        handler_->on_data(receive_buffer.first(static_cast<std::size_t>(n)));
      if (state_ == State::closed) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // 0: the peer closed (give what we queued one best-effort send, so a
    // client that half-closes still reads our reply); < 0: reset or error.
    if (n == 0 && !output_.empty()) flush();
    finish();
    return;
  }
  loop_.schedule_read(*this);
}

void Connection::on_writable() {
  if (!output_.empty()) flush();
}

void Connection::flush() {
  while (!output_.empty()) {
    const auto pending = output_.data();
    const ssize_t n = ::send(fd_.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      output_.consume(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      waiting_writable_ = true;  // EPOLLOUT (registered once, edge-triggered) resumes us
      return;
    }
    finish();  // EPIPE, ECONNRESET: the peer is gone
    return;
  }
  after_output_drained();
}

void Connection::after_output_drained() {
  output_.release();  // an idle connection keeps no output memory
  if (waiting_writable_) {
    waiting_writable_ = false;
    if (state_ == State::open) handler_->on_drain();
  }
  if (state_ == State::flushing) {
    // Half-close: the peer reads our last bytes, then EOF. Closing outright
    // with its unread bytes in our receive queue would send a reset that
    // can destroy what we just sent before the peer reads it.
    ::shutdown(fd_.get(), SHUT_WR);
    state_ = State::lingering;
    ++loop_.lingering_count_;
    loop_.timers().arm(linger_timer_, linger_);
  }
}

void Connection::mark_dirty() {
  if (dirty_) return;
  dirty_ = true;
  loop_.schedule_flush(*this);
}

void Connection::finish() noexcept {
  if (state_ == State::closed) return;
  if (state_ == State::lingering) --loop_.lingering_count_;
  state_ = State::closed;
  loop_.timers().cancel(linger_timer_);
  loop_.schedule_reap(*this);
}

}  // namespace net
