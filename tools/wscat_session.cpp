#include "tools/wscat_session.hpp"

#include <chrono>
#include <string>
#include <utility>

#include "tools/wscat_format.hpp"
#include "ws/close_code.hpp"

namespace wscat {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string describe_close(std::uint16_t code, std::string_view reason) {
  std::string text = "closed: " + std::to_string(code) + " (" +
                     std::string(ws::describe(static_cast<ws::CloseCode>(code))) + ")";
  if (!reason.empty()) text += " " + std::string(reason);
  return text;
}

}  // namespace

int close_status(bool we_closed, std::uint16_t code) noexcept {
  if (code == static_cast<std::uint16_t>(ws::CloseCode::abnormal)) return exit_abnormal;
  if (we_closed) return exit_clean;  // the server answered the close we started
  switch (static_cast<ws::CloseCode>(code)) {
    case ws::CloseCode::normal:
    case ws::CloseCode::going_away:
    case ws::CloseCode::no_status:
      return exit_clean;
    default:
      return exit_abnormal;
  }
}

Session::Session(net::EventLoop& loop, const Options& options, Output& output, bool interactive)
    : loop_(loop),
      options_(options),
      output_(output),
      interactive_(interactive),
      wait_timer_([this] { start_close(1000); }) {}

void Session::start() {
  client_ = ws::Client::dial(loop_, options_.url, client_options(), handlers());
}

ws::ClientOptions Session::client_options() const {
  ws::ClientOptions o;
  o.subprotocols = options_.subprotocols;
  o.headers = options_.headers;
  o.tls.ca_file = options_.ca_file;
  o.tls.insecure = options_.insecure;
  if (options_.echo) {
    // A test peer for servers: conformance suites send messages of 16 MiB
    // and bursts of many, and expect every one back (the reading still
    // pauses while the echoes wait, at half the bound).
    o.read_limit = 64 * 1024 * 1024;
    o.max_backpressure = 128 * 1024 * 1024;
  }
  return o;
}

ws::ClientHandlers Session::handlers() {
  ws::ClientHandlers h;
  h.on_open = [this](ws::Client&) { opened(); };
  h.on_message = [this](ws::Client&, const ws::Message& m) { received(m); };
  h.on_pong = [this](ws::Client&, std::span<const std::uint8_t> payload) {
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    output_.event("pong" + (text.empty() ? std::string() : ": " + std::string(text)));
  };
  h.on_drain = [this](ws::Client&) {
    blocked_ = false;
    send_pending();
  };
  h.on_close = [this](ws::Client&, std::uint16_t code, std::string_view reason) {
    closed(code, reason);
  };
  h.on_error = [this](ws::Client&, const ws::DialFailure& f) { failed(f); };
  return h;
}

void Session::opened() {
  open_ = true;
  std::string text = "connected to " + client_->url().text();
  if (!client_->subprotocol().empty())
    text += " (subprotocol " + std::string(client_->subprotocol()) + ")";
  output_.event(text);
  if (interactive_ && !options_.echo) output_.event("type /help for the commands");
  output_.prompt();
  send_pending();
}

void Session::received(const ws::Message& m) {
  ++received_;
  if (options_.echo) {
    client_->send(m.payload, m.opcode);  // dropped only if the connection is ending anyway
    return;
  }
  output_.message(m);
  finish_if_answered();
}

void Session::closed(std::uint16_t code, std::string_view reason) {
  output_.stop_prompting();
  output_.event(describe_close(code, reason));
  end(close_status(we_closed_, code));
}

void Session::failed(const ws::DialFailure& failure) {
  output_.stop_prompting();
  output_.error("cannot connect to " + options_.url + ": " + failure.reason);
  end(exit_dial_failed);
}

void Session::line(std::string line) {
  pending_.push_back(std::move(line));
  send_pending();
}

// Interactive: Ctrl-D is "I am done" (close now). Piped: close once every
// message sent has its answer, or --wait from now at the latest.
void Session::end_of_input() {
  input_ended_ = true;
  if (!open_ || we_closed_ || ended_) return;  // opened() or the close takes it from here
  if (interactive_) return start_close(1000);
  finish_if_answered();
  if (!we_closed_)
    loop_.timers().arm(wait_timer_, std::chrono::duration_cast<core::Clock::duration>(
                                        std::chrono::duration<double>(options_.wait_s)));
}

void Session::interrupt() {
  if (open_) return start_close(1000);
  if (ended_) return;
  output_.error("interrupted before the connection opened");
  client_->close();  // gives the dial up; no handler runs
  end(exit_interrupted);
}

void Session::send_pending() {
  while (open_ && !blocked_ && !we_closed_ && !pending_.empty()) {
    const std::string line = std::move(pending_.front());
    pending_.pop_front();
    handle(line);
    if (consumed_) consumed_();
  }
  if (open_ && pending_.empty() && input_ended_ && !we_closed_ && !wait_timer_.armed())
    end_of_input();
}

void Session::handle(const std::string& line) {
  if (interactive_) output_.line_entered();
  run_command(interactive_ ? parse_command(line) : Command{Command::Kind::message, line, 0, {}});
  output_.prompt();
}

void Session::run_command(const Command& c) {
  switch (c.kind) {
    case Command::Kind::message:
      return send(bytes_of(c.text), options_.binary ? ws::Opcode::binary : ws::Opcode::text);
    case Command::Kind::binary:
      return send(c.bytes, ws::Opcode::binary);
    case Command::Kind::ping:
      client_->ping(bytes_of(c.text));
      return;
    case Command::Kind::close:
      return start_close(c.code, c.text);
    case Command::Kind::quit:
      return start_close(1000);
    case Command::Kind::help:
      return output_.info(command_help);
    case Command::Kind::invalid:
      return output_.error(c.text);
  }
}

void Session::send(std::span<const std::uint8_t> payload, ws::Opcode opcode) {
  switch (client_->send(payload, opcode)) {
    case ws::SendResult::sent:
      ++sent_;
      break;
    case ws::SendResult::buffered:
      ++sent_;
      blocked_ = true;
      break;
    case ws::SendResult::dropped:
      output_.error("not sent: the connection is closing");
      break;
  }
}

void Session::finish_if_answered() {
  if (interactive_ || !input_ended_ || !pending_.empty() || blocked_) return;
  if (received_ >= sent_) start_close(1000);
}

void Session::start_close(std::uint16_t code, std::string_view reason) {
  if (we_closed_ || ended_) return;
  we_closed_ = true;
  loop_.timers().cancel(wait_timer_);
  client_->close(code, reason);
}

void Session::end(int status) {
  if (ended_) return;
  ended_ = true;
  exit_status_ = status;
  loop_.timers().cancel(wait_timer_);
  loop_.request_stop();
}

}  // namespace wscat
