// Fuzz harness: the frame header codec (ws/frame.hpp, RFC 6455 5.2).
//
// Checks, on the input taken as the start of a frame:
// - parse_frame_header returns what the model's reading of 5.2 says
//   (rfc6455::read_header, tests/fuzz/rfc6455_model.hpp): 0 while the
//   header is incomplete, -1 once the top bit of a 64-bit length is there,
//   else the header size (2-14, at most the input) with every field
//   (FIN, RSV, opcode, mask bit and key, length) as the bytes say; a failed
//   parse leaves `out` untouched;
// - check_frame_header, for both roles and every allowed_rsv mask, fails
//   (1002) exactly where rfc6455::header_breaks_rules does: on disallowed
//   RSV bits, reserved opcodes, a control frame over 125 bytes or without
//   FIN, and a mask bit wrong for the role;
// - write_frame_header of the parsed fields writes the minimal length form,
//   and parsing that gives the same fields back; when the input was minimal
//   (and had no RSV bits), the same bytes.
// The header is parsed from a block of the input's exact size, so a read
// past it is an AddressSanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/rfc6455_model.hpp"
#include "ws/frame.hpp"

namespace {

std::string describe(const ws::FrameHeader& h) {
  return "fin=" + std::to_string(h.fin) + " rsv=" + std::to_string(h.rsv) +
         " opcode=" + std::to_string(h.opcode) + " masked=" + std::to_string(h.masked) +
         " mask=" + fuzz::hex(h.mask) + " length=" + std::to_string(h.payload_length) +
         " size=" + std::to_string(h.header_size);
}

bool same_fields(const ws::FrameHeader& a, const ws::FrameHeader& b) {
  return a.fin == b.fin && a.rsv == b.rsv && a.opcode == b.opcode && a.masked == b.masked &&
         (!a.masked || a.mask == b.mask) && a.payload_length == b.payload_length;
}

// The model's reading of 5.2 (tests/fuzz/rfc6455_model.hpp), as a FrameHeader.
int expected_parse(std::span<const std::uint8_t> b, ws::FrameHeader& out) {
  fuzz::rfc6455::Header h;
  const int result = fuzz::rfc6455::read_header(b, h);
  if (result <= 0) return result;
  out.fin = h.fin;
  out.rsv = h.rsv;
  out.opcode = h.opcode;
  out.masked = h.masked;
  std::memcpy(out.mask.data(), h.key, 4);
  out.payload_length = h.length;
  out.header_size = static_cast<std::uint8_t>(h.size);
  return result;
}

bool expected_violation(const ws::FrameHeader& f, ws::Role role, std::uint8_t allowed_rsv) {
  fuzz::rfc6455::Header h;
  h.fin = f.fin;
  h.rsv = f.rsv;
  h.opcode = f.opcode;
  h.masked = f.masked;
  h.length = f.payload_length;
  return fuzz::rfc6455::header_breaks_rules(h, role == ws::Role::server, allowed_rsv);
}

std::size_t minimal_size(const ws::FrameHeader& h) {
  const std::size_t length_bytes = h.payload_length <= 125 ? 0 : h.payload_length <= 0xFFFF ? 2 : 8;
  return 2 + length_bytes + (h.masked ? 4 : 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ExactCopy bytes({data, size});
  ws::FrameHeader parsed, expected;
  parsed.opcode = expected.opcode = 0xEE;  // a value parsing never writes: shows a write on failure
  const int result = ws::parse_frame_header(bytes.span(), parsed);
  const int want = expected_parse({data, size}, expected);
  FUZZ_CHECK(result == want, "parse returned " + std::to_string(result) + ", expected " +
                                 std::to_string(want) + " for " + fuzz::hex({data, size}, 14));
  if (result <= 0) {
    FUZZ_CHECK(parsed.opcode == 0xEE, "a failed parse wrote the header");
    return 0;
  }
  FUZZ_CHECK(same_fields(parsed, expected) && parsed.header_size == expected.header_size,
             "parsed " + describe(parsed) + ", expected " + describe(expected));

  for (const ws::Role role : {ws::Role::server, ws::Role::client}) {
    for (std::uint8_t allowed = 0; allowed < 8; ++allowed) {
      const ws::CloseCode verdict = ws::check_frame_header(parsed, role, allowed);
      const ws::CloseCode want_verdict = expected_violation(parsed, role, allowed)
                                             ? ws::CloseCode::protocol_error
                                             : ws::CloseCode::none;
      FUZZ_CHECK(verdict == want_verdict,
                 "check_frame_header " + std::to_string(static_cast<int>(verdict)) + " for " +
                     describe(parsed) + (role == ws::Role::server ? " as server" : " as client") +
                     " allowed_rsv=" + std::to_string(allowed));
    }
  }

  std::uint8_t written[ws::max_frame_header_size + 1];
  written[ws::max_frame_header_size] = 0xA5;  // must survive: the contract says 14 bytes at most
  const std::size_t written_size =
      ws::write_frame_header(written, static_cast<ws::Opcode>(parsed.opcode), parsed.fin,
                             parsed.payload_length, parsed.masked ? parsed.mask.data() : nullptr);
  FUZZ_CHECK(written_size == minimal_size(parsed) && written[ws::max_frame_header_size] == 0xA5,
             "wrote " + std::to_string(written_size) + " bytes for " + describe(parsed));
  ws::FrameHeader again;
  FUZZ_CHECK(
      ws::parse_frame_header({written, written_size}, again) == static_cast<int>(written_size),
      "the written header does not parse: " + fuzz::hex({written, written_size}));
  ws::FrameHeader without_rsv = parsed;
  without_rsv.rsv = 0;
  FUZZ_CHECK(same_fields(again, without_rsv),
             "round trip: " + describe(again) + ", wrote " + describe(without_rsv));
  if (parsed.rsv == 0 && parsed.header_size == written_size)
    FUZZ_CHECK(std::memcmp(written, data, written_size) == 0,
               "a minimal header was written differently: " + fuzz::hex({written, written_size}) +
                   " vs " + fuzz::hex({data, written_size}));
  return 0;
}
