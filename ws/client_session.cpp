#include "ws/client_session.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/event_loop.hpp"
#include "tls/session.hpp"
#include "ws/client.hpp"
#include "ws/client_frame.hpp"
#include "ws/client_handshake.hpp"
#include "ws/message.hpp"

namespace ws {
namespace {

// Every client frame gets a fresh key (5.3); one key source per loop thread.
MaskKeySource& mask_keys() {
  thread_local MaskKeySource keys;
  return keys;
}

std::string_view as_text(std::span<const std::uint8_t> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Connect failures after which the next address of the host is worth a try.
bool is_connect_error(int error) noexcept {
  return error == ECONNREFUSED || error == ENETUNREACH || error == EHOSTUNREACH ||
         error == ETIMEDOUT || error == EADDRNOTAVAIL || error == EAFNOSUPPORT;
}

}  // namespace

ClientSession::ClientSession(net::Connection& connection, Client& client)
    : connection_(connection),
      client_(&client),
      state_(client.options_.proxy.empty() ? State::upgrading : State::tunneling),
      reader_(
          ReaderOptions{Role::client, client.options_.read_limit, 0, &connection.loop().memory()}),
      timer_([this] { on_timer(); }),
      close_timeout_(client.options_.close_timeout),
      max_backpressure_(client.options_.max_backpressure) {
  const std::size_t bound = max_backpressure_;
  connection_.set_low_water_mark(bound / 4);
  connection_.set_read_pause_mark(bound / 2);
  if (state_ == State::tunneling) {
    send_connect();
  } else {
    start_upgrade();
  }
}

ClientSession::~ClientSession() = default;

// RFC 9110 9.3.6: the proxy opens a tunnel to the authority we name; what
// follows its 2xx is our own stream (TLS, then the upgrade) end to end.
void ClientSession::send_connect() {
  const WsUrl& target = client_->target_;
  const bool v6 = target.host.find(':') != std::string::npos;
  const std::string authority =
      (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
  const std::string request =
      "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
  connection_.write(as_bytes(request));
}

void ClientSession::read_tunnel_reply() {
  const std::string_view bytes = as_text(held_.data());
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() > max_response_head) fail_dial("proxy: response head too large");
    return;
  }
  const std::string_view status_line = bytes.substr(0, bytes.find("\r\n"));
  // "HTTP/1.x 2xx": the tunnel is up.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[9] != '2')
    return fail_dial("proxy refused CONNECT: " + std::string(status_line));
  if (bytes.size() > end + 4) return fail_dial("proxy sent bytes before we spoke");
  held_.clear();
  state_ = State::upgrading;
  start_upgrade();
}

// wss:// puts TLS under the request: the ClientHello goes first, and the
// request waits in the connection's queue until the handshake is done.
void ClientSession::start_upgrade() {
  const WsUrl& target = client_->target_;
  const ClientOptions& options = client_->options_;
  if (target.secure) {
    const std::string& name =
        options.tls.server_name.empty() ? target.host : options.tls.server_name;
    std::unique_ptr<tls::Session> session = tls::Session::connect(client_->tls_, name);
    if (!session) {
      // Never fall back to plain TCP: the request may carry credentials.
      // (In the constructor: the Client hears of it through on_disconnect.)
      setup_error_ = "TLS: cannot start a session for " + name;
      return connection_.abort();
    }
    tls_ = session.get();
    connection_.set_transport(std::move(session));
  }
  key_ = make_client_key();
  std::string request;
  const std::string host = target.host_header();
  const std::vector<std::pair<std::string, std::string>> headers = client_->request_headers();
  append_client_request(request,
                        ClientRequest{host, target.resource, key_, options.subprotocols, headers});
  connection_.write(as_bytes(request));
}

void ClientSession::read_upgrade_reply() {
  const std::string_view bytes = as_text(held_.data());
  const HandshakeCheck check = check_upgrade_response(bytes, key_, client_->options_.subprotocols);
  if (check.result == 0) return;
  if (check.result < 0) {
    std::string reason(check.reason);
    if (check.status != 0) reason = std::string(check.status_line) + " (" + reason + ")";
    return fail_dial(std::move(reason), check.status, check.location);
  }
  state_ = State::open;
  last_received_ = connection_.loop().now();
  arm_heartbeat();
  held_.consume(static_cast<std::size_t>(check.result));
  client_->opened(std::string(check.subprotocol));
  // Frames may have come with the 101; the reader may load past their end.
  if ((state_ == State::open || state_ == State::closing) && !held_.empty()) {
    held_.prepare(net::receive_padding);
    reader_.feed(held_.data(), *this);
  }
  held_.clear();
  held_.release();
}

void ClientSession::fail_dial(std::string reason, int status, std::string_view location) {
  Client* client = client_;
  detach();
  if (client) client->dial_refused(std::move(reason), status, location);
}

bool ClientSession::tcp_connected() const noexcept {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  return ::getpeername(connection_.fd(), reinterpret_cast<sockaddr*>(&peer), &length) == 0;
}

void ClientSession::detach() noexcept {
  client_ = nullptr;
  state_ = State::done;
  connection_.loop().timers().cancel(timer_);
  connection_.abort();
}

// ---- sending ---------------------------------------------------------------

SendResult ClientSession::send(std::span<const std::uint8_t> payload, Opcode opcode) {
  if (opcode != Opcode::text && opcode != Opcode::binary) return SendResult::dropped;
  if (state_ != State::open) return SendResult::dropped;
  if (connection_.backed_up() && connection_.buffered_bytes() >= max_backpressure_) {
    fail_slow_consumer();
    return SendResult::dropped;
  }
  if (!write_frame(opcode, payload)) return SendResult::dropped;
  if (!connection_.open()) return SendResult::dropped;
  if (!connection_.backed_up()) return SendResult::sent;
  connection_.request_drain();
  return SendResult::buffered;
}

SendResult ClientSession::ping(std::span<const std::uint8_t> payload) {
  if (state_ != State::open || payload.size() > max_control_payload) return SendResult::dropped;
  if (!write_control_frame(Opcode::ping, payload)) return SendResult::dropped;
  return connection_.backed_up() ? SendResult::buffered : SendResult::sent;
}

void ClientSession::close(std::uint16_t code, std::string_view reason) {
  if (state_ != State::open) return;
  write_close_frame(code, cut_close_reason(reason));
  state_ = State::closing;
  connection_.loop().timers().arm(timer_, close_timeout_);
  // From here the server's bytes are read only to find its close.
  connection_.limit_input(max_backpressure_);
}

// Masked while copied into the queue (one pass); false if the memory
// budget refused the room.
bool ClientSession::write_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t* out = connection_.prepare_write(client_frame_size(payload.size()));
  if (!out) return false;
  connection_.commit_write(write_client_frame(out, opcode, true, payload, mask_keys().next()));
  return true;
}

