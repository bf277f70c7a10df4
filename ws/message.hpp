// A whole WebSocket message as handlers receive it, server and client alike.
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

}  // namespace ws
