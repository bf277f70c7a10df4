// Fuzz harness: ws::MessageReader in the client role (Role::client, what
// ws::Client reads a server's frames with), fed arbitrary bytes in arbitrary
// splits, held against the independent model of RFC 6455 5.2-5.5 and 8.1
// (tests/fuzz/rfc6455_model.hpp) as the message_reader harness holds the
// server role. The client never offers an extension, so no RSV bit is ever
// allowed.
//
// Checks, for one byte stream received by a client, with a message size
// limit (ClientOptions::read_limit):
// - fed whole, and fed cut at up to 15 points (empty pieces too, each piece
//   in a block of its own exact size), the reader reports exactly the
//   model's events: messages, pings, pongs, then the close or the failure
//   (1002, 1007, 1009) and nothing after it; stats() agree
//   (tests/fuzz/reader_check.hpp);
// - the client's own rule, stated here on its own (5.1: "A client MUST close
//   a connection if it detects a masked frame"): once the reader reaches a
//   frame header with the mask bit set, it has failed (1002) or had already
//   ended, on that header alone: the stream cut right after it gives the
//   same events as the whole (nothing past it was read);
// - behind a 101: the frames that arrive in the same read as a valid 101
//   start exactly where check_upgrade_response says the head ends, and
//   read from there give the same events as the stream on its own;
// - no sanitizer report.
//
// Input: a 34-byte prefix, then the stream.
//   byte 0      bit 0: the size limit is bytes 1-2 (else 16 MiB);
//               bit 1: also judge the stream behind a 101 (above)
//   bytes 1-2   the size limit, little-endian
//   byte 3      the number of cuts, low 4 bits (0-15)
//   bytes 4-33  15 cut offsets, little-endian u16, modulo the stream size + 1
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/reader_check.hpp"
#include "ws/client_handshake.hpp"
#include "ws/upgrade.hpp"

namespace {

// Where the first masked frame header of `stream` ends, walking frame by
// frame (5.2): 0 if no whole masked header is reached. Stops at a 64-bit
// length with its top bit set (the stream cannot go on past it).
std::size_t first_masked_header_end(std::span<const std::uint8_t> stream) {
  std::size_t at = 0;
  while (stream.size() - at >= 2) {
    const std::uint8_t len7 = stream[at + 1] & 0x7F;
    const std::size_t len_bytes = len7 == 127 ? 8 : len7 == 126 ? 2 : 0;
    const bool masked = (stream[at + 1] & 0x80) != 0;
    const std::size_t header = 2 + len_bytes + (masked ? 4 : 0);
    if (stream.size() - at < header) return 0;
    if (len_bytes == 8 && (stream[at + 2] & 0x80)) return 0;
    if (masked) return at + header;
    std::uint64_t length = len7;
    if (len_bytes > 0) {
      length = 0;
      for (std::size_t i = 0; i < len_bytes; ++i) length = length << 8 | stream[at + 2 + i];
    }
    if (length > stream.size() - at - header) return 0;
    at += header + static_cast<std::size_t>(length);
  }
  return 0;
}

void check_masked_frames_fail(std::span<const std::uint8_t> stream,
                              const fuzz::rfc6455::Config& config) {
  const std::size_t end = first_masked_header_end(stream);
  if (end == 0) return;
  const fuzz::ReaderRun whole = fuzz::run_reader(stream, config);
  FUZZ_CHECK(whole.finished && !whole.events.empty() &&
                 (whole.events.back().kind == fuzz::rfc6455::EventKind::close ||
                  whole.events.back().kind == fuzz::rfc6455::EventKind::fail),
             "a masked server frame did not end the connection: " +
                 fuzz::rfc6455::describe(whole.events) + " stream=" + fuzz::hex(stream));
  // Judged on its header: what follows it (its payload, later frames) is
  // never read, so the stream cut right after that header says the same.
  const fuzz::ReaderRun upto = fuzz::run_reader(stream.first(end), config);
  FUZZ_CHECK(upto.events == whole.events,
             "read past a masked header: " + fuzz::rfc6455::describe(whole.events) +
                 ", up to the header: " + fuzz::rfc6455::describe(upto.events) +
                 " stream=" + fuzz::hex(stream));
}

// A valid 101 for the RFC's example key, then the stream, in one buffer.
void check_behind_101(std::span<const std::uint8_t> stream, const fuzz::rfc6455::Config& config) {
  static constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";
  static const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      ws::compute_accept_key(key) + "\r\n\r\n";
  std::vector<std::uint8_t> buffer(head.begin(), head.end());
  buffer.insert(buffer.end(), stream.begin(), stream.end());
  fuzz::ExactCopy block(buffer);
  const ws::HandshakeCheck check =
      ws::check_upgrade_response({reinterpret_cast<const char*>(block.data()), block.size()}, key);
  FUZZ_CHECK(check.result == static_cast<int>(head.size()),
             "the 101 followed by frames: result " + std::to_string(check.result) + " (" +
                 std::string(check.reason) + "), the head is " + std::to_string(head.size()) +
                 " bytes; stream=" + fuzz::hex(stream));
  const fuzz::ReaderRun alone = fuzz::run_reader(stream, config);
  const fuzz::ReaderRun behind = fuzz::run_reader(
      std::span<const std::uint8_t>(block.data(), block.size()).subspan(head.size()), config);
  FUZZ_CHECK(alone.events == behind.events,
             "behind a 101: " + fuzz::rfc6455::describe(behind.events) +
                 ", alone: " + fuzz::rfc6455::describe(alone.events));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t prefix = 34, max_cuts = 15;
  if (size < prefix) return 0;
  fuzz::InputReader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint16_t limit = in.u16();
  const std::size_t cut_count = in.byte() & 15;
  std::uint16_t cut_seeds[max_cuts];
  for (std::uint16_t& seed : cut_seeds) seed = in.u16();
  const std::span<const std::uint8_t> stream = in.rest();

  fuzz::rfc6455::Config config;
  config.server = false;   // frames must come unmasked
  config.allowed_rsv = 0;  // the client offers no extension
  if (flags & 1) config.max_message_size = limit;

  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < cut_count; ++i) cuts.push_back(cut_seeds[i] % (stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());

  fuzz::check_reader_against_model(stream, config, cuts);
  check_masked_frames_fail(stream, config);
  if (flags & 2) check_behind_101(stream, config);
  return 0;
}