// Pings and pongs take the urgent lane, as the server's do.
bool ClientSession::write_control_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t frame[client_frame_size(max_control_payload)];
  const std::size_t size = write_client_frame(frame, opcode, true, payload, mask_keys().next());
  return connection_.write_urgent({frame, size});
}

void ClientSession::write_close_frame(std::uint16_t code, std::string_view reason) {
  std::uint8_t payload[max_control_payload];
  const std::size_t size = write_close_payload(payload, code, reason);
  std::uint8_t frame[client_frame_size(max_control_payload)];
  const std::size_t length =
      write_client_frame(frame, Opcode::close, true, {payload, size}, mask_keys().next());
  connection_.write({frame, length});
}

// A server that does not read what we send: stop queuing, say why.
void ClientSession::fail_slow_consumer() {
  connection_.discard_unsent();
  close(static_cast<std::uint16_t>(CloseCode::policy_violation), "slow consumer");
}

// ---- the reactor's events ----------------------------------------------------

void ClientSession::on_data(std::span<std::uint8_t> bytes) {
  received_any_ = true;
  last_received_ = connection_.loop().now();
  ping_outstanding_ = false;
  switch (state_) {
    case State::tunneling:
      held_.append(bytes);
      return read_tunnel_reply();
    case State::upgrading:
      held_.append(bytes);
      return read_upgrade_reply();
    case State::open:
    case State::closing:
      return reader_.feed(bytes, *this);
    case State::done:
      return;
  }
}

void ClientSession::on_drain() {
  if (state_ == State::open && client_ && client_->handlers_.on_drain)
    client_->handlers_.on_drain(*client_);
}

// The server's FIN without its close frame: 1006 for the application (7.1.5).
void ClientSession::on_end_of_input() {
  if (state_ == State::tunneling) return fail_dial("proxy closed the connection");
  if (state_ == State::upgrading) return fail_dial(disconnect_reason());
  // The close handshake is over and the server has closed TCP, as it
  // should (7.1.1): now our side.
  if (state_ == State::done) return connection_.close_gracefully(close_timeout_);
  finish(static_cast<std::uint16_t>(CloseCode::abnormal), {}, /*wait_for_server=*/false);
}

