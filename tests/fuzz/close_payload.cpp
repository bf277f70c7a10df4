// Fuzz harness: the Close frame payload rules (RFC 6455 5.5.1, 7.4, 8.1)
// through ws::MessageReader, with one Close frame built from the input.
//
// Checks:
// - ws::is_valid_wire_close_code (ws/close_code.hpp) agrees with the RFC's
//   table (rfc6455::wire_close_code_allowed) for the frame's code;
// - the reader, fed the frame whole and one byte at a time, reports the
//   model's verdict (tests/fuzz/rfc6455_model.hpp): close 1005 for an empty
//   payload, fail 1002 for 1 byte, for a code not allowed on the wire or for
//   a payload over 125 bytes, fail 1007 for a reason that is not UTF-8, else
//   close with the code and the reason;
// - the same when the Close arrives in the middle of a fragmented text
//   message (control frames may come between fragments, 5.4).
//
// Input:
//   byte 0     bit 0: receive as a client (the frame is then unmasked);
//              bit 1: send an unfinished text fragment first
//   bytes 1-4  the mask key
//   the rest   the Close payload (at most 130 bytes are used), starting with
//              the code, big-endian
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/reader_check.hpp"
#include "ws/close_code.hpp"

namespace {

// A frame, written here from 5.2 rather than with ws::write_frame_header.
void append_frame(fuzz::Bytes& out, std::uint8_t first_byte, std::span<const std::uint8_t> payload,
                  const std::uint8_t* key) {
  out.push_back(first_byte);
  const std::uint8_t mask_bit = key != nullptr ? 0x80 : 0;
  if (payload.size() <= 125) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | payload.size()));
  } else {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(payload.size()));
  }
  if (key != nullptr) out.insert(out.end(), key, key + 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(key != nullptr ? payload[i] ^ key[i % 4] : payload[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  const std::uint8_t flags = in.byte();
  std::uint8_t key[4];
  for (std::uint8_t& k : key) k = in.byte();
  const std::span<const std::uint8_t> payload = in.take(130);

  fuzz::rfc6455::Config config;
  config.server = (flags & 1) == 0;
  const std::uint8_t* mask = config.server ? key : nullptr;

  if (payload.size() >= 2) {
    const auto code = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
    FUZZ_CHECK(ws::is_valid_wire_close_code(code) == fuzz::rfc6455::wire_close_code_allowed(code),
               "is_valid_wire_close_code(" + std::to_string(code) + ")");
  }

  fuzz::Bytes stream;
  if (flags & 2) {
    const std::uint8_t fragment[] = {'h', 0xC3};  // ends inside a code point: still valid so far
    append_frame(stream, 0x01, fragment, mask);   // FIN clear, text
  }
  append_frame(stream, 0x88, payload, mask);  // FIN, close

  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  fuzz::check_reader_against_model(stream, config, every_byte);

  // The verdict, stated directly: the model must agree with it too.
  using fuzz::rfc6455::Event;
  using fuzz::rfc6455::EventKind;
  Event verdict{EventKind::close, 1005, {}};
  if (payload.size() > 125 || payload.size() == 1) {
    verdict = {EventKind::fail, 1002, {}};
  } else if (payload.size() >= 2) {
    const auto code = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
    verdict = {EventKind::close, code, {payload.begin() + 2, payload.end()}};
    if (!fuzz::rfc6455::wire_close_code_allowed(code))
      verdict = {EventKind::fail, 1002, {}};
    else if (!core::utf8_reference::check(verdict.payload).complete)
      verdict = {EventKind::fail, 1007, {}};
  }
  const fuzz::rfc6455::Outcome model = fuzz::rfc6455::decode(stream, config);
  FUZZ_CHECK(model.events == std::vector<Event>{verdict},
             "model " + fuzz::rfc6455::describe(model.events) + ", verdict " +
                 fuzz::rfc6455::describe(verdict));
  return 0;
}
