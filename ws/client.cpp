#include "ws/client.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <system_error>

#include "net/socket.hpp"
#include "tls/context.hpp"
#include "ws/client_handshake.hpp"
#include "ws/client_session.hpp"
#include "ws/message.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

// Everything that can be judged before any socket: the URL, the headers,
// the subprotocols. Throws std::invalid_argument with the reason.
WsUrl check_dial(std::string_view url, const ClientOptions& options) {
  WsUrl parsed;
  std::string error;
  if (!parse_ws_url(url, parsed, error)) throw std::invalid_argument(error);
  for (const auto& [name, value] : options.headers)
    if (const std::string_view bad = check_extra_header(name, value); !bad.empty())
      throw std::invalid_argument("header " + name + ": " + std::string(bad));
  for (const std::string& protocol : options.subprotocols)
    if (!is_valid_subprotocol(protocol))
      throw std::invalid_argument("subprotocol \"" + protocol + "\" is not a token");
  // RFC 6066 3: a HostName is at most 255 bytes; OpenSSL refuses more.
  const std::string& name = options.tls.server_name.empty() ? parsed.host : options.tls.server_name;
  if (name.size() > 255) throw std::invalid_argument("host name longer than 255 bytes");
  if (!options.proxy.empty()) {
    WsUrl proxy;
    if (!parse_ws_url(options.proxy, proxy, error) || proxy.secure)
      throw std::invalid_argument("proxy must be http://host:port");
  }
  return parsed;
}

double unit_random() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

std::chrono::milliseconds ReconnectPolicy::delay(std::uint32_t attempt,
                                                 double unit_random) const noexcept {
  const double cap = static_cast<double>(max_delay.count());
  double full = static_cast<double>(initial_delay.count());
  for (std::uint32_t i = 0; i < attempt && full < cap; ++i) full *= 2;
  full = std::min(full, cap);
  // Half fixed, half random: never sooner than d/2, so a restarting server
  // is not hammered, and spread over d/2, so a crowd does not return at once.
  return std::chrono::milliseconds(static_cast<std::int64_t>(full / 2 + full / 2 * unit_random));
}

std::unique_ptr<Client> Client::dial(net::EventLoop& loop, std::string_view url,
                                     ClientOptions options, ClientHandlers handlers) {
  WsUrl parsed = check_dial(url, options);
  auto client =
      std::make_unique<Client>(loop, std::move(parsed), std::move(options), std::move(handlers));
  std::string error;
  if (client->url_.secure && !client->ensure_tls(error)) throw std::invalid_argument(error);
  client->start_dial();
  return client;
}

Client::Client(net::EventLoop& loop, WsUrl url, ClientOptions options, ClientHandlers handlers)
    : loop_(loop),
      url_(std::move(url)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      timer_([this] { on_timer(); }),
      address_timer_([this] { on_address_timer(); }) {}

Client::~Client() {
  if (session_) session_->detach();
}

bool Client::ensure_tls(std::string& error) {
  if (tls_) return true;
  tls::ClientOptions tls_options;
  tls_options.ca_file = options_.tls.ca_file;
  tls_options.verify = !options_.tls.insecure;
  tls_options.cert_chain = options_.tls.cert_chain;
  tls_options.key = options_.tls.key;
  tls_ = tls::Context::client(tls_options, error);
  return tls_ != nullptr;
}

// ---- dialing -----------------------------------------------------------------

void Client::start_dial() {
  phase_ = Phase::dialing;
  if (target_.host.empty() || redirects_ == 0) target_ = url_;
  addresses_.clear();
  next_address_ = 0;
  connect_errors_.clear();
  // One deadline for the whole dial, redirects included.
  if (redirects_ == 0) loop_.timers().arm(timer_, options_.handshake_timeout);
  WsUrl where = target_;
  if (!options_.proxy.empty()) {
    std::string unused;
    parse_ws_url(options_.proxy, where, unused);  // checked by dial()
  }
  try {
    lookup_ = net::Lookup::start(loop_, where.host, where.port, [this](net::LookupResult result) {
      on_lookup(std::move(result));
    });
  } catch (const std::system_error& error) {  // no thread to resolve on
    dial_failed(std::string("cannot resolve ") + where.host + ": " + error.what(), 0);
  }
}

std::vector<std::pair<std::string, std::string>> Client::request_headers() const {
  const bool same_origin = target_.host == url_.host && target_.port == url_.port;
  if (same_origin) return options_.headers;
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& header : options_.headers) {
    const std::string& name = header.first;
    if (ascii_iequals(name, "Authorization") || ascii_iequals(name, "Cookie") ||
        ascii_iequals(name, "Host") || ascii_iequals(name, "Proxy-Authorization"))
      continue;
    kept.push_back(header);
  }
  return kept;
}

void Client::on_lookup(net::LookupResult result) {
  lookup_.reset();
  if (result.addresses.empty()) return dial_failed(std::move(result.error), 0);
  addresses_ = std::move(result.addresses);
  connect_next();
}

