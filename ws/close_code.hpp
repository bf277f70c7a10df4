// ws/close_code.hpp: WebSocket close status codes (RFC 6455 7.4).
//
// Contract:
// - CloseCode names every code this server sends, logs or reports; `none` is
//   our own "no error" value and never goes on the wire.
// - is_valid_wire_close_code() says whether a peer may put a code in a Close
//   frame; a Close frame carrying any other code is a protocol error (7.4.1,
//   7.4.2), answered with 1002.
// - Pure functions: no allocation, no exceptions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ws {

enum class CloseCode : std::uint16_t {
  none = 0,
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  unsupported_data = 1003,
  no_status = 1005,  // reserved: "no code was present"
  abnormal = 1006,   // reserved: "closed without a Close frame"
  invalid_payload = 1007,
  policy_violation = 1008,
  message_too_big = 1009,
  mandatory_extension = 1010,
  internal_error = 1011,
  service_restart = 1012,  // 1012..1014: IANA registry, not in RFC 6455
  try_again_later = 1013,
  bad_gateway = 1014,
  tls_handshake = 1015,  // reserved: "TLS handshake failed"
};

// RFC 6455 7.4: may this code appear in a Close frame on the wire?
// Yes: 1000-1003, 1007-1014, 3000-4999. No: <1000, 1004, 1005, 1006, 1015,
// 1016-2999, >=5000.
bool is_valid_wire_close_code(std::uint16_t code) noexcept;

// Short English name for logs ("normal", "protocol error", ...). Codes outside
// the enum get a name for their range ("registered", "private use", "unknown").
std::string_view describe(CloseCode code) noexcept;

// The longest prefix of `reason` that fits a close frame beside its code
// (123 bytes, 5.5) without ending inside a UTF-8 sequence: a reason cut
// mid-character would make the peer fail the connection with 1007 (8.1).
std::string_view cut_close_reason(std::string_view reason) noexcept;

// Writes a close frame's payload (5.5.1) into `out` (room for 125 bytes):
// nothing for 1005 (no status), else the code big-endian and the reason,
// already cut. Returns its size.
std::size_t write_close_payload(std::uint8_t* out, std::uint16_t code,
                                std::string_view reason) noexcept;

}  // namespace ws
