// BlockingClient: the seeds' client for scripts and tests, in a few calls:
//
//   auto c = ws::BlockingClient::connect("ws://127.0.0.1:9001/echo");
//   c->send_text("hello");
//   ws::Received r = c->receive(std::chrono::seconds(1));  // the echo
//   c->close();
//
// It runs a ws::Client on an event loop of its own thread; calls hand their
// work to that loop and wait for it. Messages are queued as they arrive
// until receive() takes them: each is bounded by options.read_limit, their
// number is not (a script that never calls receive() should not connect to
// a server that never stops sending).
//
// Thread safety: one thread at a time uses a BlockingClient (its own loop
// thread is internal).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ws/client_options.hpp"
#include "ws/frame.hpp"

namespace ws {

// connect() failed: why, and the HTTP status of a refused upgrade (0 if none).
class DialError : public std::runtime_error {
 public:
  DialError(const std::string& reason, int status) : std::runtime_error(reason), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

struct Received {
  enum class Kind : std::uint8_t {
    message,  // opcode and data
    closed,   // the connection ended: code and reason (1006: without a close frame)
    timeout,  // nothing arrived in time
  };
  Kind kind = Kind::timeout;
  Opcode opcode = Opcode::text;
  std::string data;
  std::uint16_t code = 0;
  std::string reason;

  bool is_message() const noexcept { return kind == Kind::message; }
};

class BlockingClient {
 public:
  // Dials and waits for open. Throws DialError (reconnection is not used
  // here: options.reconnect is ignored).
  static std::unique_ptr<BlockingClient> connect(std::string_view url, ClientOptions options = {});
  ~BlockingClient();  // closes (1000) if still open, waits at most close_timeout
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // False once the connection has ended (or the server is a slow reader
  // past max_backpressure).
  bool send(std::string_view data, Opcode opcode = Opcode::text);
  bool send_text(std::string_view text) { return send(text, Opcode::text); }
  bool send_binary(std::string_view bytes) { return send(bytes, Opcode::binary); }
  bool ping(std::string_view payload = {});
  // The next message, else the close once every message before it was
  // received (and again on every later call), else timeout.
  Received receive(std::chrono::milliseconds timeout);
  // Pongs received so far.
  std::uint64_t pongs() const;
  // Starts the close handshake and waits for it to finish (at most
  // close_timeout); returns the close as receive() would report it.
  Received close(std::uint16_t code = 1000, std::string_view reason = {});
  std::string subprotocol() const;

  struct Shared;  // between the caller's thread and the loop's

 private:
  explicit BlockingClient(std::shared_ptr<Shared> shared);
  bool run_on_loop(std::function<bool()> task);

  std::shared_ptr<Shared> shared_;
};

}  // namespace ws
