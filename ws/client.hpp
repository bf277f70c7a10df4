// Client: a WebSocket client on the project's event loop (RFC 6455 4.1, 5,
// 7 from the client's side), dialing ws:// and wss:// URLs.
//
//   auto client = ws::Client::dial(loop, "wss://example.test/chat", options, handlers);
//   // on_open: client.send_text("hi"); on_message: ...; client.close();
//
// One Client is one logical connection that may be re-made: it resolves the
// host (net::Lookup: off the loop thread), tries each address in turn,
// goes through the proxy (CONNECT) and TLS if asked, sends the upgrade and
// checks the 101 (ws/client_handshake.hpp), then speaks frames: every frame
// masked with a fresh key from a CSPRNG (ws/client_frame.hpp), the
// server's frames read as strictly as the server reads a client's
// (ws::MessageReader in the client role: unmasked, RSV 0, UTF-8, close
// codes, limits). With ReconnectPolicy.enabled, a connection that ends
// without our close(), or a dial that fails, is re-dialed after a backoff.
//
// Lifecycle: dialing -> open -> closing -> closed, and with reconnection
// closed -> (backoff) -> dialing again. close() while dialing gives up.
// Handlers: on_open and on_close once per opened connection, on_error once
// per failed dial.
//
// Thread safety: the loop's thread only, including dial() and destruction
// (which ends the connection at once, without handlers). The loop must
// outlive the Client. A handler must not destroy its Client: defer that
// (loop.defer) to after the handler has returned.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/timer_wheel.hpp"
#include "net/event_loop.hpp"
#include "net/lookup.hpp"
#include "ws/client_options.hpp"
#include "ws/close_code.hpp"
#include "ws/send_result.hpp"
#include "ws/url.hpp"

namespace tls {
class Context;
}

namespace ws {

class ClientSession;

class Client {
 public:
  // Starts dialing `url` now. Throws std::invalid_argument for a URL, a
  // header or TLS files that can never work (the reason in what()); every
  // failure after that reaches on_error.
  static std::unique_ptr<Client> dial(net::EventLoop& loop, std::string_view url,
                                      ClientOptions options, ClientHandlers handlers);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // While open; else dropped. Same contract as WebSocket::send.
  SendResult send(std::span<const std::uint8_t> payload, Opcode opcode);
  SendResult send_text(std::string_view text);
  SendResult send_binary(std::span<const std::uint8_t> payload) {
    return send(payload, Opcode::binary);
  }
  // Up to 125 bytes (5.5.2); more is dropped.
  SendResult ping(std::span<const std::uint8_t> payload = {});
  // Starts the close handshake (5.5.1; the reason cut to 123 bytes at a
  // code point) and stops reconnecting. `code` must be one a peer may send
  // (7.4: 1000-1003, 1007-1014, 3000-4999), else 1000 is used. While
  // dialing: gives up the dial (no handlers run).
  void close(std::uint16_t code = static_cast<std::uint16_t>(CloseCode::normal),
             std::string_view reason = {});

  bool is_open() const noexcept;
  // Ended for good: closed and not reconnecting (or given up).
  bool finished() const noexcept { return phase_ == Phase::finished; }
  const WsUrl& url() const noexcept { return url_; }
  // The server's choice among options.subprotocols ("" if none).
  std::string_view subprotocol() const noexcept { return subprotocol_; }
  // Bytes queued that the server has not read yet.
  std::size_t buffered_bytes() const noexcept;
  net::EventLoop& loop() noexcept { return loop_; }

  Client(net::EventLoop& loop, WsUrl url, ClientOptions options,
         ClientHandlers handlers);  // use dial()

 private:
  friend class ClientSession;
  enum class Phase : std::uint8_t { dialing, open, waiting, finished };

  void start_dial();
  void on_lookup(net::LookupResult result);
  void connect_next();
  // From the session: the socket ended before the 101 (`try_next`: it never
  // connected, so another address may), or the upgrade was refused.
  void dial_failed_on(std::string reason, bool try_next);
  void dial_refused(std::string reason, int status, std::string_view location);
  void dial_failed(std::string reason, int status);
  void opened(std::string subprotocol);
  void session_ended(std::uint16_t code, std::string_view reason);
  void on_timer();
  bool ensure_tls(std::string& error);
  void on_address_timer();
  // options_.headers, less the credentials when a redirect left the origin.
  std::vector<std::pair<std::string, std::string>> request_headers() const;

  net::EventLoop& loop_;
  WsUrl url_;     // what dial() was given
  WsUrl target_;  // where this dial goes: url_, or a redirect's Location
  ClientOptions options_;
  ClientHandlers handlers_;
  std::shared_ptr<const tls::Context> tls_;  // made when a wss:// target first needs it
  Phase phase_ = Phase::dialing;
  std::unique_ptr<net::Lookup> lookup_;        // while resolving
  std::vector<net::SocketAddress> addresses_;  // of this dial, tried in order
  std::size_t next_address_ = 0;
  std::string connect_errors_;         // each address's failure, for the report
  ClientSession* session_ = nullptr;   // while connected; owned by its net::Connection
  core::Timer timer_;                  // dialing: handshake_timeout; waiting: the backoff
  core::Timer address_timer_;          // address_timeout, while other addresses remain
  core::Clock::time_point opened_at_;  // for ReconnectPolicy::stable_after
  std::string subprotocol_;
  std::uint32_t failures_ = 0;   // dial failures since the last open
  std::uint32_t redirects_ = 0;  // followed in this dial
  bool closing_ = false;         // close() was called: no reconnection
};

}  // namespace ws
