// A whole WebSocket message as handlers receive it, server and client alike;
// and text seen as the bytes a frame carries.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ws/frame.hpp"

namespace ws {

// The payload is a view (often into the receive buffer itself): valid only
// during the handler's call; copy what you keep.
struct Message {
  Opcode opcode;
  std::span<const std::uint8_t> payload;

  bool is_text() const noexcept { return opcode == Opcode::text; }
  std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

// Text as the bytes of a payload (a view: no copy).
inline std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace ws
