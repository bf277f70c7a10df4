// ClientConnection: one wsload connection, from connect to the end of the
// close handshake: the upgrade (ws::check_upgrade_response), masked
// frames out (ws::write_client_frame), the server's frames in
// (ws::MessageReader as client), and the check of every echo against the
// message it must be (PayloadPattern): same content, same order.
// For tcp:// there is no handshake and no framing: the echoed byte stream is
// checked piece by piece against the messages sent. With --broadcast it
// sends one message per round and checks every message it receives against
// its sender's (RoundReceipts: each sender once per round).
//
// Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/connection.hpp"
#include "net/stream_handler.hpp"
#include "tools/wsload_broadcast.hpp"
#include "tools/wsload_pubsub.hpp"
#include "tools/wsload_stats.hpp"
#include "ws/message_reader.hpp"

namespace wsload {

class Worker;
class TimedSession;

class ClientConnection final : public net::StreamHandler, public ws::MessageSink {
 public:
  // `connect_start`: when connect() was called; `tls`: wss://, the
  // connection's transport (it owns it), else null.
  ClientConnection(Worker& worker, net::Connection& connection, std::uint32_t id,
                   std::uint32_t slot, Nanos connect_start, const TimedSession* tls);

  bool is_open() const noexcept { return state_ == State::open; }
  // The connection may send: after the 101, or at once for tcp://.
  void become_open();
  // Queues the next message, stamped as sent at `at` (the schedule's time in
  // the open loop). Does nothing unless open.
  void send_message(Nanos at);
  // Closed loop: fill the pipeline.
  void start_sending();
  // --broadcast: sends this connection's message of `round`, if open.
  void send_round(std::uint64_t round);
  // --subscribers: sends this publisher's message `seq`, scheduled at `due`;
  // false if not open.
  bool send_publication(std::uint64_t seq, Nanos due);

 private:
  enum class State : std::uint8_t { handshaking, open, closing, done };

  // net::StreamHandler
  void on_data(std::span<std::uint8_t> bytes) override;
  // The server ended its side: nothing more to measure on this connection.
  void on_end_of_input() override { connection_.abort(); }
  void on_shutdown() override;
  void on_disconnect() override;
  // ws::MessageSink
  void on_message(ws::Opcode opcode, std::span<const std::uint8_t> payload) override;
  void on_ping(std::span<const std::uint8_t> payload) override;
  void on_pong(std::span<const std::uint8_t>) override {}
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_fail(ws::CloseCode code) override;

  void settle();  // count this connection as up or failed, once
  void read_handshake(std::span<std::uint8_t> bytes);
  void read_tcp(std::span<const std::uint8_t> bytes);
  void echo_done(Nanos now);
  // Counts a corrupt message unless it has the opcode and size sent.
  bool well_formed(ws::Opcode opcode, std::span<const std::uint8_t> payload);
  void receive_broadcast(ws::Opcode opcode, std::span<const std::uint8_t> payload);
  void receive_publication(ws::Opcode opcode, std::span<const std::uint8_t> payload);
  void count_loss();
  void write_message(std::span<const std::uint8_t> message);
  ws::Opcode message_opcode() const noexcept;
  void write_control(ws::Opcode opcode, std::span<const std::uint8_t> payload);
  void send_close(std::uint16_t code);
  void fail_connect(const std::string& why);
  // One more failure of `kind` on this connection (a problem on the progress line).
  void count(Tally WorkerStats::*kind, const std::string& why, std::uint64_t by = 1);

  // Send times of the messages in flight, oldest first (a ring that grows).
  void push_sent(Nanos at);
  Nanos pop_sent() noexcept;
  std::size_t in_flight() const noexcept { return in_flight_; }

  Worker& worker_;
  net::Connection& connection_;
  std::uint32_t id_;    // in the stamp of every message
  std::uint32_t slot_;  // in the worker's table
  Nanos connect_start_;
  const TimedSession* tls_;  // the connection's transport, or null
  State state_ = State::handshaking;
  bool received_any_ = false;
  bool settled_ = false;
  bool opened_ = false;  // became open at some point (counted in LiveCounters::open)
  std::string key_;
  std::string head_;  // response head so far (handshake only)
  ws::MessageReader reader_;
  std::uint64_t next_send_ = 0;    // sequence number of the next message out
  std::uint64_t next_expect_ = 0;  // sequence number of the next echo
  std::size_t tcp_offset_ = 0;     // tcp://: bytes of the current echo seen
  bool tcp_bad_ = false;           // tcp://: the current echo already mismatched
  std::vector<Nanos> sent_;        // ring, capacity a power of two
  std::size_t sent_head_ = 0;
  std::size_t in_flight_ = 0;
  RoundReceipts receipts_;        // --broadcast; no senders otherwise
  PublisherSequences sequences_;  // --subscribers; no publishers otherwise
};

}  // namespace wsload
