// ClientSession: one TCP connection of a ws::Client, from the connect to
// the end of the close handshake; the net::StreamHandler of that socket.
//
//   tunneling (CONNECT sent to the proxy) -- 2xx --> upgrading
//   upgrading (GET sent, TLS first for wss://) -- valid 101 --> open
//   open -- our close sent --> closing -- the server's close --> done
//   open -- the server's close (answered) / a protocol error --> done
//   done: after a close handshake, the server's FIN (it closes TCP first,
//   7.1.1), then ours; close_timeout bounds the wait
// Each step's failure ends the socket and is reported to the Client, which
// decides what follows (the next address, a redirect, a backoff, nothing).
//
// Time: one timer. Open: heartbeat (ping after ping_interval of quiet, close
// 1001 after idle_timeout); closing: close_timeout, then the socket goes.
// The dial's own deadline (handshake_timeout) is the Client's.
//
// Owned by its net::Connection; reports to its Client until detach().
// Loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/timer_wheel.hpp"
#include "net/connection.hpp"
#include "net/stream_handler.hpp"
#include "ws/message_reader.hpp"
#include "ws/send_result.hpp"

namespace tls {
class Session;
}

namespace ws {

class Client;

class ClientSession final : public net::StreamHandler, public MessageSink {
 public:
  // Starts talking at once: the CONNECT (through a proxy), else the TLS
  // ClientHello and the upgrade request, which leave once TCP connects.
  ClientSession(net::Connection& connection, Client& client);
  ~ClientSession() override;

  SendResult send(std::span<const std::uint8_t> payload, Opcode opcode);
  SendResult ping(std::span<const std::uint8_t> payload);
  void close(std::uint16_t code, std::string_view reason);
  // The Client is going away, or gives this socket up: end it now and
  // report nothing more.
  void detach() noexcept;

  bool is_open() const noexcept { return state_ == State::open; }
  // The TCP connect has completed (getpeername succeeds), whatever came back.
  bool tcp_connected() const noexcept;
  std::size_t buffered_bytes() const noexcept { return connection_.buffered_bytes(); }

 private:
  enum class State : std::uint8_t { tunneling, upgrading, open, closing, done };

  // net::StreamHandler
  void on_data(std::span<std::uint8_t> bytes) override;
  void on_drain() override;
  void on_end_of_input() override;
  void on_shutdown() override;
  void on_disconnect() override;
  // MessageSink
  void on_message(Opcode opcode, std::span<const std::uint8_t> payload) override;
  void on_ping(std::span<const std::uint8_t> payload) override;
  void on_pong(std::span<const std::uint8_t> payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_fail(CloseCode code) override;

  void send_connect();
  void read_tunnel_reply();
  void start_upgrade();
  void read_upgrade_reply();
  void fail_dial(std::string reason, int status = 0, std::string_view location = {});
  std::string disconnect_reason() const;
  bool write_frame(Opcode opcode, std::span<const std::uint8_t> payload);
  bool write_control_frame(Opcode opcode, std::span<const std::uint8_t> payload);
  void write_close_frame(std::uint16_t code, std::string_view reason);
  void fail_slow_consumer();
  void on_timer();
  void arm_heartbeat();
  void finish(std::uint16_t code, std::string_view reason, bool wait_for_server);

  net::Connection& connection_;
  Client* client_;               // null once detached
  tls::Session* tls_ = nullptr;  // owned by connection_ (its transport); wss:// only
  State state_;
  std::string key_;            // our Sec-WebSocket-Key
  core::ByteBuffer held_;      // the proxy's or the server's response head, as it arrives
  bool received_any_ = false;  // a byte came back: TCP (at least) connected
  MessageReader reader_;
  core::Timer timer_;
  core::Clock::time_point last_received_;
  bool ping_outstanding_ = false;
  std::chrono::milliseconds close_timeout_;  // copied: the Client may be gone by then
  std::size_t max_backpressure_;
  std::string setup_error_;  // why the session could not even start (TLS)
};

}  // namespace ws
