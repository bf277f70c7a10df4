// WebSocket: one server-side connection, from the HTTP upgrade to the end of
// the close handshake; and the handle the application's handlers receive.
//
// Lifecycle (RFC 6455 4, 5, 7):
//   awaiting_request -- valid upgrade --> open -- close sent --> closing
//        | bad request: HTTP error           | peer's close / protocol error
//        v                                   v
//      done <--------------------------------+  (our last frame flushed, FIN)
// In `closing`, the peer has close_timeout to answer before it is dropped.
//
// Thread safety: loop thread only. Every method may be called from any
// handler of this server running on the same loop.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/timer_wheel.hpp"
#include "net/connection.hpp"
#include "net/stream_handler.hpp"
#include "ws/loop_context.hpp"
#include "ws/message_reader.hpp"

namespace ws {

enum class SendResult : std::uint8_t {
  queued,   // in the output queue; leaves at the end of this loop iteration
  dropped,  // the connection is closing or closed: nothing was queued
};

// The reactor and the reader call it through its bases; the overrides are
// private so the application sees only the handle.
class WebSocket final : public net::StreamHandler, public MessageSink {
 public:
  // The reactor's factory: a handler for a freshly accepted connection.
  static std::unique_ptr<net::StreamHandler> accept(net::Connection& connection,
                                                    LoopContext& context);

  SendResult send(std::span<const std::uint8_t> payload, Opcode opcode);
  SendResult send_text(std::string_view text);
  SendResult send_binary(std::span<const std::uint8_t> payload) {
    return send(payload, Opcode::binary);
  }
  // A ping with up to 125 bytes of payload (5.5.2); more is dropped.
  SendResult ping(std::span<const std::uint8_t> payload = {});
  // Starts the close handshake (5.5.1); the reason is cut to 123 bytes.
  void close(CloseCode code = CloseCode::normal, std::string_view reason = {});

  std::string_view path() const noexcept { return path_; }
  std::string_view subprotocol() const noexcept { return subprotocol_; }
  std::size_t buffered_bytes() const noexcept { return connection_.buffered_bytes(); }
  const ReaderStats& stats() const noexcept { return reader_.stats(); }

  WebSocket(net::Connection& connection, LoopContext& context);  // use accept()
  ~WebSocket() override;

 private:
  enum class State : std::uint8_t { awaiting_request, open, closing, done };

  // net::StreamHandler
  void on_data(std::span<std::uint8_t> bytes) override;
  void on_shutdown() override;
  void on_disconnect() override;
  // MessageSink
  void on_message(Opcode opcode, std::span<const std::uint8_t> payload) override;
  void on_ping(std::span<const std::uint8_t> payload) override;
  void on_pong(std::span<const std::uint8_t> payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_fail(CloseCode code) override;

  std::size_t read_request(std::span<const std::uint8_t> bytes);
  void handle_request(const HttpRequest& request);
  void reject(int status, std::string_view reason);
  void write_frame(Opcode opcode, std::span<const std::uint8_t> payload);
  void write_close_frame(std::uint16_t code, std::string_view reason);
  void finish(std::uint16_t code, std::string_view reason);

  net::Connection& connection_;
  LoopContext& context_;
  const ServerConfig& config_;
  const Route* route_ = nullptr;
  State state_ = State::awaiting_request;
  core::ByteBuffer request_head_;  // only when the head spans several reads
  std::size_t request_scanned_ = 0;
  MessageReader reader_;
  core::Timer close_timer_;
  std::string path_;
  std::string subprotocol_;
};

}  // namespace ws
