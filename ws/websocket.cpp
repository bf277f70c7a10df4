#include "ws/websocket.hpp"

#include <algorithm>
#include <cstring>

#include "net/event_loop.hpp"
#include "ws/http_request.hpp"
#include "ws/message.hpp"
#include "ws/static_files.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

// The header size of a frame this server built (unmasked, minimal length).
std::size_t unmasked_header_size(std::span<const std::uint8_t> frame) noexcept {
  const std::uint8_t length = frame[1] & 0x7F;
  return length < 126 ? 2 : length == 126 ? 4 : 10;
}

}  // namespace

std::unique_ptr<net::StreamHandler> WebSocket::accept(net::Connection& connection,
                                                      LoopContext& context) {
  return std::make_unique<WebSocket>(connection, context);
}

WebSocket::WebSocket(net::Connection& connection, LoopContext& context)
    : connection_(connection),
      context_(context),
      config_(context.config),
      reader_(ReaderOptions{Role::server, config_.options.max_message_size, 0,
                            &connection.loop().memory()}),
      timer_([this] { on_timer(); }) {
  connection_.set_low_water_mark(config_.options.max_backpressure / 4);
  connection_.set_read_pause_mark(config_.options.max_backpressure / 2);
  arm_request_deadline();
}

WebSocket::~WebSocket() = default;

// ---- sending ---------------------------------------------------------------

SendResult WebSocket::send(std::span<const std::uint8_t> payload, Opcode opcode) {
  // Data only: a control or continuation frame from here would bypass the
  // close state machine and the 125-byte rule (5.5), ping() and close() don't.
  if (opcode != Opcode::text && opcode != Opcode::binary) return SendResult::dropped;
  if (state_ != State::open) return SendResult::dropped;
  if (over_backpressure()) {
    fail_slow_consumer();
    return SendResult::dropped;
  }
  if (!write_frame(opcode, payload)) {
    fail_over_memory();
    return SendResult::dropped;
  }
  if (!connection_.open()) return SendResult::dropped;  // the peer is gone (reset)
  if (!connection_.backed_up()) return SendResult::sent;
  connection_.request_drain();
  return SendResult::buffered;
}

// A published frame, already encoded. Small ones are copied into our own
// queue (cheaper than a reference and an iovec entry of their own, and no
// shared cache line to touch); larger ones are queued by reference.
SendResult WebSocket::send_frame(const net::SharedBytesRef& frame) {
  // Frame bytes, header included. Measured (docs/BENCHMARKS.md, "Where the
  // copy line is"; 100 connections, one loop, server deliveries per CPU-
  // second, medians of 3): copying 20 B frames does 1.59x the deliveries of
  // sharing them; at 128 B copying is 7-25% ahead, at 256 B the two are
  // within noise, at 512 B copying is 23% behind and at 1 KiB 39%. So 256.
  constexpr std::size_t copy_below = 256;
  if (state_ != State::open) return SendResult::dropped;
  if (over_backpressure()) {
    fail_slow_consumer();
    return SendResult::dropped;
  }
  if (frame->size() < copy_below) {
    std::uint8_t* out = connection_.prepare_write(frame->size());
    if (!out) {
      fail_over_memory();
      return SendResult::dropped;
    }
    std::memcpy(out, frame->bytes().data(), frame->size());
    connection_.commit_write(frame->size());
    context_.counters.publish_copied += frame->size() - unmasked_header_size(frame->bytes());
  } else {
    connection_.write_shared(frame);
  }
  if (!connection_.open()) return SendResult::dropped;
  return connection_.backed_up() ? SendResult::buffered : SendResult::sent;
}

bool WebSocket::subscribe(std::string_view topic) {
  return state_ == State::open && context_.topics.subscribe(*this, topic);
}

bool WebSocket::unsubscribe(std::string_view topic) {
  return context_.topics.unsubscribe(*this, topic);
}

bool WebSocket::is_subscribed(std::string_view topic) const {
  return context_.topics.is_subscribed(*this, topic);
}

bool WebSocket::publish(std::string_view topic, std::span<const std::uint8_t> payload,
                        Opcode opcode) {
  return context_.pubsub.publish(context_.loop_index, topic, payload, opcode, this);
}

void WebSocket::after_deliveries(std::function<void()> done) {
  context_.pubsub.after_deliveries(context_.loop_index, std::move(done));
}

