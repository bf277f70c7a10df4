// Fuzz harness: ws::MessageReader (ws/message_reader.hpp) against the
// independent whole-buffer model of RFC 6455 5.2-5.5 and 8.1
// (tests/fuzz/rfc6455_model.hpp).
//
// Checks, for one byte stream received as a server (frames must be masked) or
// as a client (frames must not be), with a message size limit and the RSV
// bits an extension may allow:
// - fed whole, the reader reports exactly the model's events: each message
//   (opcode and payload), each ping and pong, then the close (code, reason)
//   or the failure (1002, 1007, 1009), and nothing after it;
// - fed cut at up to 7 points (empty pieces too), each piece in a block of
//   its own exact size, it reports the same events;
// - stats().messages counts the messages; fed whole, stats().bytes_copied is
//   exactly the payload of fragmented messages (single-frame ones are
//   delivered in place);
// - no sanitizer report (a read past a piece, a leak, undefined behaviour).
//
// Input: an 18-byte prefix, then the stream.
//   byte 0      bit 0: receive as a client; bit 4: the size limit is bytes 1-2
//               (else 16 MiB); bit 5: allow the RSV bits in bits 1-3
//   bytes 1-2   the size limit, little-endian
//   byte 3      the number of cuts, low 3 bits (0-7)
//   bytes 4-17  7 cut offsets, little-endian u16, modulo the stream size + 1
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/reader_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t prefix = 18, max_cuts = 7;
  if (size < prefix) return 0;
  fuzz::InputReader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint16_t limit = in.u16();
  const std::size_t cut_count = in.byte() & 7;
  std::uint16_t cut_seeds[max_cuts];
  for (std::uint16_t& seed : cut_seeds) seed = in.u16();
  const std::span<const std::uint8_t> stream = in.rest();

  fuzz::rfc6455::Config config;
  config.server = (flags & 1) == 0;
  if (flags & 0x10) config.max_message_size = limit;
  if (flags & 0x20) config.allowed_rsv = (flags >> 1) & 7;

  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < cut_count; ++i) cuts.push_back(cut_seeds[i] % (stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());

  fuzz::check_reader_against_model(stream, config, cuts);
  return 0;
}
