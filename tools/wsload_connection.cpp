#include "tools/wsload_connection.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "tools/wsload_tls.hpp"
#include "tools/wsload_worker.hpp"
#include "ws/client_frame.hpp"
#include "ws/client_handshake.hpp"

namespace wsload {
namespace {

// After our close frame and the server's answer: how long to wait for its FIN.
constexpr std::chrono::milliseconds close_linger{1000};

std::string describe(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 16); ++i) {
    const auto c = static_cast<char>(bytes[i]);
    out += (c >= ' ' && c < 127) ? c : '.';
  }
  return out;
}

}  // namespace

ClientConnection::ClientConnection(Worker& worker, net::Connection& connection, std::uint32_t id,
                                   std::uint32_t slot, Nanos connect_start, const TimedSession* tls)
    : worker_(worker),
      connection_(connection),
      id_(id),
      slot_(slot),
      connect_start_(connect_start),
      tls_(tls),
      reader_(ws::ReaderOptions{
          .role = ws::Role::client,
          .max_message_size = std::max<std::uint64_t>(worker.options().size + 1, 1 << 20)}),
      sent_(std::bit_ceil<std::size_t>(std::max<std::size_t>(worker.options().pipeline, 4))),
      receipts_(worker.options().broadcast ? worker.options().connections : 0),
      sequences_(worker.options().pubsub ? worker.options().publishers : 0) {
  const Target& target = worker_.options().target;
  if (!target.websocket) return;  // tcp://: open once the first byte comes back
  key_ = ws::make_client_key();
  std::string request;
  ws::append_client_request(request, target.host_header, target.path, key_);
  // Queued now, sent once the connect completes (wss://: once the TLS
  // handshake has, the ClientHello going first).
  connection_.write({reinterpret_cast<const std::uint8_t*>(request.data()), request.size()});
}

void ClientConnection::push_sent(Nanos at) {
  if (in_flight_ == sent_.size()) {
    std::vector<Nanos> bigger(sent_.size() * 2);
    for (std::size_t i = 0; i < in_flight_; ++i)
      bigger[i] = sent_[(sent_head_ + i) & (sent_.size() - 1)];
    sent_.swap(bigger);
    sent_head_ = 0;
  }
  sent_[(sent_head_ + in_flight_) & (sent_.size() - 1)] = at;
  ++in_flight_;
}

Nanos ClientConnection::pop_sent() noexcept {
  const Nanos at = sent_[sent_head_];
  sent_head_ = (sent_head_ + 1) & (sent_.size() - 1);
  --in_flight_;
  return at;
}

void ClientConnection::start_sending() {
  const Nanos now = now_ns();
  while (is_open() && in_flight_ < worker_.options().pipeline) send_message(now);
}

void ClientConnection::send_message(Nanos at) {
  if (state_ != State::open) return;
  write_message(worker_.pattern().message(id_, next_send_));
  ++next_send_;
  push_sent(at);
}

void ClientConnection::send_round(std::uint64_t round) {
  if (state_ == State::open) write_message(worker_.pattern().message(id_, round));
}

bool ClientConnection::send_publication(std::uint64_t seq, Nanos due) {
  if (state_ != State::open) return false;
  write_message(worker_.pubsub_message().build(id_, seq, due));
  return true;
}

void ClientConnection::write_message(std::span<const std::uint8_t> message) {
  if (!worker_.options().target.websocket) return connection_.write(message);
  std::uint8_t* out = connection_.prepare_write(ws::client_frame_size(message.size()));
  connection_.commit_write(
      ws::write_client_frame(out, message_opcode(), true, message, worker_.keys().next()));
}

ws::Opcode ClientConnection::message_opcode() const noexcept {
  return worker_.options().binary ? ws::Opcode::binary : ws::Opcode::text;
}

void ClientConnection::on_data(std::span<std::uint8_t> bytes) {
  received_any_ = true;
  if (!worker_.options().target.websocket) return read_tcp(bytes);
  if (state_ == State::handshaking) return read_handshake(bytes);
  if (state_ == State::open || state_ == State::closing) reader_.feed(bytes, *this);
}

