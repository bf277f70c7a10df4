// WebSocket: one server-side connection, from the HTTP upgrade to the end of
// the close handshake; and the handle the application's handlers receive.
//
// Lifecycle (RFC 6455 4, 5, 7):
//   awaiting_request -- valid upgrade --> open -- close sent --> closing
//      |  ^ plain GET/HEAD answered,         | peer's close / protocol error
//      |  | kept alive (ws/static_files)     |
//      | bad request: HTTP error             |
//      v                                     v
//    done <----------------------------------+  (our last frame flushed, FIN)
// In `closing`, the peer has close_timeout to answer before it is dropped.
// Plain requests on one connection are answered in order; what arrives
// behind them waits while their answers fill the queue (see read_requests).
//
// Time (one intrusive timer per connection, on the loop's wheel; the states
// above are disjoint, so one Timer serves all three):
//   awaiting_request: handshake_timeout, then the socket is dropped; re-armed
//                     by each plain response and each drain of its queue;
//   open:             heartbeat. Each read stamps the loop's time (no wheel
//                     operation per read); when the timer fires it measures
//                     the quiet time, pings after ping_interval, closes 1001
//                     after idle_timeout, and re-arms for what remains;
//   closing:          close_timeout, then the socket is dropped.
//
// Backpressure: send() returns sent, buffered or dropped (see SendResult).
// Data frames queue in order; pings and pongs take the connection's urgent
// lane and pass queued data at the next frame boundary, so a heartbeat is
// never stuck behind a long queue. A send to a backed-up queue that already
// holds max_backpressure fails the slow consumer: the data not yet begun is
// discarded, and a close 1008 follows the frame being sent (after a close no
// data frame may follow, 5.5.1). The connection is not read from while its
// queue is past half the bound (net::Connection's read pause), so a peer
// cannot make its own output grow by sending (/echo) faster than it reads.
// A close for any other reason (shutdown's 1001, an answer to the peer's
// close) goes after everything queued: what send() accepted is delivered.
//
// Defined in two files: websocket_handshake.cpp (the HTTP side, up to the
// 101) and websocket.cpp (frames, time, the close).
//
// Thread safety: loop thread only. Every method may be called from any
// handler of this server running on the same loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/timer_wheel.hpp"
#include "net/connection.hpp"
#include "net/stream_handler.hpp"
#include "ws/connection_state.hpp"
#include "ws/loop_context.hpp"
#include "ws/message_reader.hpp"
#include "ws/send_result.hpp"

namespace ws {

// The reactor and the reader call it through its bases; the overrides are
// private so the application sees only the handle.
class WebSocket final : public net::StreamHandler, public MessageSink {
 public:
  // The reactor's factory: a handler for a freshly accepted connection.
  static std::unique_ptr<net::StreamHandler> accept(net::Connection& connection,
                                                    LoopContext& context);

  // A text or binary message (any other opcode is refused: dropped).
  SendResult send(std::span<const std::uint8_t> payload, Opcode opcode);
  SendResult send_text(std::string_view text);
  SendResult send_binary(std::span<const std::uint8_t> payload) {
    return send(payload, Opcode::binary);
  }
  // Topics (app-wide, every loop; ws/topics.hpp). subscribe: false for an
  // empty name or one over max_topic_name bytes; twice is a no-op. A
  // connection leaves all its topics when it ends.
  bool subscribe(std::string_view topic);
  bool unsubscribe(std::string_view topic);
  bool is_subscribed(std::string_view topic) const;
  // To every subscriber of `topic` on every loop but this connection: the
  // frame is built once and shared. False for a bad name or an opcode other
  // than text or binary.
  bool publish(std::string_view topic, std::span<const std::uint8_t> payload, Opcode opcode);
  // Runs `done` (on some loop's thread) once every loop has delivered what
  // this connection published before: e.g. to free a name only after its
  // "left" has reached everyone, so that its next holder's "joined" cannot
  // arrive first. See PubSub::after_deliveries.
  void after_deliveries(std::function<void()> done);