SendResult WebSocket::send_text(std::string_view text) {
  return send(as_bytes(text), Opcode::text);
}

SendResult WebSocket::ping(std::span<const std::uint8_t> payload) {
  if (state_ != State::open || payload.size() > max_control_payload) return SendResult::dropped;
  if (!write_control_frame(Opcode::ping, payload)) return SendResult::dropped;
  return connection_.backed_up() ? SendResult::buffered : SendResult::sent;
}

void WebSocket::close(CloseCode code, std::string_view reason) {
  if (state_ != State::open) return;
  write_close_frame(static_cast<std::uint16_t>(code), cut_close_reason(reason));
  state_ = State::closing;
  connection_.loop().timers().arm(timer_, config_.options.close_timeout);
  stop_reading_soon();
}

// Once we have decided to close, the peer's bytes are read only to find its
// close; a peer that keeps sending instead gets max_backpressure more bytes
// of our attention, then is read no more (close_timeout bounds the time).
void WebSocket::stop_reading_soon() noexcept {
  connection_.limit_input(config_.options.max_backpressure);
}

// The bound applies to a queue the kernel has refused (backed up); one that
// is merely this iteration's output is sent early by the connection once it
// reaches 64 KiB. A frame is refused when the queue already holds the bound,
// so a connection's output stays under max_backpressure + one message, and
// one message larger than the bound still goes to a peer that reads it.
// (A peer that sends to itself, as on /echo, is not read from past half the
// bound: see net::Connection. It is closed by the idle timeout if it never
// reads again, not here.)
bool WebSocket::over_backpressure() const noexcept {
  return connection_.backed_up() &&
         connection_.buffered_bytes() >= config_.options.max_backpressure;
}

// The peer does not read what we send: stop queuing for it rather than
// growing memory. The data not yet begun is dropped (it would only delay
// the close), the close 1008 follows the frame on the wire, and close_timeout
// bounds the wait for a peer that reads nothing at all.
void WebSocket::fail_slow_consumer() {
  ++context_.counters.slow_consumers;
  connection_.discard_unsent();
  close(CloseCode::policy_violation, "slow consumer");
}

// The server's memory budget (--max-memory) cannot take this connection's
// growing queue. 1013 (try again later), not 1009: the message is within
// the limits; the server is what is full. What has not begun is dropped,
// as for a slow consumer, which gives memory back at once.
void WebSocket::fail_over_memory() {
  ++context_.counters.over_memory;
  connection_.discard_unsent();
  close(CloseCode::try_again_later, "server memory limit");
}

// Header and payload go straight into the output queue: one copy, and the
// frame leaves with everything else queued in this loop iteration. False
// if the memory budget refused the room (nothing queued).
bool WebSocket::write_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t* out = connection_.prepare_write(max_frame_header_size + payload.size());
  if (!out) return false;
  const std::size_t header = write_frame_header(out, opcode, true, payload.size());
  if (!payload.empty()) std::memcpy(out + header, payload.data(), payload.size());
  connection_.commit_write(header + payload.size());
  return true;
}

// Pings and pongs take the urgent lane: they pass queued data at the next
// frame boundary. They count against max_backpressure too (a peer that
// floods pings and reads nothing is a slow consumer like any other).
bool WebSocket::write_control_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t frame[max_frame_header_size + max_control_payload];
  if (over_backpressure()) {
    fail_slow_consumer();
    return false;
  }
  const std::size_t header = write_frame_header(frame, opcode, true, payload.size());
  if (!payload.empty()) std::memcpy(frame + header, payload.data(), payload.size());
  if (connection_.write_urgent({frame, header + payload.size()})) return true;
  fail_over_memory();  // even a pong may not take the server past its budget
  return false;
}

// 5.5.1: a close payload is empty or a 2-byte code plus a UTF-8 reason.
// Written whatever the memory budget says (it is the last frame, and small):
// a connection failed for memory must still be told so.
void WebSocket::write_close_frame(std::uint16_t code, std::string_view reason) {
  std::uint8_t frame[max_frame_header_size + max_control_payload];
  // A control frame's header is 2 bytes (5.5).
  const std::size_t size = write_close_payload(frame + 2, code, reason);
  write_frame_header(frame, Opcode::close, true, size);
  connection_.write({frame, 2 + size});
}

