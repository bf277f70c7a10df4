// wsload's wss://: one tls::Context per run (the CA to trust, or none to
// verify with), and a TLS session per connection, wrapped to time its
// handshake.
//
// A connection's transport is set in the loop's factory, before its upgrade
// request is written: tls::Session::connect() leaves the ClientHello as wire
// output at once, the Connection sends it on its first flush, and the
// request waits in the Connection's queue until the handshake is done
// (seal() takes nothing before), then goes as the first record.
//
// TimedSession forwards every call to its tls::Session and notes when a
// pull() first finds the handshake done, and how many wire bytes came in
// before (to tell a refused connect from a failed handshake). The timing
// cost is one extra virtual call and one branch per push/pull.
//
// Loop thread only, like the session; make_client_context() from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tls/context.hpp"
#include "tls/session.hpp"
#include "tools/wsload_options.hpp"
#include "tools/wsload_stats.hpp"

namespace wsload {

// The client context for --ca / --insecure; null and one line in `error` if
// it cannot be made (an unreadable or bad --ca).
std::shared_ptr<const tls::Context> make_client_context(const LoadOptions& options,
                                                        std::string& error);

class TimedSession final : public net::Transport {
 public:
  explicit TimedSession(std::unique_ptr<tls::Session> session) : session_(std::move(session)) {}

  void push(std::span<const std::uint8_t> wire) override {
    wire_received_ += wire.size();
    session_->push(wire);
  }
  Pulled pull(std::span<std::uint8_t> plain) override {
    const Pulled pulled = session_->pull(plain);
    if (done_at_ == 0 && session_->handshake_done()) done_at_ = now_ns();
    return pulled;
  }
  std::size_t seal(std::span<const std::uint8_t> plain) override { return session_->seal(plain); }
  std::span<const std::uint8_t> wire_output() override { return session_->wire_output(); }
  void wire_sent(std::size_t n) override { session_->wire_sent(n); }
  void close() override { session_->close(); }

  const tls::Session& session() const noexcept { return *session_; }
  // When the handshake finished (now_ns()), or 0 while it has not.
  Nanos handshake_done_at() const noexcept { return done_at_; }
  std::size_t wire_received() const noexcept { return wire_received_; }
  // Why the connection failed, for its connect failure line: OpenSSL's
  // reason ("certificate verify failed: ..."), a peer that ended the
  // handshake, or empty when no TLS byte ever came (refused, reset).
  std::string failure() const;

 private:
  std::unique_ptr<tls::Session> session_;
  Nanos done_at_ = 0;
  std::size_t wire_received_ = 0;
};

}  // namespace wsload
