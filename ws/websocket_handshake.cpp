// The WebSocket before it is one: the HTTP side of a connection (RFC 6455
// 4.2, RFC 9112). Reads request heads (held across reads and behind
// answers the peer has yet to take), answers plain GET/HEAD with files,
// refuses what cannot be upgraded, runs the route's hook and writes the
// 101. websocket.cpp has the rest of the class: frames, time, the close.
#include "net/event_loop.hpp"
#include "ws/http_request.hpp"
#include "ws/message.hpp"
#include "ws/static_files.hpp"
#include "ws/upgrade.hpp"
#include "ws/websocket.hpp"

namespace ws {
namespace {

std::string_view as_text(std::span<const std::uint8_t> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Bytes of pipelined plain requests held (beyond a head's limit) while the
// answers to earlier ones wait for the peer to read them. Past it the
// connection answers no more: it delivers what is queued and closes, and
// the client retries what was not answered (RFC 9112 9.3.2).
constexpr std::size_t max_held_requests = 64 * 1024;

// The size of the request head so far: its length once parsed, else up to
// its end if present (a malformed head), else everything received. Tells a
// head that is too large (431) from one that is merely bad (400).
std::size_t head_size(std::string_view received, int parsed) noexcept {
  if (parsed > 0) return static_cast<std::size_t>(parsed);
  if (parsed == 0) return received.size();  // empty lines before the request count too
  const std::size_t end = received.find("\r\n\r\n");
  return end == std::string_view::npos ? received.size() : end + 4;
}

}  // namespace

// Answers the whole request heads at the front of `bytes`, in order, and
// returns how many bytes they took. Stops at a head not yet complete, after
// the upgrade (frames follow), after a response that ends the connection,
// and while the answers queued are at the read-pause mark: the connection
// reads nothing more then, and on_drain resumes with what is held, so
// pipelined requests cannot make the output queue grow without bound.
std::size_t WebSocket::read_requests(std::span<const std::uint8_t> bytes) {
  std::size_t used = 0;
  while (state_ == State::awaiting_request && used < bytes.size()) {
    const std::size_t queued = connection_.buffered_bytes();
    if (queued > 0 && queued >= config_.options.max_backpressure / 2) {
      connection_.request_drain();
      break;
    }
    const std::size_t n = read_request(bytes.subspan(used));
    if (n == 0) break;
    used += n;
  }
  return used;
}

// One request head at the front of `bytes`, parsed in place: answered, and
// its length returned; 0 while it is not complete (and within the limit);
// or refused with an HTTP error, which takes every byte.
std::size_t WebSocket::read_request(std::span<const std::uint8_t> bytes) {
  const auto head = as_text(bytes);
  HttpRequest request;
  const int parsed = parse_http_request(head, request, request_scanned_);
  if (parsed == -2 || head_size(head, parsed) > config_.options.max_request_head) {
    reject(431, "request head larger than the server accepts");
  } else if (parsed < 0) {
    reject(400, "malformed HTTP request");
  } else if (parsed == 0) {
    return 0;
  } else {
    request_scanned_ = 0;  // the next head starts after this one
    handle_request(request);
    return static_cast<std::size_t>(parsed);
  }
  return bytes.size();
}

// Keeps what read_requests left (a head split across reads, or requests
// waiting for on_drain), copied: the receive buffer is the loop's.
void WebSocket::hold(std::span<const std::uint8_t> bytes) {
  held_.append(bytes);
  if (held_.empty()) return held_.release();
  if (held_.size() <= config_.options.max_request_head + max_held_requests) return;
  held_.clear();
  held_.release();
  close_after_response();
}

// The same over the held bytes, once more have arrived or the output drained.
void WebSocket::read_held_requests() {
  held_.consume(read_requests(held_.data()));
  if (state_ == State::awaiting_request) return hold({});
  if (state_ == State::open && !held_.empty()) {
    held_.prepare(net::receive_padding);  // the reader may load this far past the end
    feed_frames(held_.data());
  }
  held_.clear();
  held_.release();
}

// A WebSocket route's path goes to the upgrade checks, whatever the request
// (a plain GET of /echo gets their 400). Any other path: a 404 if it asks
// for a WebSocket upgrade, else a file (with --static-dir).
void WebSocket::handle_request(const HttpRequest& request) {
  const Route* route = config_.find_route(request.path());
  if (!route && config_.static_files && !request.has_token("Upgrade", "websocket"))
    return serve_file(request);
  if (!route) return reject(404, "no WebSocket endpoint at this path");
  if (const UpgradeRejection rejection =
          check_upgrade_request(request, route->upgrade, config_.hosts);
      rejection.status != 0)
    return reject(rejection.status, rejection.reason);
  upgrade(request, *route);
}

// The application's hook decides first, then the connection limit is
// checked: a refused upgrade costs no place under max_connections.
void WebSocket::upgrade(const HttpRequest& request, const Route& route) {
  UpgradeResponse decision(user_state_, select_subprotocol(request, route.upgrade));
  if (route.on_upgrade) route.on_upgrade(UpgradeRequest(request), decision);
  if (decision.refused()) {
    user_state_.reset();  // what the hook took (a name) is free before the refusal is read
    return reject(decision.status(), decision.reason());
  }
  if (!admit()) {
    user_state_.reset();
    ++context_.counters.over_capacity;
    return reject(503, "server at its connection limit");
  }

  std::string response;
  append_upgrade_response(response, request, route.upgrade, decision.subprotocol(),
                          decision.headers());
  connection_.write(as_bytes(response));
  route_ = &route;
  if (route.max_message_size != 0) reader_.set_max_message_size(route.max_message_size);
  path_ = request.path();
  subprotocol_ = decision.subprotocol();
  state_ = State::open;
  arm_heartbeat(core::Clock::duration::zero());
  if (route_->handlers.on_open) route_->handlers.on_open(*this);
}

// max_connections, over all loops: reserve a place or refuse.
bool WebSocket::admit() noexcept {
  const std::size_t limit = config_.options.max_connections;
  const std::size_t before = context_.open_connections.fetch_add(1, std::memory_order_relaxed);
  if (limit != 0 && before >= limit) {
    context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  counted_ = true;
  return true;
}

// Plain HTTP: the whole response is queued, then the connection closes or
// waits for the next request. The handshake timeout bounds the wait, from
// this response and from every drain of a queue the peer was slow to take
// (on_drain): a peer reading a long response is not cut, one that reads
// nothing is.
void WebSocket::serve_file(const HttpRequest& request) {
  served_http_ = true;
  if (!serve_static_request(request, *config_.static_files, config_.hosts, connection_))
    return close_after_response();
  connection_.request_drain();
  arm_request_deadline();
}

void WebSocket::reject(int status, std::string_view reason) {
  std::string response;
  append_error_response(response, status, reason);
  connection_.write(as_bytes(response));
  close_after_response();
}

// What is queued is delivered, the peer's FIN awaited, both within
// close_timeout; what the peer sends meanwhile is not answered.
void WebSocket::close_after_response() {
  state_ = State::done;
  connection_.loop().timers().cancel(timer_);
  stop_reading_soon();
  connection_.close_gracefully(config_.options.close_timeout);
}

void WebSocket::arm_request_deadline() {
  if (config_.options.handshake_timeout.count() > 0)
    connection_.loop().timers().arm(timer_, config_.options.handshake_timeout);
}

}  // namespace ws