void ClientSession::on_shutdown() {
  if (client_) client_->closing_ = true;  // the loop is stopping: no redial, no next address
  if (state_ == State::open) return close(static_cast<std::uint16_t>(CloseCode::going_away), {});
  if (state_ != State::closing) connection_.abort();
}

void ClientSession::on_disconnect() {
  connection_.loop().timers().cancel(timer_);
  if (!client_) return;
  if (state_ == State::tunneling || state_ == State::upgrading) {
    Client* client = client_;
    client_ = nullptr;
    const bool try_next = !received_any_ && is_connect_error(connection_.error());
    return client->dial_failed_on(disconnect_reason(), try_next);
  }
  finish(static_cast<std::uint16_t>(CloseCode::abnormal), {}, /*wait_for_server=*/false);
}

std::string ClientSession::disconnect_reason() const {
  if (!setup_error_.empty()) return setup_error_;
  if (tls_ && !tls_->last_error().empty()) return "TLS: " + std::string(tls_->last_error());
  if (connection_.error() != 0) return std::strerror(connection_.error());
  if (tls_ && !tls_->handshake_done()) return "TLS: connection closed during the handshake";
  return "server closed the connection before the 101";
}

// ---- time --------------------------------------------------------------------

void ClientSession::on_timer() {
  if (state_ == State::closing) return connection_.abort();  // the server never answered
  // The server did not close TCP after the close handshake: we do.
  if (state_ == State::done) return connection_.close_gracefully(close_timeout_);
  if (state_ != State::open) return;
  const ClientOptions& options = client_->options_;
  const core::Clock::duration quiet = connection_.loop().now() - last_received_;
  if (options.idle_timeout.count() > 0 && quiet >= options.idle_timeout)
    return close(static_cast<std::uint16_t>(CloseCode::going_away), "idle timeout");
  if (options.ping_interval.count() > 0 && quiet >= options.ping_interval && !ping_outstanding_) {
    // Refused by the memory budget: no ping this time; the idle timeout still runs.
    ping_outstanding_ = write_control_frame(Opcode::ping, {});
  }
  arm_heartbeat();
}

// Wakes when the quiet time may reach the ping interval or the idle
// timeout, whichever is nearer; reads only stamp the time.
void ClientSession::arm_heartbeat() {
  const ClientOptions& options = client_->options_;
  const core::Clock::duration quiet = connection_.loop().now() - last_received_;
  auto next = core::Clock::duration::max();
  for (const std::chrono::milliseconds limit : {options.ping_interval, options.idle_timeout}) {
    if (limit.count() == 0) continue;
    next = std::min<core::Clock::duration>(next, quiet < limit ? limit - quiet : limit);
  }
  if (next != core::Clock::duration::max()) connection_.loop().timers().arm(timer_, next);
}

// ---- what the reader found -------------------------------------------------

void ClientSession::on_message(Opcode opcode, std::span<const std::uint8_t> payload) {
  if (state_ != State::open || !client_->handlers_.on_message) return;
  client_->handlers_.on_message(*client_, Message{opcode, payload});
}

void ClientSession::on_ping(std::span<const std::uint8_t> payload) {
  if (state_ == State::open) write_control_frame(Opcode::pong, payload);  // 5.5.3
}

void ClientSession::on_pong(std::span<const std::uint8_t> payload) {
  if (state_ == State::open && client_->handlers_.on_pong)
    client_->handlers_.on_pong(*client_, payload);
}

// 5.5.1: echo the server's close (its code) unless ours went first. Then
// the server closes TCP first (7.1.1: "the server SHOULD close ... the
// client SHOULD wait for the server to close", so TIME_WAIT is the
// server's); close_timeout bounds the wait.
void ClientSession::on_close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::open) write_close_frame(code, {});
  finish(code, reason, /*wait_for_server=*/true);
}

// 7.1.7: fail the connection with the reader's code; no waiting for a
// server that broke the protocol.
void ClientSession::on_fail(CloseCode code) {
  if (state_ == State::open) write_close_frame(static_cast<std::uint16_t>(code), {});
  finish(static_cast<std::uint16_t>(code), {}, /*wait_for_server=*/false);
}

void ClientSession::finish(std::uint16_t code, std::string_view reason, bool wait_for_server) {
  if (state_ == State::done) return;
  state_ = State::done;
  connection_.limit_input(max_backpressure_);
  if (wait_for_server) {
    connection_.loop().timers().arm(timer_, close_timeout_);  // then on_timer closes
  } else {
    connection_.loop().timers().cancel(timer_);
    connection_.close_gracefully(close_timeout_);
  }
  Client* client = client_;
  client_ = nullptr;
  if (client) client->session_ended(code, reason);
}

}  // namespace ws
