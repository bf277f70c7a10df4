#include "ws/websocket.hpp"

#include <algorithm>
#include <cstring>

#include "net/event_loop.hpp"
#include "ws/http_request.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string_view as_text(std::span<const std::uint8_t> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

constexpr std::size_t max_close_reason = max_control_payload - 2;

// The size of the request head so far: its length once parsed, else up to
// its end if present (a malformed head), else everything received. Tells a
// head that is too large (431) from one that is merely bad (400).
std::size_t head_size(std::string_view received, int parsed) noexcept {
  if (parsed > 0) return static_cast<std::size_t>(parsed);
  const std::size_t end = received.find("\r\n\r\n");
  return end == std::string_view::npos ? received.size() : end + 4;
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
      reader_(ReaderOptions{Role::server, config_.options.max_message_size, 0}),
      close_timer_([this] { connection_.abort(); }) {}

WebSocket::~WebSocket() = default;

// ---- sending ---------------------------------------------------------------

SendResult WebSocket::send(std::span<const std::uint8_t> payload, Opcode opcode) {
  if (state_ != State::open) return SendResult::dropped;
  write_frame(opcode, payload);
  return SendResult::queued;
}

SendResult WebSocket::send_text(std::string_view text) {
  return send(as_bytes(text), Opcode::text);
}

SendResult WebSocket::ping(std::span<const std::uint8_t> payload) {
  if (state_ != State::open || payload.size() > max_control_payload) return SendResult::dropped;
  write_frame(Opcode::ping, payload);
  return SendResult::queued;
}

void WebSocket::close(CloseCode code, std::string_view reason) {
  if (state_ != State::open) return;
  write_close_frame(static_cast<std::uint16_t>(code), reason.substr(0, max_close_reason));
  state_ = State::closing;
  connection_.loop().timers().arm(close_timer_, config_.options.close_timeout);
}

// Header and payload go straight into the output queue: one copy, and the
// frame leaves with everything else queued in this loop iteration.
void WebSocket::write_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t* out = connection_.prepare_write(max_frame_header_size + payload.size());
  const std::size_t header = write_frame_header(out, opcode, true, payload.size());
  if (!payload.empty()) std::memcpy(out + header, payload.data(), payload.size());
  connection_.commit_write(header + payload.size());
}

// 5.5.1: a close payload is empty or a 2-byte code plus a UTF-8 reason.
void WebSocket::write_close_frame(std::uint16_t code, std::string_view reason) {
  if (code == static_cast<std::uint16_t>(CloseCode::no_status))
    return write_frame(Opcode::close, {});
  std::uint8_t payload[max_control_payload];
  payload[0] = static_cast<std::uint8_t>(code >> 8);
  payload[1] = static_cast<std::uint8_t>(code);
  if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
  write_frame(Opcode::close, {payload, 2 + reason.size()});
}

// ---- the reactor's events ----------------------------------------------------

void WebSocket::on_data(std::span<std::uint8_t> bytes) {
  if (state_ == State::awaiting_request) {
    bytes = bytes.subspan(read_request(bytes));
    if (state_ != State::open || bytes.empty()) return;  // frames may follow the head at once
  }
  if (state_ == State::open || state_ == State::closing) reader_.feed(bytes, *this);
}

void WebSocket::on_shutdown() {
  if (state_ == State::open) return close(CloseCode::going_away, "server shutting down");
  if (state_ == State::awaiting_request) connection_.abort();
}

void WebSocket::on_disconnect() {
  finish(static_cast<std::uint16_t>(CloseCode::abnormal), {});
  connection_.loop().timers().cancel(close_timer_);
  if (!route_) return;
  ServerCounters& counters = context_.counters;
  const ReaderStats& stats = reader_.stats();
  counters.connections += 1;
  counters.messages += stats.messages;
  counters.bytes_received += stats.bytes_received;
  counters.bytes_copied += stats.bytes_copied;
}

// ---- the opening handshake (4.2) -------------------------------------------

// Returns how many of `bytes` belong to the request head. The head is parsed
// in place when it arrives in one read; it is copied only when split.
std::size_t WebSocket::read_request(std::span<const std::uint8_t> bytes) {
  const std::size_t limit = config_.options.max_request_head;
  const std::size_t held = request_head_.size();
  if (held > 0) request_head_.append(bytes.first(std::min(bytes.size(), limit + 1 - held)));
  const auto head = held > 0 ? as_text(request_head_.data()) : as_text(bytes);

  HttpRequest request;
  const int parsed = parse_http_request(head, request, request_scanned_);
  if (parsed == -2 || head_size(head, parsed) > limit) {
    reject(431, "request head larger than the server accepts");
  } else if (parsed < 0) {
    reject(400, "malformed HTTP request");
  } else if (parsed == 0) {
    if (held == 0) request_head_.append(bytes);
  } else {
    handle_request(request);
    request_head_.clear();
    request_head_.release();
    return static_cast<std::size_t>(parsed) - held;
  }
  return bytes.size();
}

void WebSocket::handle_request(const HttpRequest& request) {
  const Route* route = config_.find_route(request.path());
  if (!route) return reject(404, "no WebSocket endpoint at this path");
  if (const UpgradeRejection rejection = check_upgrade_request(request, route->upgrade);
      rejection.status != 0)
    return reject(rejection.status, rejection.reason);

  std::string response;
  append_upgrade_response(response, request, route->upgrade);
  connection_.write(as_bytes(response));
  route_ = route;
  if (route->max_message_size != 0) reader_.set_max_message_size(route->max_message_size);
  path_ = request.path();
  subprotocol_ = select_subprotocol(request, route->upgrade);
  state_ = State::open;
  if (route_->handlers.on_open) route_->handlers.on_open(*this);
}

void WebSocket::reject(int status, std::string_view reason) {
  std::string response;
  append_error_response(response, status, reason);
  connection_.write(as_bytes(response));
  state_ = State::done;
  connection_.close_gracefully(config_.options.close_timeout);
}

// ---- what the reader found -------------------------------------------------

void WebSocket::on_message(Opcode opcode, std::span<const std::uint8_t> payload) {
  // After our close, the peer's late data messages are read but not delivered (1.4).
  if (state_ != State::open || !route_->handlers.on_message) return;
  route_->handlers.on_message(*this, Message{opcode, payload});
}

void WebSocket::on_ping(std::span<const std::uint8_t> payload) {
  if (state_ == State::open) write_frame(Opcode::pong, payload);  // 5.5.3: same payload
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
  if (state_ == State::open) write_close_frame(static_cast<std::uint16_t>(code), {});
  finish(static_cast<std::uint16_t>(code), {});
}

// The connection is over for the application: tell it once, and let the
// reactor deliver what is queued and close the socket.
void WebSocket::finish(std::uint16_t code, std::string_view reason) {
  const bool was_open = state_ == State::open || state_ == State::closing;
  state_ = State::done;
  connection_.loop().timers().cancel(close_timer_);
  connection_.close_gracefully(config_.options.close_timeout);
  if (was_open && route_->handlers.on_close) route_->handlers.on_close(*this, code, reason);
}

}  // namespace ws