  // A ping with up to 125 bytes of payload (5.5.2); more is dropped.
  SendResult ping(std::span<const std::uint8_t> payload = {});
  // Starts the close handshake (5.5.1); the reason is cut to at most 123
  // bytes, at a code point boundary (a cut sequence would be invalid UTF-8).
  void close(CloseCode code = CloseCode::normal, std::string_view reason = {});

  // What the route's upgrade hook attached, if it is a T; else nullptr.
  template <class T>
  T* state() noexcept {
    return user_state_.get<T>();
  }

  std::string_view path() const noexcept { return path_; }
  std::string_view subprotocol() const noexcept { return subprotocol_; }
  // Bytes queued that the peer has not read yet (frames and control frames).
  std::size_t buffered_bytes() const noexcept { return connection_.buffered_bytes(); }
  const ReaderStats& stats() const noexcept { return reader_.stats(); }

  WebSocket(net::Connection& connection, LoopContext& context);  // use accept()
  ~WebSocket() override;

 private:
  enum class State : std::uint8_t { awaiting_request, open, closing, done };

  friend class LoopTopics;  // delivers published frames through send_frame
  SendResult send_frame(const net::SharedBytesRef& frame);

  // net::StreamHandler
  void on_data(std::span<std::uint8_t> bytes) override;
  void on_end_of_input() override;
  void on_drain() override;
  void on_shutdown() override;
  void on_disconnect() override;
  // MessageSink
  void on_message(Opcode opcode, std::span<const std::uint8_t> payload) override;
  void on_ping(std::span<const std::uint8_t> payload) override;
  void on_pong(std::span<const std::uint8_t> payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_fail(CloseCode code) override;

  void feed_frames(std::span<std::uint8_t> bytes);
  std::size_t read_requests(std::span<const std::uint8_t> bytes);
  std::size_t read_request(std::span<const std::uint8_t> bytes);
  void hold(std::span<const std::uint8_t> bytes);
  void read_held_requests();
  void handle_request(const HttpRequest& request);
  void upgrade(const HttpRequest& request, const Route& route);
  void serve_file(const HttpRequest& request);
  void reject(int status, std::string_view reason);
  void close_after_response();
  void end_before_upgrade();
  void arm_request_deadline();
  bool admit() noexcept;
  bool write_frame(Opcode opcode, std::span<const std::uint8_t> payload);
  bool write_control_frame(Opcode opcode, std::span<const std::uint8_t> payload);
  void write_close_frame(std::uint16_t code, std::string_view reason);
  bool over_backpressure() const noexcept;
  void fail_slow_consumer();
  void fail_over_memory();
  void stop_reading_soon() noexcept;
  void watch_message_time();
  void on_timer();
  void heartbeat();
  void arm_heartbeat(core::Clock::duration quiet);
  void close_idle();
  void finish(std::uint16_t code, std::string_view reason);

  net::Connection& connection_;
  LoopContext& context_;
  const ServerConfig& config_;
  const Route* route_ = nullptr;
  State state_ = State::awaiting_request;
  // Request bytes not yet answered, when a head spans several reads or
  // pipelined plain requests wait for the answers before them to drain.
  core::ByteBuffer held_;
  std::size_t request_scanned_ = 0;
  MessageReader reader_;
  core::Timer timer_;                         // handshake, heartbeat or close timeout, by state_
  core::Clock::time_point last_received_;     // the loop's time at the last read
  core::Clock::time_point message_deadline_;  // message_timeout, once message_begun_
  bool ping_outstanding_ = false;             // pinged, nothing received since
  std::uint64_t messages_at_begin_ = 0;       // reader's message count when it began
  bool message_begun_ = false;                // a message is arriving across reads
  bool counted_ = false;                      // in LoopContext::open_connections
  bool served_http_ = false;                  // answered a plain HTTP request
  std::string path_;
  std::string subprotocol_;
  ConnectionState user_state_;  // the route's on_upgrade attaches it
};

}  // namespace ws