// ---- the reactor's events ----------------------------------------------------

void WebSocket::on_data(std::span<std::uint8_t> bytes) {
  // Any bytes count as life: a stamp, not a timer operation, per read.
  last_received_ = connection_.loop().now();
  ping_outstanding_ = false;
  if (state_ == State::awaiting_request) {
    if (!held_.empty()) {
      held_.append(bytes);
      return read_held_requests();
    }
    bytes = bytes.subspan(read_requests(bytes));
    if (state_ == State::awaiting_request) return hold(bytes);
  }
  feed_frames(bytes);  // frames may follow the upgrade's head at once
}

void WebSocket::feed_frames(std::span<std::uint8_t> bytes) {
  if (state_ == State::open || state_ == State::closing) reader_.feed(bytes, *this);
  if (state_ == State::open) watch_message_time();
}

// A message that has begun must end within message_timeout, or a peer that
// trickles a byte now and then (never idle) pins its buffer forever. The
// deadline is set when a message begins across reads, which re-arms the
// heartbeat timer; a message that arrives whole in one read costs nothing.
void WebSocket::watch_message_time() {
  if (config_.options.message_timeout.count() == 0) return;
  const bool in_message = reader_.in_message();
  const std::uint64_t delivered = reader_.stats().messages;
  // Still the same message arriving (or still none): nothing to do.
  if (in_message == message_begun_ && delivered == messages_at_begin_) return;
  message_begun_ = in_message;
  messages_at_begin_ = delivered;
  if (!in_message) return;  // ended: the deadline is simply not looked at
  message_deadline_ = connection_.loop().now() + config_.options.message_timeout;
  arm_heartbeat(core::Clock::duration::zero());
}

// 5.5.1 does not cover a TCP FIN without a close frame. The peer may still
// read: what is queued goes first, then our close, then the socket closes.
// Cut in the middle of a frame or message, the stream is broken (1002);
// at a message boundary nothing was lost (1000). The application sees 1006,
// as 7.1.5 says for a connection closed without a close frame.
void WebSocket::on_end_of_input() {
  if (state_ == State::awaiting_request) return end_before_upgrade();
  if (state_ == State::open) {
    const bool cut = reader_.in_message() || reader_.mid_frame();
    write_close_frame(
        static_cast<std::uint16_t>(cut ? CloseCode::protocol_error : CloseCode::normal), {});
  }
  finish(static_cast<std::uint16_t>(CloseCode::abnormal), {});
}

// Between plain HTTP requests, a drain means the peer reads what it asked
// for: it earns a new deadline, and the requests held behind the answers
// are answered now.
void WebSocket::on_drain() {
  if (state_ == State::awaiting_request) {
    arm_request_deadline();
    if (!held_.empty()) read_held_requests();
    return;
  }
  if (state_ == State::open && route_->handlers.on_drain) route_->handlers.on_drain(*this);
}

void WebSocket::on_shutdown() {
  if (state_ == State::open) return close(CloseCode::going_away, "server shutting down");
  if (state_ == State::awaiting_request) end_before_upgrade();
}

// No upgrade is coming (the peer's FIN, or shutdown): answers already queued
// to plain requests are delivered, within close_timeout; with none, the
// socket just goes.
void WebSocket::end_before_upgrade() {
  if (connection_.buffered_bytes() == 0) return connection_.abort();
  close_after_response();
}

