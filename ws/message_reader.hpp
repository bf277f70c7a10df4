// MessageReader: turns the bytes of one WebSocket connection into messages
// and control frames (RFC 6455 5.2-5.5, 8.1), in place where it can.
//
// feed() takes bytes as they arrive, in any split. It unmasks in place; a
// message that is one whole frame inside the fed bytes reaches the sink as a
// view into them (no copy). Only the payload of a frame that straddles feeds,
// or of a fragmented message, is copied (unmasked on the way) into the
// reader's own buffer. Text is UTF-8-checked as it arrives, so an invalid
// byte fails the connection at once, not at the end of the message.
//
// Memory: the message buffer's capacity is charged to an optional
// core::MemoryAccount (the server's --max-memory); when the account refuses
// the growth, the reader fails with 1013 (try again later): the message
// was within the size limit, the server just cannot hold it now.
//
// After the sink hears on_close or on_fail, the reader is finished and
// ignores all further input. Single-threaded; no sockets: tests drive it
// with byte strings.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/memory_budget.hpp"
#include "core/utf8.hpp"
#include "ws/close_code.hpp"
#include "ws/frame.hpp"

namespace ws {

// Where the reader delivers what it found. Views are valid only during the call.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // A whole text (UTF-8-valid) or binary message.
  virtual void on_message(Opcode opcode, std::span<const std::uint8_t> payload) = 0;
  virtual void on_ping(std::span<const std::uint8_t> payload) = 0;
  virtual void on_pong(std::span<const std::uint8_t> payload) = 0;
  // A valid Close frame; code is 1005 (no_status) when it carried none.
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
  // The peer broke the protocol; `code` is what to close with (1002, 1007, 1009).
  virtual void on_fail(CloseCode code) = 0;
};

struct ReaderOptions {
  Role role = Role::server;
  std::uint64_t max_message_size = 16 * 1024 * 1024;
  std::uint8_t allowed_rsv = 0;           // RSV bits a negotiated extension gave meaning to
  core::MemoryAccount* memory = nullptr;  // charged for the message buffer; null: unbounded
};

// What the reader did, for tests and the server's counters.
struct ReaderStats {
  std::uint64_t messages = 0;
  std::uint64_t bytes_received = 0;  // everything fed
  std::uint64_t bytes_copied = 0;    // payload bytes copied into the reader's buffers
};

class MessageReader {
 public:
  explicit MessageReader(ReaderOptions options) : options_(options) {}
  ~MessageReader();
  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  void feed(std::span<std::uint8_t> bytes, MessageSink& sink);
  // Before the first feed: a route may narrow the server's limit.
  void set_max_message_size(std::uint64_t size) noexcept { options_.max_message_size = size; }
  bool finished() const noexcept { return phase_ == Phase::finished; }
  // A data message has begun (its first frame header was read) and not yet
  // ended: the server bounds how long that may last.
  bool in_message() const noexcept { return message_opcode_ != 0 && phase_ != Phase::finished; }
  // Inside a frame (its header or payload partly read): the stream would be
  // cut if it ended now.
  bool mid_frame() const noexcept { return phase_ == Phase::payload || stash_size_ > 0; }
  // Bytes of message buffer held (charged to the memory account).
  std::size_t buffered_bytes() const noexcept { return message_.capacity(); }
  const ReaderStats& stats() const noexcept { return stats_; }

 private:
  enum class Phase : std::uint8_t { header, payload, finished };

  std::size_t read_header(std::span<std::uint8_t> bytes, MessageSink& sink);
  bool begin_frame(MessageSink& sink);
  std::size_t read_payload(std::span<std::uint8_t> bytes, MessageSink& sink);
  bool deliver_whole_frame(std::span<std::uint8_t> payload, MessageSink& sink);
  void end_frame(MessageSink& sink);
  void handle_control(std::uint8_t opcode, std::span<const std::uint8_t> payload,
                      MessageSink& sink);
  void handle_close(std::span<const std::uint8_t> payload, MessageSink& sink);
  void deliver_message(std::span<const std::uint8_t> payload, MessageSink& sink);
  bool charge_growth(std::size_t n);
  void release_message();
  void fail(CloseCode code, MessageSink& sink);

  ReaderOptions options_;
  ReaderStats stats_;
  Phase phase_ = Phase::header;
  FrameHeader frame_;
  std::uint64_t frame_remaining_ = 0;  // payload bytes of frame_ not yet seen
  std::uint8_t mask_phase_ = 0;        // key index of the next payload byte
  std::uint8_t stash_size_ = 0;        // bytes of a header split across feeds
  std::uint8_t stash_[max_frame_header_size];
  std::uint8_t message_opcode_ = 0;  // text/binary of the message in progress; 0 = none
  std::uint64_t message_size_ = 0;
  core::Utf8Validator utf8_;
  core::ByteBuffer message_;  // a data message's payload, when it can't be a view
  std::uint8_t control_size_ = 0;
  std::uint8_t control_[max_control_payload];  // a control frame split across feeds
};

}  // namespace ws
