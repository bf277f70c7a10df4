// tests/support/scenario_client.hpp: a WebSocket client for scenarios whose
// server may fail at any step (tests/ws/fault_injection_test.cpp): every
// step says whether the run ended there, and how, instead of asserting.
// It is a NonReadingClient underneath (plain ::send/::recv, never net::sys,
// so a fault injected into the server never touches it) and every wait is
// bounded by `patience`. It answers the server's close with a close, as a
// well-behaved client does, and then waits for the end of the connection.
// Header-only, local to the tests; not thread-safe.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tests/conformance/non_reading_client.hpp"
#include "tests/support/frame_codec.hpp"

namespace wstest {

// How a run ended, as its client saw it.
struct Ending {
  enum class Kind : std::uint8_t {
    normal,   // the scenario's own result
    closed,   // the server's close (code), answered, then the connection ended
    dropped,  // EOF or reset without a close
    failed,   // anything a correct server never does: a hang, a bad frame, wrong data
  };
  Kind kind;
  std::uint16_t code = 0;  // closed: the server's close code (0: an empty close)
  std::string detail;

  static Ending normal() { return {Kind::normal, 0, {}}; }
  static Ending dropped(std::string detail) { return {Kind::dropped, 0, std::move(detail)}; }
  static Ending failed(std::string detail) { return {Kind::failed, 0, std::move(detail)}; }

  // For a scenario whose normal result is itself a close with `expected`.
  Ending normal_if_closed_with(std::uint16_t expected) && {
    if (kind == Kind::closed && code == expected) kind = Kind::normal;
    return std::move(*this);
  }

  std::string describe() const {
    switch (kind) {
      case Kind::normal:
        return "the normal result";
      case Kind::closed:
        return "close " + std::to_string(code);
      case Kind::dropped:
        return "the connection ended " + detail;
      case Kind::failed:
        return "failure: " + detail;
    }
    return "?";
  }
};

class ScenarioClient {
 public:
  ScenarioClient(int receive_buffer, std::chrono::milliseconds patience)
      : receive_buffer_(receive_buffer), patience_(patience) {}

  // Connects, upgrades on /echo; TCP_NODELAY, so each send is a segment.
  std::optional<Ending> open(std::uint16_t port) {
    const ::testing::AssertionResult opened = client_.open(port, receive_buffer_);
    if (opened) {
      const int one = 1;
      ::setsockopt(client_.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return std::nullopt;
    }
    const std::string why = opened.message();
    if (std::string_view(why).starts_with("not a 101")) return Ending::failed(why);
    if (client_.ended_within(std::chrono::milliseconds(0)))
      return Ending::dropped("before the 101");
    return Ending::failed(why + " (and the connection did not end)");
  }

  std::optional<Ending> send(std::string_view bytes) {
    if (client_.send_some(bytes, patience_) == bytes.size()) return std::nullopt;
    if (client_.last_error() != 0 || client_.ended_within(std::chrono::milliseconds(0)))
      return Ending::dropped("while sending");
    return Ending::failed("the server took nothing for " + std::to_string(patience_.count()) +
                          " ms");
  }

  std::optional<Ending> send_close(std::uint16_t code) {
    close_sent_ = true;
    return send(frame_bytes(kClose, close_payload(code)));
  }

  // Makes the coming close a reset (SO_LINGER 0), as a peer that crashed.
  void reset_on_close() {
    const ::linger hard{1, 0};
    ::setsockopt(client_.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }

  // The next frame must be this whole message.
  Ending expect_message(std::uint8_t opcode, std::string_view payload) {
    Frame frame;
    if (auto end = next_data_frame(frame)) return *end;
    if (frame.opcode != opcode || frame.payload != payload)
      return Ending::failed("expected " + opcode_name(opcode) + " \"" + std::string(payload) +
                            "\", got " + wstest::describe(frame));
    return Ending::normal();
  }

  // The next frame must be the server's close.
  Ending expect_close() {
    Frame frame;
    if (auto end = next_data_frame(frame)) return *end;
    return Ending::failed("data where a close was due: " + wstest::describe(frame));
  }

  // Binary frames up to the server's close or the end of the connection;
  // the i-th must carry expected(i): one lost, reordered or damaged fails.
  Ending read_binary_stream(const std::function<std::string(std::uint32_t)>& expected) {
    for (std::uint32_t index = 0;; ++index) {
      Frame frame;
      if (auto end = next_data_frame(frame)) return *end;
      if (frame.opcode != kBinary || frame.payload != expected(index))
        return Ending::failed("frame " + std::to_string(index) +
                              " lost, reordered or damaged: " + wstest::describe(frame));
    }
  }

 private:
  // std::nullopt with a data frame in `frame`, else how the run ended.
  std::optional<Ending> next_data_frame(Frame& frame) {
    switch (client_.read_frame(frame, patience_)) {
      case ReadStatus::kFrame:
        break;
      case ReadStatus::kEof:
        return Ending::dropped("(EOF)");
      case ReadStatus::kReset:
        return Ending::dropped("(reset)");
      case ReadStatus::kMalformed:
        return Ending::failed("a malformed frame");
      default:
        return Ending::failed("nothing for " + std::to_string(patience_.count()) + " ms: a hang");
    }
    if (frame.masked || frame.rsv != 0 || !frame.fin)
      return Ending::failed("an ill-formed server frame: " + wstest::describe(frame));
    if (frame.opcode == kClose) return closed_by_server(frame);
    return std::nullopt;
  }

  Ending closed_by_server(const Frame& close) {
    const std::string& payload = close.payload;
    if (payload.size() == 1) return Ending::failed("a close payload of 1 byte");
    const std::uint16_t code =
        payload.empty() ? 0
                        : static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                                     static_cast<std::uint8_t>(payload[1]));
    if (!close_sent_) (void)send_close(code == 0 ? 1000 : code);  // 5.5.1: answer it
    if (!client_.ended_within(patience_))
      return Ending::failed("close " + std::to_string(code) + ", then the connection did not end");
    return {Ending::Kind::closed, code, {}};
  }

  NonReadingClient client_;
  int receive_buffer_;
  std::chrono::milliseconds patience_;
  bool close_sent_ = false;
};

}  // namespace wstest