// The addresses of the host in the resolver's order, each until one
// connects; the report names every failure.
void Client::connect_next() {
  while (next_address_ < addresses_.size()) {
    const net::SocketAddress& address = addresses_[next_address_++];
    try {
      net::UniqueFd fd = net::connect_tcp(address);
      loop_.add_connection(std::move(fd), [this](net::Connection& connection) {
        auto session = std::make_unique<ClientSession>(connection, *this);
        session_ = session.get();
        return session;
      });
      if (next_address_ < addresses_.size())
        loop_.timers().arm(address_timer_, options_.address_timeout);
      return;
    } catch (const std::system_error& error) {
      connect_errors_ += (connect_errors_.empty() ? "" : "; ") + std::string(error.what());
    }
  }
  dial_failed(connect_errors_, 0);
}

// A connect still unanswered while other addresses remain: give it up
// (quietly: the session is detached) and try the next.
void Client::on_address_timer() {
  if (phase_ != Phase::dialing || !session_ || session_->tcp_connected()) return;
  std::exchange(session_, nullptr)->detach();
  dial_failed_on("no answer within " + std::to_string(options_.address_timeout.count()) + " ms",
                 true);
}

void Client::dial_failed_on(std::string reason, bool try_next) {
  session_ = nullptr;
  loop_.timers().cancel(address_timer_);
  const std::string where = addresses_[next_address_ - 1].text();
  connect_errors_ += (connect_errors_.empty() ? "" : "; ") + ("connect " + where + ": " + reason);
  if (try_next && next_address_ < addresses_.size()) return connect_next();
  dial_failed(try_next ? connect_errors_ : where + ": " + reason, 0);
}

// A refused upgrade; a redirect is followed only as far as asked.
void Client::dial_refused(std::string reason, int status, std::string_view location) {
  session_ = nullptr;
  if (!location.empty() && redirects_ < options_.max_redirects) {
    WsUrl next;
    std::string error;
    if (!resolve_location(target_, location, next, error))
      return dial_failed("redirect to \"" + std::string(location) + "\": " + error, status);
    if (target_.secure && !next.secure)
      return dial_failed("redirect from wss:// to ws:// refused: " + next.text(), status);
    if (next.secure && !ensure_tls(error)) return dial_failed(error, status);
    ++redirects_;
    target_ = std::move(next);
    return start_dial();
  }
  dial_failed(std::move(reason), status);
}

void Client::dial_failed(std::string reason, int status) {
  loop_.timers().cancel(timer_);
  loop_.timers().cancel(address_timer_);
  lookup_.reset();
  if (session_) std::exchange(session_, nullptr)->detach();
  redirects_ = 0;
  ++failures_;
  const ReconnectPolicy& policy = options_.reconnect;
  const bool retry =
      policy.enabled && !closing_ && (policy.max_attempts == 0 || failures_ < policy.max_attempts);
  phase_ = retry ? Phase::waiting : Phase::finished;
  if (retry) loop_.timers().arm(timer_, policy.delay(failures_ - 1, unit_random()));
  if (handlers_.on_error) handlers_.on_error(*this, DialFailure{std::move(reason), status, retry});
}

void Client::opened(std::string subprotocol) {
  loop_.timers().cancel(timer_);
  loop_.timers().cancel(address_timer_);
  phase_ = Phase::open;
  opened_at_ = loop_.now();
  redirects_ = 0;
  subprotocol_ = std::move(subprotocol);
  if (handlers_.on_open) handlers_.on_open(*this);
}

void Client::session_ended(std::uint16_t code, std::string_view reason) {
  session_ = nullptr;
  const ReconnectPolicy& policy = options_.reconnect;
  // A connection that lasted is a fresh start; a short one, another failure.
  if (loop_.now() - opened_at_ >= policy.stable_after) {
    failures_ = 0;
  } else {
    ++failures_;
  }
  const bool retry =
      policy.enabled && !closing_ && (policy.max_attempts == 0 || failures_ < policy.max_attempts);
  phase_ = retry ? Phase::waiting : Phase::finished;
  if (retry) loop_.timers().arm(timer_, policy.delay(failures_ ? failures_ - 1 : 0, unit_random()));
  if (handlers_.on_close) handlers_.on_close(*this, code, reason);
}

void Client::on_timer() {
  if (phase_ == Phase::waiting) return start_dial();
  if (phase_ == Phase::dialing) dial_failed("handshake timeout", 0);
}

// ---- the handle ----------------------------------------------------------------

bool Client::is_open() const noexcept {
  return phase_ == Phase::open && session_ && session_->is_open();
}

std::size_t Client::buffered_bytes() const noexcept {
  return session_ ? session_->buffered_bytes() : 0;
}

SendResult Client::send(std::span<const std::uint8_t> payload, Opcode opcode) {
  return is_open() ? session_->send(payload, opcode) : SendResult::dropped;
}

SendResult Client::send_text(std::string_view text) { return send(as_bytes(text), Opcode::text); }

SendResult Client::ping(std::span<const std::uint8_t> payload) {
  return is_open() ? session_->ping(payload) : SendResult::dropped;
}

void Client::close(std::uint16_t code, std::string_view reason) {
  closing_ = true;
  loop_.timers().cancel(address_timer_);
  if (!is_valid_wire_close_code(code)) code = static_cast<std::uint16_t>(CloseCode::normal);
  if (phase_ == Phase::open && session_) return session_->close(code, reason);
  // Dialing or waiting to redial: give up quietly.
  loop_.timers().cancel(timer_);
  lookup_.reset();
  if (session_) std::exchange(session_, nullptr)->detach();
  phase_ = Phase::finished;
}

}  // namespace ws