void ClientConnection::read_handshake(std::span<std::uint8_t> bytes) {
  // A 101 normally arrives whole; keep bytes only when it does not.
  std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!head_.empty()) {
    head_.append(view);
    view = head_;
  }
  const ws::HandshakeCheck check = ws::check_upgrade_response(view, key_);
  if (check.result == 0) {
    if (head_.empty()) head_.assign(view);
    return;
  }
  if (check.result < 0) {
    std::string why = "handshake rejected: " + std::string(check.reason);
    if (check.status != 0 && check.status != 101)
      why += " (HTTP " + std::to_string(check.status) + ")";
    fail_connect(why);
    state_ = State::done;
    connection_.abort();
    return;
  }
  // Frames may follow the head in the same read: they sit in `bytes` (or head_).
  const std::size_t head_size = static_cast<std::size_t>(check.result);
  std::string rest;
  std::span<std::uint8_t> after;
  if (head_.empty()) {
    after = bytes.subspan(head_size);
  } else {
    rest = head_.substr(head_size);
    after = {reinterpret_cast<std::uint8_t*>(rest.data()), rest.size()};
  }
  std::string().swap(head_);
  std::string().swap(key_);
  become_open();
  if (!after.empty() && state_ == State::open) reader_.feed(after, *this);
}

void ClientConnection::become_open() {
  state_ = State::open;
  opened_ = true;
  if (worker_.options().target.websocket) {
    WorkerStats& stats = worker_.mutable_stats();
    const Nanos now = now_ns();
    stats.upgrade_time.record(static_cast<std::uint64_t>(std::max<Nanos>(now - connect_start_, 0)));
    if (tls_ && tls_->handshake_done_at() != 0) {
      stats.handshake_time.record(static_cast<std::uint64_t>(
          std::max<Nanos>(tls_->handshake_done_at() - connect_start_, 0)));
      stats.note_protocol(tls_->session().protocol());
    }
  }
  worker_.on_upgraded(*this);  // counts it open before it counts as settled
  settle();
}

void ClientConnection::settle() {
  if (settled_) return;
  settled_ = true;
  worker_.settle();
}

void ClientConnection::read_tcp(std::span<const std::uint8_t> bytes) {
  if (state_ != State::open) return;  // closing: drained unread
  const std::size_t size = worker_.pattern().size();
  const Nanos now = now_ns();
  while (!bytes.empty()) {
    if (in_flight_ == 0) {
      count(&WorkerStats::mismatches,
            "bytes arrived with no message in flight: \"" + describe(bytes) + "\"");
      return;
    }
    const std::size_t take = std::min(bytes.size(), size - tcp_offset_);
    if (!tcp_bad_ &&
        !worker_.pattern().matches(id_, next_expect_, tcp_offset_, bytes.first(take))) {
      tcp_bad_ = true;
      count(&WorkerStats::mismatches, "echo of message " + std::to_string(next_expect_) +
                                          " differs at or after byte " +
                                          std::to_string(tcp_offset_));
    }
    tcp_offset_ += take;
    bytes = bytes.subspan(take);
    if (tcp_offset_ == size) {
      tcp_offset_ = 0;
      tcp_bad_ = false;
      echo_done(now);
    }
  }
}

void ClientConnection::on_message(ws::Opcode opcode, std::span<const std::uint8_t> payload) {
  if (state_ != State::open && state_ != State::closing) return;
  if (worker_.options().broadcast) return receive_broadcast(opcode, payload);
  if (worker_.options().pubsub) return receive_publication(opcode, payload);
  const Nanos now = now_ns();
  if (in_flight_ == 0) {
    count(&WorkerStats::mismatches,
          "a message arrived with none in flight: \"" + describe(payload) + "\"");
    return;
  }
  if (opcode != message_opcode()) {
    count(&WorkerStats::mismatches, "echo has the wrong opcode");
  } else if (payload.size() != worker_.pattern().size()) {
    count(&WorkerStats::mismatches, "echo of message " + std::to_string(next_expect_) + " has " +
                                        std::to_string(payload.size()) + " bytes, sent " +
                                        std::to_string(worker_.pattern().size()));
  } else if (!worker_.pattern().matches(id_, next_expect_, 0, payload)) {
    count(&WorkerStats::mismatches, "echo of message " + std::to_string(next_expect_) +
                                        " differs: got \"" + describe(payload) + "\", want \"" +
                                        describe(worker_.pattern().message(id_, next_expect_)) +
                                        "\"");
  }
  echo_done(now);
}

