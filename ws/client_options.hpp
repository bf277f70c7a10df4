// How a client dials (gorilla's Dialer, shaped for an event loop) and what
// it is told (the server's handler vocabulary). Every field has a default
// that dials a plain ws:// URL with nothing extra.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ws/message.hpp"

namespace ws {

class Client;

// Exponential backoff with jitter between reconnection attempts: attempt n
// (from 0) waits a random time in [d/2, d], d = min(max_delay,
// initial_delay * 2^n), so that clients cut off together do not return
// together. The count restarts once a connection opens.
//
// A connection that ended sooner than stable_after after it opened counts
// as a failure too (its wait keeps growing, and max_attempts applies): a
// server that upgrades and then closes at once (an auth refusal, 1013) is
// not redialed a dozen times a second.
struct ReconnectPolicy {
  bool enabled = false;
  std::chrono::milliseconds initial_delay{100};
  std::chrono::milliseconds max_delay{30'000};
  std::uint32_t max_attempts = 0;  // failures in a row before giving up; 0: never
  std::chrono::milliseconds stable_after{5'000};

  // The wait before re-dial number `attempt` (0 first), given `unit_random`
  // uniform in [0, 1).
  std::chrono::milliseconds delay(std::uint32_t attempt, double unit_random) const noexcept;
};

struct ClientTlsOptions {
  std::string ca_file;      // empty: the system's trust store
  bool insecure = false;    // accept any certificate and name (tests only)
  std::string server_name;  // SNI and the name verified; empty: the URL's host
  std::string cert_chain;   // our certificate, for a server that asks for one
  std::string key;
};

struct ClientOptions {
  // Sec-WebSocket-Protocol offered, in order of preference; the server's
  // choice must be one of them (4.1).
  std::vector<std::string> subprotocols;
  // Extra request headers: Origin, Authorization, Cookie, ... ("Host"
  // replaces the URL's). The handshake's own headers (Upgrade, Connection,
  // Sec-WebSocket-*) are refused: dial fails with the reason.
  std::vector<std::pair<std::string, std::string>> headers;
  // From dial (or a reconnection) to the 101: name lookup, every address
  // tried, the proxy, TLS and the upgrade together.
  std::chrono::milliseconds handshake_timeout{10'000};
  // While other addresses of the host remain: how long a TCP connect may
  // stay unanswered before the next address is tried (a black-holed IPv6
  // route must not eat the whole handshake_timeout).
  std::chrono::milliseconds address_timeout{2'000};
  // Largest message accepted from the server, else close 1009 (gorilla's
  // SetReadLimit).
  std::uint64_t read_limit = 16 * 1024 * 1024;
  // Bytes queued for a server that does not read before send() fails it as
  // a slow consumer (1008), as the server does with its clients.
  std::size_t max_backpressure = 4 * 1024 * 1024;
  ClientTlsOptions tls;
  // "http://host:port" of an HTTP proxy, reached with CONNECT (RFC 9110
  // 9.3.6) for ws:// and wss:// alike; empty: connect directly.
  std::string proxy;
  // Quiet this long (nothing received): ping. 0: never.
  std::chrono::milliseconds ping_interval{0};
  // Quiet this long: close 1001 "idle timeout". 0: never.
  std::chrono::milliseconds idle_timeout{0};
  // After our close, how long the server has to answer it and close TCP.
  std::chrono::milliseconds close_timeout{5'000};
  // Redirects (301, 302, 303, 307, 308) followed; 0: a redirect fails the
  // dial. Never from wss:// to ws://; to another host or port, the
  // Authorization, Cookie and Host headers are not sent again.
  std::uint32_t max_redirects = 0;
  ReconnectPolicy reconnect;
};

// Why a dial failed: what the on_error handler and BlockingClient's
// DialError carry.
struct DialFailure {
  std::string
      reason;  // "connect 127.0.0.1:9: Connection refused", "TLS: ...", "HTTP/1.1 403 Forbidden"
  int status = 0;           // the HTTP status of a refused upgrade; 0 if none arrived
  bool will_retry = false;  // reconnection will try again
};

// Handlers run on the client's loop thread, one at a time.
struct ClientHandlers {
  // The 101 was checked and accepted: the client may send.
  std::function<void(Client&)> on_open;
  std::function<void(Client&, const Message&)> on_message;
  std::function<void(Client&, std::span<const std::uint8_t>)> on_pong;
  // After send() returned buffered: the queue fell to a quarter of max_backpressure.
  std::function<void(Client&)> on_drain;
  // Once per opened connection: the server's close code (1005 if it sent
  // none), the code we failed it with, or 1006 when TCP ended without one.
  std::function<void(Client&, std::uint16_t code, std::string_view reason)> on_close;
  // A dial (or redial) that did not reach open.
  std::function<void(Client&, const DialFailure&)> on_error;
};

}  // namespace ws
