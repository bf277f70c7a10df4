// One wscat run on the loop's thread: the ws::Client, what is typed or
// piped in, what arrives, and how it ends (tools/wscat.cpp has the rules).
//
// Lines wait in `pending_` until the connection is open, and while the
// server reads slower than we send (a send that came back `buffered`
// stops the sending until on_drain), so their order holds and the
// client's queue stays bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/timer_wheel.hpp"
#include "net/event_loop.hpp"
#include "tools/wscat_command.hpp"
#include "tools/wscat_options.hpp"
#include "tools/wscat_output.hpp"
#include "ws/client.hpp"

namespace wscat {

// Exit statuses (the contract in tools/wscat.cpp).
inline constexpr int exit_clean = 0;
inline constexpr int exit_dial_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_abnormal = 3;
inline constexpr int exit_interrupted = 130;

// The exit status a close gives: `we_closed` if close() was ours.
int close_status(bool we_closed, std::uint16_t code) noexcept;

class Session {
 public:
  // interactive: stdin is a terminal (commands; end of input closes at once).
  Session(net::EventLoop& loop, const Options& options, Output& output, bool interactive);

  // Dials. Throws std::invalid_argument for a URL, header or TLS file that
  // cannot work.
  void start();
  // Called for each line once it has been sent or dropped (the reader's flow control).
  void on_consumed(std::function<void()> f) { consumed_ = std::move(f); }

  void line(std::string line);
  void end_of_input();
  void interrupt();

  // Valid once the loop has finished.
  int exit_status() const noexcept { return exit_status_; }

 private:
  ws::ClientOptions client_options() const;
  ws::ClientHandlers handlers();
  void opened();
  void received(const ws::Message& message);
  void closed(std::uint16_t code, std::string_view reason);
  void failed(const ws::DialFailure& failure);

  void send_pending();
  void handle(const std::string& line);
  void run_command(const Command& command);
  void send(std::span<const std::uint8_t> payload, ws::Opcode opcode);
  void finish_if_answered();
  void start_close(std::uint16_t code, std::string_view reason = {});
  void end(int status);

  net::EventLoop& loop_;
  const Options& options_;
  Output& output_;
  const bool interactive_;
  std::unique_ptr<ws::Client> client_;
  std::function<void()> consumed_;
  std::deque<std::string> pending_;
  core::Timer wait_timer_;  // piped: --wait after the end of input
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  bool open_ = false;
  bool blocked_ = false;  // a send came back buffered: wait for on_drain
  bool input_ended_ = false;
  bool we_closed_ = false;
  bool ended_ = false;
  int exit_status_ = exit_abnormal;
};

}  // namespace wscat