// Which sender's message of which round this is, from its stamp; then
// whether it is exactly that message, and new.
bool ClientConnection::well_formed(ws::Opcode opcode, std::span<const std::uint8_t> payload) {
  const std::size_t size = worker_.pattern().size();
  if (opcode != message_opcode()) {
    count(&WorkerStats::corrupt, "a message with the wrong opcode");
    return false;
  }
  if (payload.size() != size) {
    count(&WorkerStats::corrupt, "a message of " + std::to_string(payload.size()) +
                                     " bytes, all were sent with " + std::to_string(size));
    return false;
  }
  return true;
}

void ClientConnection::receive_broadcast(ws::Opcode opcode, std::span<const std::uint8_t> payload) {
  const PayloadPattern& pattern = worker_.pattern();
  std::uint32_t sender = 0;
  std::uint64_t round = 0;
  if (!well_formed(opcode, payload)) return;
  if (!PayloadPattern::parse_stamp(payload, sender, round) || sender >= receipts_.senders() ||
      !pattern.matches(sender, round, 0, payload))
    return count(&WorkerStats::corrupt,
                 "a message no connection sent (bad header, check or content): \"" +
                     describe(payload) + "\"");
  const auto which = [&] {
    return "connection " + std::to_string(sender) + "'s message of round " + std::to_string(round);
  };
  switch (receipts_.take(sender, round)) {
    case RoundReceipts::Take::fresh:
      LiveCounters::bump(worker_.live().echoes);  // progress: the main thread's stall watch
      break;
    case RoundReceipts::Take::completes:
      LiveCounters::bump(worker_.live().echoes);
      worker_.on_round_received(round, now_ns());
      break;
    case RoundReceipts::Take::duplicate:
      count(&WorkerStats::duplicated, "a second copy of " + which());
      break;
    case RoundReceipts::Take::early:
      count(&WorkerStats::corrupt,
            which() + " arrived during round " + std::to_string(receipts_.round()));
      break;
  }
}

// Which publisher's message number what this is, from its header, and
// whether it is exactly that message; then whether it comes in order.
// A step forward is not counted here: what it skipped is lost only if it
// has not come by the end (the main thread counts that).
void ClientConnection::receive_publication(ws::Opcode opcode,
                                           std::span<const std::uint8_t> payload) {
  const Nanos now = now_ns();
  std::uint32_t publisher = 0;
  std::uint64_t seq = 0;
  Nanos due = 0;
  if (!well_formed(opcode, payload)) return;
  if (!worker_.pubsub_message().read(payload, publisher, seq, due) ||
      publisher >= sequences_.publishers())
    return count(&WorkerStats::corrupt,
                 "a message no publisher sent (bad header, check or content): \"" +
                     describe(payload) + "\"");
  if (sequences_.take(publisher, seq) == PublisherSequences::Take::backwards)
    count(&WorkerStats::reordered, "publisher " + std::to_string(publisher) + "'s message " +
                                       std::to_string(seq) + " came after its message " +
                                       std::to_string(sequences_.expected(publisher) - 1));
  worker_.on_publication(due, now);
}

// The run halted because a round did not complete: if this connection is
// short of it, what it misses is lost.
void ClientConnection::count_loss() {
  if (!worker_.round_stalled(receipts_.round())) return;
  const std::uint32_t missing = receipts_.senders() - receipts_.received();
  count(&WorkerStats::lost,
        "received " + std::to_string(receipts_.received()) + " of the " +
            std::to_string(receipts_.senders()) + " messages of round " +
            std::to_string(receipts_.round()) + "; the first missing is connection " +
            std::to_string(receipts_.first_missing()) + "'s",
        missing);
}

