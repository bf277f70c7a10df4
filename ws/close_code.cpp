// ws/close_code.cpp: the close code table of RFC 6455 7.4.
#include "ws/close_code.hpp"

#include <cstring>

namespace ws {

bool is_valid_wire_close_code(std::uint16_t code) noexcept {
  // 7.4.2: 0-999 are not used; 1000-2999 belong to the protocol and only the
  // defined ones may be sent; 3000-3999 are registered with IANA for
  // libraries and frameworks; 4000-4999 are private use. Above that nothing.
  if (code >= 3000) return code <= 4999;
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::normal:
    case CloseCode::going_away:
    case CloseCode::protocol_error:
    case CloseCode::unsupported_data:
    case CloseCode::invalid_payload:
    case CloseCode::policy_violation:
    case CloseCode::message_too_big:
    case CloseCode::mandatory_extension:
    case CloseCode::internal_error:
    case CloseCode::service_restart:
    case CloseCode::try_again_later:
    case CloseCode::bad_gateway:
      return true;
    // 7.4.1: 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close
    // control frame by an endpoint"; they exist for APIs and logs. 1004 is
    // reserved with no meaning yet.
    case CloseCode::none:
    case CloseCode::no_status:
    case CloseCode::abnormal:
    case CloseCode::tls_handshake:
      return false;
  }
  return false;  // every other code below 3000: undefined
}

std::string_view describe(CloseCode code) noexcept {
  switch (code) {
    case CloseCode::none:
      return "none";
    case CloseCode::normal:
      return "normal";
    case CloseCode::going_away:
      return "going away";
    case CloseCode::protocol_error:
      return "protocol error";
    case CloseCode::unsupported_data:
      return "unsupported data";
    case CloseCode::no_status:
      return "no status";
    case CloseCode::abnormal:
      return "abnormal closure";
    case CloseCode::invalid_payload:
      return "invalid payload";
    case CloseCode::policy_violation:
      return "policy violation";
    case CloseCode::message_too_big:
      return "message too big";
    case CloseCode::mandatory_extension:
      return "mandatory extension";
    case CloseCode::internal_error:
      return "internal error";
    case CloseCode::service_restart:
      return "service restart";
    case CloseCode::try_again_later:
      return "try again later";
    case CloseCode::bad_gateway:
      return "bad gateway";
    case CloseCode::tls_handshake:
      return "TLS handshake failure";
  }
  const auto raw = static_cast<std::uint16_t>(code);
  if (raw >= 3000 && raw <= 3999) return "registered";
  if (raw >= 4000 && raw <= 4999) return "private use";
  return "unknown";
}

std::string_view cut_close_reason(std::string_view reason) noexcept {
  constexpr std::size_t limit = 123;  // 125 bytes of control payload less the code
  if (reason.size() <= limit) return reason;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;
  return reason.substr(0, end);
}

std::size_t write_close_payload(std::uint8_t* out, std::uint16_t code,
                                std::string_view reason) noexcept {
  if (code == static_cast<std::uint16_t>(CloseCode::no_status)) return 0;
  out[0] = static_cast<std::uint8_t>(code >> 8);
  out[1] = static_cast<std::uint8_t>(code);
  if (!reason.empty()) std::memcpy(out + 2, reason.data(), reason.size());
  return 2 + reason.size();
}

}  // namespace ws
