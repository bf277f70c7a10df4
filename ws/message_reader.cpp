#include "ws/message_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/unmask.hpp"

namespace ws {
namespace {

std::uint16_t read_big_endian_16(const std::uint8_t* bytes) noexcept {
  return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
}

}  // namespace

MessageReader::~MessageReader() { release_message(); }

void MessageReader::feed(std::span<std::uint8_t> bytes, MessageSink& sink) {
  stats_.bytes_received += bytes.size();
  std::size_t position = 0;
  while (position < bytes.size() && phase_ != Phase::finished) {
    const auto rest = bytes.subspan(position);
    position += phase_ == Phase::header ? read_header(rest, sink) : read_payload(rest, sink);
  }
}

// A header split across feeds is gathered in stash_ (at most 14 bytes), so
// the payload that follows it can still be handled in place.
std::size_t MessageReader::read_header(std::span<std::uint8_t> bytes, MessageSink& sink) {
  int parsed;
  std::size_t consumed;
  if (stash_size_ == 0) {
    parsed = parse_frame_header(bytes, frame_);
    consumed = parsed > 0 ? static_cast<std::size_t>(parsed) : bytes.size();
    if (parsed == 0) {  // fewer bytes than the header needs: at most 13
      std::memcpy(stash_, bytes.data(), bytes.size());
      stash_size_ = static_cast<std::uint8_t>(bytes.size());
    }
  } else {
    const std::size_t take = std::min(bytes.size(), max_frame_header_size - stash_size_);
    std::memcpy(stash_ + stash_size_, bytes.data(), take);
    parsed = parse_frame_header({stash_, stash_size_ + take}, frame_);
    if (parsed == 0) {
      stash_size_ += static_cast<std::uint8_t>(take);
      return take;
    }
    consumed = parsed > 0 ? static_cast<std::size_t>(parsed) - stash_size_ : take;
    stash_size_ = 0;
  }
  if (parsed == 0) return consumed;
  if (parsed < 0) {  // a 64-bit length with its top bit set (5.2)
    fail(CloseCode::protocol_error, sink);
    return consumed;
  }
  if (!begin_frame(sink)) return consumed;
  if (frame_remaining_ == 0) read_payload(bytes.subspan(consumed, 0), sink);
  return consumed;
}

// The checks that need the frame's place in the message stream (5.4, 5.5)
// and the size limit, made before any payload arrives, so an oversized
// message is refused on its header alone.
bool MessageReader::begin_frame(MessageSink& sink) {
  if (check_frame_header(frame_, options_.role, options_.allowed_rsv) != CloseCode::none) {
    fail(CloseCode::protocol_error, sink);
    return false;
  }
  phase_ = Phase::payload;
  frame_remaining_ = frame_.payload_length;
  mask_phase_ = 0;
  if (is_control_opcode(frame_.opcode)) return true;

  const bool continuation = frame_.opcode == static_cast<std::uint8_t>(Opcode::continuation);
  if (continuation != (message_opcode_ != 0)) {  // 5.4: no orphan continuation, no nesting
    fail(CloseCode::protocol_error, sink);
    return false;
  }
  if (!continuation) {
    message_opcode_ = frame_.opcode;
    message_size_ = 0;
    utf8_.reset();
  }
  if (frame_.payload_length > options_.max_message_size - message_size_) {
    fail(CloseCode::message_too_big, sink);
    return false;
  }
  message_size_ += frame_.payload_length;
  return true;
}

std::size_t MessageReader::read_payload(std::span<std::uint8_t> bytes, MessageSink& sink) {
  const bool unfragmented = frame_.fin || is_control_opcode(frame_.opcode);
  const bool first_byte = frame_remaining_ == frame_.payload_length;
  const bool standalone = is_control_opcode(frame_.opcode) ||
                          frame_.opcode != static_cast<std::uint8_t>(Opcode::continuation);
  if (unfragmented && standalone && first_byte && bytes.size() >= frame_remaining_) {
    // The zero-copy path: the whole frame is here and is a whole message.
    const auto payload = bytes.first(frame_remaining_);
    if (frame_.masked) core::unmask_in_place(payload.data(), payload.size(), frame_.mask, 0);
    frame_remaining_ = 0;
    phase_ = Phase::header;
    if (deliver_whole_frame(payload, sink)) return payload.size();
    return bytes.size();
  }

  // The copying path: unmask while moving into the message (or control) buffer.
  const std::size_t n =
      static_cast<std::size_t>(std::min<std::uint64_t>(frame_remaining_, bytes.size()));
  const bool control = is_control_opcode(frame_.opcode);
  if (!control && !charge_growth(n)) {
    fail(CloseCode::try_again_later, sink);  // the server's memory budget is spent
    return bytes.size();
  }
  std::uint8_t* destination = control ? control_ + control_size_ : message_.prepare(n);
  if (frame_.masked) {
    mask_phase_ = static_cast<std::uint8_t>(
        core::unmask_copy(destination, bytes.data(), n, frame_.mask, mask_phase_));
  } else if (n > 0) {
    std::memcpy(destination, bytes.data(), n);
  }
  stats_.bytes_copied += n;
  frame_remaining_ -= n;
  if (control) {
    control_size_ += static_cast<std::uint8_t>(n);
  } else {
    message_.commit(n);
    // 8.1: fail as soon as the text so far cannot be valid, mid-frame too.
    if (message_opcode_ == static_cast<std::uint8_t>(Opcode::text) &&
        !utf8_.feed({destination, n})) {
      fail(CloseCode::invalid_payload, sink);
      return bytes.size();
    }
  }
  if (frame_remaining_ == 0) {
    phase_ = Phase::header;
    end_frame(sink);
  }
  return n;
}

// Returns false if the frame ended the reader (a close, or a failure).
bool MessageReader::deliver_whole_frame(std::span<std::uint8_t> payload, MessageSink& sink) {
  if (is_control_opcode(frame_.opcode)) {
    handle_control(frame_.opcode, payload, sink);
  } else if (message_opcode_ == static_cast<std::uint8_t>(Opcode::text) &&
             !core::is_valid_utf8(payload)) {
    fail(CloseCode::invalid_payload, sink);
  } else {
    deliver_message(payload, sink);
  }
  return phase_ != Phase::finished;
}

void MessageReader::end_frame(MessageSink& sink) {
  if (is_control_opcode(frame_.opcode)) {
    const std::uint8_t size = control_size_;
    control_size_ = 0;
    return handle_control(frame_.opcode, {control_, size}, sink);
  }
  if (!frame_.fin) return;  // more fragments to come
  if (message_opcode_ == static_cast<std::uint8_t>(Opcode::text) && !utf8_.complete())
    return fail(CloseCode::invalid_payload, sink);  // ends inside a code point
  deliver_message(message_.data(), sink);
  message_.clear();
  release_message();
}

// Whether the memory account allows what room for n more bytes would add.
bool MessageReader::charge_growth(std::size_t n) {
  const std::size_t growth = message_.growth_for(n);
  return growth == 0 || !options_.memory || options_.memory->try_charge(growth);
}

void MessageReader::release_message() {
  if (options_.memory) options_.memory->refund(message_.capacity());
  message_.clear();
  message_.release();
}

void MessageReader::handle_control(std::uint8_t opcode, std::span<const std::uint8_t> payload,
                                   MessageSink& sink) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::ping:
      return sink.on_ping(payload);
    case Opcode::pong:
      return sink.on_pong(payload);
    default:
      return handle_close(payload, sink);
  }
}