// One echo done (checked or counted as a mismatch): take its send time, and
// in the closed loop send the next message.
void ClientConnection::echo_done(Nanos now) {
  ++next_expect_;
  worker_.on_echo(pop_sent(), now);
  if (state_ == State::open && worker_.closed_loop_sending()) send_message(now);
}

void ClientConnection::on_ping(std::span<const std::uint8_t> payload) {
  if (state_ == State::open) write_control(ws::Opcode::pong, payload);  // 5.5.3
}

void ClientConnection::on_close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::open) {
    count(&WorkerStats::closes, "server closed with " + std::to_string(code) +
                                    (reason.empty() ? "" : " \"" + std::string(reason) + "\""));
    send_close(code == 1005 ? 1000 : code);  // 5.5.1: answer with a close
  }
  state_ = State::done;
  connection_.close_gracefully(close_linger);
}

void ClientConnection::on_fail(ws::CloseCode code) {
  if (state_ == State::open || state_ == State::closing)
    count(&WorkerStats::errors, "protocol error from the server (closing with " +
                                    std::to_string(static_cast<int>(code)) + ")");
  if (state_ == State::open) send_close(static_cast<std::uint16_t>(code));  // closing: sent already
  state_ = State::done;
  connection_.close_gracefully(close_linger);
}

void ClientConnection::write_control(ws::Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t* out = connection_.prepare_write(ws::client_frame_size(payload.size()));
  connection_.commit_write(
      ws::write_client_frame(out, opcode, true, payload, worker_.keys().next()));
}

void ClientConnection::send_close(std::uint16_t code) {
  const std::uint8_t body[2] = {static_cast<std::uint8_t>(code >> 8),
                                static_cast<std::uint8_t>(code & 0xff)};
  write_control(ws::Opcode::close, body);
}

// The run is over: close 1000 and wait for the server's close (the loop cuts
// us off after its shutdown timeout).
void ClientConnection::on_shutdown() {
  worker_.on_shutdown_started();
  switch (state_) {
    case State::handshaking:
      fail_connect(tls_ && tls_->handshake_done_at() == 0
                       ? "no TLS handshake before the end of the run"
                   : worker_.options().target.websocket ? "no 101 before the end of the run"
                                                        : "no echo before the end of the run");
      state_ = State::done;
      connection_.abort();
      break;
    case State::open:
      if (worker_.options().broadcast) count_loss();
      if (worker_.options().target.websocket) {
        send_close(1000);
        state_ = State::closing;
      } else {
        state_ = State::done;
        connection_.close_gracefully(close_linger);
      }
      break;
    case State::closing:
    case State::done:
      break;
  }
}

void ClientConnection::on_disconnect() {
  const std::string tls_failure = tls_ ? tls_->failure() : std::string();
  if (state_ == State::handshaking && !tls_failure.empty()) {
    fail_connect(tls_failure);
  } else if (state_ == State::handshaking) {
    fail_connect(received_any_ ? "connection ended during the upgrade"
                               : "connection refused or reset before the upgrade");
  } else if (state_ == State::open && !worker_.options().target.websocket && !received_any_) {
    // tcp:// is open from the start (no handshake to wait for): a connect
    // that failed shows as an end before any byte came back.
    fail_connect("connection refused or reset before any echo");
  } else if (state_ == State::open) {
    count(&WorkerStats::closes, "connection ended without a close handshake");
  }
  state_ = State::done;
  worker_.on_ended(slot_, opened_);
}

void ClientConnection::fail_connect(const std::string& why) {
  worker_.mutable_stats().connect_failures.add(why);
  settle();
  worker_.problem();
}

void ClientConnection::count(Tally WorkerStats::*kind, const std::string& why, std::uint64_t by) {
  (worker_.mutable_stats().*kind).add("connection " + std::to_string(id_) + ": " + why, by);
  worker_.problem();
}

}  // namespace wsload
