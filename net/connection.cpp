#include "net/connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "net/backend.hpp"
#include "net/event_loop.hpp"

namespace net {
namespace {

// iovecs per sendmsg: enough to batch many queued frames, few enough to
// live on the stack (the kernel takes up to IOV_MAX = 1024).
constexpr std::size_t max_pieces_per_send = 64;
// At most one recorded unit boundary per this many queued bytes.
constexpr std::uint64_t boundary_spacing = 4096;

}  // namespace

Connection::Connection(EventLoop& loop, UniqueFd fd)
    : loop_(loop), fd_(std::move(fd)), close_timer_([this] { finish(); }) {}

Connection::~Connection() { loop_.memory().refund(charged_); }

void Connection::write(std::span<const std::uint8_t> bytes) {
  if (state_ != State::open || bytes.empty()) return;
  output_.append(bytes);
  settle_memory();
  end_unit();
}

std::uint8_t* Connection::prepare_write(std::size_t n) {
  const std::size_t growth = output_.growth_for(n);
  if (growth > 0) {
    if (!loop_.memory().try_charge(growth)) return nullptr;
    charged_ += growth;
  }
  return output_.prepare(n);
}

void Connection::commit_write(std::size_t n) {
  if (state_ != State::open) return;  // bytes stay uncommitted: dropped
  output_.commit(n);
  end_unit();
}

void Connection::write_shared(SharedBytesRef frame) {
  if (state_ != State::open || !frame || frame->size() == 0) return;
  output_.append_shared(std::move(frame));
  end_unit();
}

bool Connection::write_urgent(std::span<const std::uint8_t> bytes) {
  if (state_ != State::open || bytes.empty()) return true;
  if (!backed_up()) {  // nothing refused: keep the order, as an ordinary unit
    std::uint8_t* out = prepare_write(bytes.size());
    if (!out) return false;
    std::memcpy(out, bytes.data(), bytes.size());
    commit_write(bytes.size());
    return true;
  }
  const std::size_t growth = urgent_.growth_for(bytes.size());
  if (growth > 0) {
    if (!loop_.memory().try_charge(growth)) return false;
    charged_ += growth;
  }
  urgent_.append(bytes);
  mark_dirty();
  return true;
}

// Charges (or refunds) the loop's memory account for what the queues'
// capacity became; forced, for the writes that may not be refused.
void Connection::settle_memory() noexcept {
  const std::size_t held = output_.owned_capacity() + urgent_.capacity();
  if (held > charged_) loop_.memory().charge(held - charged_);
  if (held < charged_) loop_.memory().refund(charged_ - held);
  charged_ = held;
}

// A unit was queued: remember where it ends if the last recorded boundary
// is far enough behind, and send early if one iteration queued a lot.
void Connection::end_unit() {
  const std::uint64_t end = sent_ + output_.size();
  const std::uint64_t last = unit_head_ < unit_ends_.size() ? unit_ends_.back() : sent_;
  if (end - last >= boundary_spacing) unit_ends_.push_back(end);
  mark_dirty();
  // A send that fails here (the peer reset us) ends the connection now, or
  // a handler sending in a loop would keep queuing for a peer that is gone.
  if (!backed_up() && buffered_bytes() >= early_send_threshold &&
      send_queued(/*now=*/true) == SendStatus::failed)
    finish();
}

void Connection::discard_unsent() {
  std::size_t keep = front_at_boundary_ ? 0 : bytes_to_boundary();
  // A send in flight holds its bytes where they are: they stay, whole units.
  if (in_flight_ == Lane::output) keep = std::max(keep, bytes_to_boundary_after(in_flight_bytes_));
  if (keep == output_.size()) return;
  output_.truncate(keep);
  settle_memory();
  unit_ends_.clear();
  unit_head_ = 0;
}

// One deadline for the whole close, flushing and lingering alike: a peer
// that reads nothing cannot keep the socket (and its queue) forever.
void Connection::close_gracefully(std::chrono::milliseconds linger) {
  if (state_ != State::open) return;
  state_ = State::flushing;
  loop_.timers().arm(close_timer_, linger);
  if (buffered_bytes() == 0) {
    after_output_drained();
  } else {
    mark_dirty();
  }
}

void Connection::abort() noexcept { finish(); }

// A backend that completes receives on its own may hand over more than the
// allowance; what is past it is dropped unread, as a readiness backend
// would have left it in the kernel.
bool Connection::received(std::span<std::uint8_t> buffer, std::size_t n) {
  n = std::min(n, input_allowance_);
  // Spent before the handler runs: a limit it sets now counts from here.
  if (input_allowance_ != SIZE_MAX) input_allowance_ -= n;
  // Once we decided to close, the peer's bytes are drained unread.
  if (state_ == State::open && n > 0) deliver(buffer, n);
  return state_ != State::closed && !input_ended_;
}

void Connection::input_failed(int error) noexcept {
  error_ = error;
  finish();  // reset or error: nothing more can be delivered
}

void Connection::deliver(std::span<std::uint8_t> receive_buffer, std::size_t n) {
  if (!transport_) return handler_->on_data(receive_buffer.first(n));
  deliver_through_transport(receive_buffer, n);
}

// The wire bytes go into the transport (which copies them), so the receive
// buffer is free again for what it pulls out: one shared buffer either way.
// A handshake step may leave wire output; an alert is sent before the end.
void Connection::deliver_through_transport(std::span<std::uint8_t> receive_buffer, std::size_t n) {
  transport_->push(receive_buffer.first(n));
  while (state_ == State::open) {
    const Transport::Pulled pulled = transport_->pull(receive_buffer);
    if (pulled.bytes > 0) handler_->on_data(receive_buffer.first(pulled.bytes));
    if (pulled.status == Transport::Status::ok) continue;
    if (pulled.status == Transport::Status::peer_closed) end_of_input();
    if (pulled.status == Transport::Status::failed) {
      (void)send_queued();  // the alert, if the socket takes it now
      finish();
    }
    break;
  }
  // A handshake step may have left wire output, or finished the handshake
  // with protocol bytes waiting to be sealed (a client's request).
  if (state_ != State::closed && buffered_bytes() > 0) mark_dirty();
}

// The peer's FIN. It may still read: what is queued goes out (the handler
// decides what to add, such as a close frame), bounded by the close
// deadline; only then is the socket closed. Lingering was only waiting for
// this FIN.
void Connection::end_of_input() {
  input_ended_ = true;
  if (state_ == State::open) return handler_->on_end_of_input();
  if (state_ == State::lingering) finish();
}

void Connection::writable() {
  if (buffered_bytes() > 0) flush();
}

// A send the backend took has completed. One that took less than it was
// given found the socket full: that is backing up, as EAGAIN is.
void Connection::sent(ssize_t result) {
  const Lane lane = std::exchange(in_flight_, Lane::none);
  if (lane == Lane::output) output_.unpin();
  if (state_ == State::closed) return;  // ended meanwhile: the bytes no longer matter
  if (result < 0) return input_failed(static_cast<int>(-result));  // EPIPE, ECONNRESET
  sent_from(lane, static_cast<std::size_t>(result));
  if (static_cast<std::size_t>(result) < in_flight_bytes_) waiting_writable_ = true;
  flush();
}

void Connection::flush() {
  const SendStatus status = send_queued();
  if (status == SendStatus::failed) return finish();  // EPIPE, ECONNRESET: the peer is gone
  if (backed_up() && buffered_bytes() > low_water_) drain_owed_ = true;
  if (reading_paused_ && buffered_bytes() <= low_water_) {
    reading_paused_ = false;
    loop_.schedule_read(*this);  // no new edge will come for what waits
  }
  if (drain_owed_ && buffered_bytes() <= low_water_) {
    drain_owed_ = false;
    if (state_ == State::open) handler_->on_drain();
  }
  // on_drain may have queued more (flushed later) or closed the connection.
  if (status == SendStatus::done && buffered_bytes() == 0) after_output_drained();
}

// Sends until the queues are empty, the kernel refuses more, or the backend
// took a send that completes later (only one at a time: bytes stay in order).
// No callbacks and no state change but the queues', so it may run inside a
// handler's write. An urgent unit goes as soon as the output's front is at a
// unit boundary. Over a transport, protocol bytes are sealed first (no
// system call) and only its wire output goes to the socket.
Connection::SendStatus Connection::send_queued(bool now) noexcept {
  if (sending()) return SendStatus::in_flight;
  while (buffered_bytes() > 0) {
    const bool wire_turn = transport_ && transport_->wire_pending() > 0;
    const bool urgent_turn = !wire_turn && !urgent_.empty() && front_at_boundary_;
    if (transport_ && !wire_turn) {
      if (!seal_next(urgent_turn)) break;  // nothing sealed: the handshake is not done
      continue;
    }
    const Lane lane = wire_turn ? Lane::wire : urgent_turn ? Lane::urgent : Lane::output;
    const ssize_t n = send_lane(lane, now);
    if (n == Backend::in_flight) return SendStatus::in_flight;
    if (n >= 0) {
      sent_from(lane, static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      waiting_writable_ = true;  // the backend reports when the socket takes more
      return SendStatus::blocked;
    }
    error_ = errno;
    return SendStatus::failed;
  }
  waiting_writable_ = false;
  return SendStatus::done;
}

// The front of the urgent lane or of the queue into the transport, piece by
// piece, until it stops taking (its wire output is full: send_queued sends
// that, then comes back). False if it took nothing.
bool Connection::seal_next(bool urgent_turn) noexcept {
  if (urgent_turn) {
    const std::size_t taken = transport_->seal(urgent_.data());
    urgent_.consume(taken);
    return taken > 0;
  }
  iovec pieces[max_pieces_per_send];
  const std::size_t limit = urgent_.empty() ? SIZE_MAX : bytes_to_boundary();
  const std::size_t count = output_.gather(pieces, max_pieces_per_send, limit);
  std::size_t sealed = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::span<const std::uint8_t> piece(static_cast<const std::uint8_t*>(pieces[i].iov_base),
                                              pieces[i].iov_len);
    const std::size_t taken = transport_->seal(piece);
    sealed += taken;
    if (taken < piece.size()) break;
  }
  consume_output(sealed);
  return sealed > 0;
}

// One send of a lane's front: the transport's wire output, the urgent
// unit, or the queue (its own bytes and shared frames alike, gathered; only
// up to the next unit boundary while an urgent unit waits). Only the queue
// can be pinned in place while a send is in flight: the other two may move
// as they grow, so a backend that sends later copies them.
ssize_t Connection::send_lane(Lane lane, bool now) noexcept {
  iovec pieces[max_pieces_per_send];
  std::size_t count = 1;
  if (lane == Lane::output && output_.contiguous()) {  // nothing shared: one piece, no gathering
    const std::size_t limit = urgent_.empty() ? loop_.send_limit() : bytes_to_boundary();
    const auto bytes = output_.front().first(std::min(limit, output_.size()));
    pieces[0] = iovec{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};  // iovec is not const
  } else if (lane == Lane::output) {
    const std::size_t limit = urgent_.empty() ? loop_.send_limit() : bytes_to_boundary();
    count = output_.gather(pieces, max_pieces_per_send, limit);
  } else {
    const auto bytes = lane == Lane::wire ? transport_->wire_output() : urgent_.data();
    pieces[0] = iovec{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};  // iovec is not const
  }
  const std::span<const iovec> run(pieces, count);
  const ssize_t n = loop_.backend().send(*this, run, /*stable=*/lane == Lane::output, now);
  if (n == Backend::in_flight) {
    in_flight_ = lane;
    in_flight_bytes_ = 0;
    for (const iovec& piece : run) in_flight_bytes_ += piece.iov_len;
    if (lane == Lane::output) output_.pin();
  }
  return n;
}

void Connection::sent_from(Lane lane, std::size_t n) noexcept {
  if (lane == Lane::wire) return transport_->wire_sent(n);
  if (lane == Lane::urgent) return urgent_.consume(n);
  consume_output(n);
}

void Connection::consume_output(std::size_t n) noexcept {
  output_.consume(n);
  sent_ += n;
  bool on_boundary = false;
  while (unit_head_ < unit_ends_.size() && unit_ends_[unit_head_] <= sent_)
    on_boundary = unit_ends_[unit_head_++] == sent_;
  front_at_boundary_ = on_boundary || output_.empty();
  if (unit_head_ == unit_ends_.size()) {
    unit_ends_.clear();
    unit_head_ = 0;
  } else if (unit_head_ >= 64 && unit_head_ * 2 >= unit_ends_.size()) {
    unit_ends_.erase(unit_ends_.begin(), unit_ends_.begin() + static_cast<long>(unit_head_));
    unit_head_ = 0;
  }
}

// From the first unsent byte to the next known unit boundary: a recorded
// one, else the end of the queue (the queue always ends on a boundary).
std::size_t Connection::bytes_to_boundary() const noexcept {
  if (unit_head_ < unit_ends_.size())
    return static_cast<std::size_t>(unit_ends_[unit_head_] - sent_);
  return output_.size();
}

// The first known unit boundary at least `n` bytes past the first unsent one.
std::size_t Connection::bytes_to_boundary_after(std::size_t n) const noexcept {
  for (std::size_t i = unit_head_; i < unit_ends_.size(); ++i)
    if (unit_ends_[i] - sent_ >= n) return static_cast<std::size_t>(unit_ends_[i] - sent_);
  return output_.size();
}

void Connection::after_output_drained() {
  output_.release();  // an idle connection keeps no output memory
  urgent_.release();
  loop_.memory().refund(charged_);  // both queues now hold nothing
  charged_ = 0;
  if (unit_ends_.capacity() > 64) std::vector<std::uint64_t>().swap(unit_ends_);
  if (state_ != State::flushing) return;
  // Over a transport, its close (TLS close_notify) is the last thing sealed;
  // once it has left too, we are back here and go on to the FIN.
  if (transport_ && !transport_closed_) {
    transport_closed_ = true;
    transport_->close();
    const SendStatus status = send_queued();
    if (status == SendStatus::failed) return finish();
    if (buffered_bytes() > 0) return;  // EPOLLOUT: flush, then here again
  }
  // The peer already ended its side: the kernel delivers what it holds of
  // ours, then a FIN, when the socket closes. Nothing to linger for.
  if (input_ended_) return finish();
  // Half-close: the peer reads our last bytes, then EOF. Closing outright
  // with its unread bytes in our receive queue would send a reset that can
  // destroy what we just sent before the peer reads it.
  ::shutdown(fd_.get(), SHUT_WR);
  state_ = State::lingering;
  ++loop_.lingering_count_;
}

void Connection::mark_dirty() {
  if (dirty_) return;
  dirty_ = true;
  loop_.schedule_flush(*this);
}

void Connection::finish() noexcept {
  if (state_ == State::closed) return;
  if (state_ == State::lingering) --loop_.lingering_count_;
  // Bytes still queued would leave the peer a frame cut short followed by
  // an orderly FIN, which reads as a clean end. A reset says what happened.
  if (buffered_bytes() > 0) reset_on_close();
  state_ = State::closed;
  loop_.timers().cancel(close_timer_);
  loop_.schedule_reap(*this);
}

void Connection::reset_on_close() noexcept {
  const ::linger reset{1, 0};  // SO_LINGER with a zero timeout: close() sends RST
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

}  // namespace net