// 5.5.1 and 7.4: empty, or a valid code plus an optional UTF-8 reason.
void MessageReader::handle_close(std::span<const std::uint8_t> payload, MessageSink& sink) {
  if (payload.empty()) {
    phase_ = Phase::finished;
    release_message();  // a message cut by the close is never delivered
    return sink.on_close(static_cast<std::uint16_t>(CloseCode::no_status), {});
  }
  if (payload.size() == 1) return fail(CloseCode::protocol_error, sink);
  const std::uint16_t code = read_big_endian_16(payload.data());
  if (!is_valid_wire_close_code(code)) return fail(CloseCode::protocol_error, sink);
  const auto reason = payload.subspan(2);
  if (!core::is_valid_utf8(reason)) return fail(CloseCode::invalid_payload, sink);
  phase_ = Phase::finished;
  release_message();
  sink.on_close(code, {reinterpret_cast<const char*>(reason.data()), reason.size()});
}

void MessageReader::deliver_message(std::span<const std::uint8_t> payload, MessageSink& sink) {
  const auto opcode = static_cast<Opcode>(message_opcode_);
  message_opcode_ = 0;
  ++stats_.messages;
  sink.on_message(opcode, payload);
}

void MessageReader::fail(CloseCode code, MessageSink& sink) {
  phase_ = Phase::finished;
  release_message();  // a failed message is never delivered: give its memory back now
  sink.on_fail(code);
}

}  // namespace ws