void WebSocket::on_disconnect() {
  finish(static_cast<std::uint16_t>(CloseCode::abnormal), {});
  connection_.loop().timers().cancel(timer_);
  if (counted_) {  // a place under max_connections is held until the socket is closed
    counted_ = false;
    context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
  // Here, not in ~WebSocket: the state's destructor may still look at a
  // whole connection (~WebSocket runs inside Connection's teardown).
  user_state_.reset();
  if (!route_) return;
  ServerCounters& counters = context_.counters;
  const ReaderStats& stats = reader_.stats();
  counters.connections += 1;
  counters.messages += stats.messages;
  counters.bytes_received += stats.bytes_received;
  counters.bytes_copied += stats.bytes_copied;
}

// ---- time --------------------------------------------------------------------

void WebSocket::on_timer() {
  switch (state_) {
    case State::awaiting_request:  // slowloris: no 408, the socket just goes
      if (!served_http_) ++context_.counters.handshake_timeouts;  // else a quiet keep-alive
      return connection_.abort();
    case State::open:
      return heartbeat();
    case State::closing:  // the peer never answered our close
      return connection_.abort();
    case State::done:
      return;
  }
}

// gorilla's pingPeriod/pongWait, measured from the last read rather than
// from the last ping, so a connection busy sending is never pinged.
void WebSocket::heartbeat() {
  const ServerOptions& options = config_.options;
  const core::Clock::duration quiet = connection_.loop().now() - last_received_;
  if (options.idle_timeout.count() > 0 && quiet >= options.idle_timeout) return close_idle();
  if (message_begun_ && connection_.loop().now() >= message_deadline_) {
    ++context_.counters.message_timeouts;
    return close(CloseCode::policy_violation, "message timeout");
  }
  const bool may_ping = !ping_outstanding_ || options.idle_timeout.count() == 0;
  if (options.ping_interval.count() > 0 && quiet >= options.ping_interval && may_ping) {
    if (!write_control_frame(Opcode::ping, {})) return;  // failed as a slow consumer
    ping_outstanding_ = true;
  }
  arm_heartbeat(quiet);
}

// Next wake-up: when the quiet time reaches the ping interval (if not yet
// pinged) or the idle timeout, whichever comes first. Without an idle
// timeout, a quiet connection is pinged every ping interval.
void WebSocket::arm_heartbeat(core::Clock::duration quiet) {
  const ServerOptions& options = config_.options;
  auto next = core::Clock::duration::max();
  if (options.idle_timeout.count() > 0) next = options.idle_timeout - quiet;
  if (options.ping_interval.count() > 0) {
    if (quiet < options.ping_interval)
      next = std::min<core::Clock::duration>(next, options.ping_interval - quiet);
    else if (options.idle_timeout.count() == 0)
      next = options.ping_interval;
  }
  if (message_begun_)
    next = std::min<core::Clock::duration>(next, message_deadline_ - connection_.loop().now());
  if (next != core::Clock::duration::max()) connection_.loop().timers().arm(timer_, next);
}

// 1001 if the close can still reach the peer; a peer that does not even read
// (its queue is backed up) is dropped at once.
void WebSocket::close_idle() {
  ++context_.counters.idle_timeouts;
  if (connection_.backed_up()) return connection_.abort();
  close(CloseCode::going_away, "idle timeout");
}

// ---- what the reader found -------------------------------------------------

void WebSocket::on_message(Opcode opcode, std::span<const std::uint8_t> payload) {
  // After our close, the peer's late data messages are read but not delivered (1.4).
  if (state_ != State::open || !route_->handlers.on_message) return;
  route_->handlers.on_message(*this, Message{opcode, payload});
}

void WebSocket::on_ping(std::span<const std::uint8_t> payload) {
  if (state_ == State::open) write_control_frame(Opcode::pong, payload);  // 5.5.3: same payload
}

void WebSocket::on_pong(std::span<const std::uint8_t> payload) {
  if (state_ == State::open && route_->handlers.on_pong) route_->handlers.on_pong(*this, payload);
}

// 5.5.1: answer a close with a close carrying the same code, unless we sent
// ours first; then the server closes the TCP connection (7.1.1).
void WebSocket::on_close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::open) write_close_frame(code, {});
  finish(code, reason);
}

// 7.1.7: _Fail the WebSocket Connection_: send a close with the reason's
// code (if a close is not already out), and close.
void WebSocket::on_fail(CloseCode code) {
  if (code == CloseCode::try_again_later) ++context_.counters.over_memory;  // the reader's 1013
  if (state_ == State::open) write_close_frame(static_cast<std::uint16_t>(code), {});
  finish(static_cast<std::uint16_t>(code), {});
}

// The connection is over for the application: tell it once, and let the
// reactor deliver what is queued and close the socket.
void WebSocket::finish(std::uint16_t code, std::string_view reason) {
  const bool was_open = state_ == State::open || state_ == State::closing;
  state_ = State::done;
  context_.topics.leave_all(*this);  // no more frames for a connection that has ended
  connection_.loop().timers().cancel(timer_);
  stop_reading_soon();
  connection_.close_gracefully(config_.options.close_timeout);
  if (was_open && route_->handlers.on_close) route_->handlers.on_close(*this, code, reason);
}

}  // namespace ws
