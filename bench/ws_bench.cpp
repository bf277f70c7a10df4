// The WebSocket layer's hot paths, through the real code: ws::MessageReader
// for a data frame, and the opening handshake.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <string_view>

#include "bench/benchmarks.hpp"
#include "bench/corpus.hpp"
#include "ws/frame.hpp"
#include "ws/http_request.hpp"
#include "ws/message_reader.hpp"
#include "ws/upgrade.hpp"

namespace wsbench {
namespace {

// Counts what arrives and keeps the payload alive for the optimizer.
class NullSink final : public ws::MessageSink {
 public:
  void on_message(ws::Opcode, std::span<const std::uint8_t> payload) override {
    benchmark::DoNotOptimize(payload.data());
    ++messages;
  }
  void on_ping(std::span<const std::uint8_t>) override {}
  void on_pong(std::span<const std::uint8_t>) override {}
  void on_close(std::uint16_t, std::string_view) override { failed = true; }
  void on_fail(ws::CloseCode) override { failed = true; }

  std::int64_t messages = 0;
  bool failed = false;
};

// One masked text frame of `size` bytes of English-like text, fed whole to a
// server-side MessageReader: the zero-copy path of every single-frame message
// (header parse and checks, in-place unmask, UTF-8 validation, delivery as a
// view). The reader unmasks in place, so each iteration first copies the
// pristine frame into a scratch buffer: the figure INCLUDES that memcpy of
// header + payload (compare BM_Memcpy at the same size). Bytes/second counts
// payload bytes; items/second counts messages.
void frame_parse(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::vector<std::uint8_t> payload = make_corpus(Corpus::ascii, size);
  const std::uint8_t mask[4] = {0x37, 0xFA, 0x21, 0x3D};

  AlignedBytes frame(ws::max_frame_header_size + size);
  const std::size_t header_size =
      ws::write_frame_header(frame.data(), ws::Opcode::text, true, size, mask);
  for (std::size_t i = 0; i < size; ++i) frame.data()[header_size + i] = payload[i] ^ mask[i & 3];
  const std::size_t frame_size = header_size + size;
  AlignedBytes scratch(frame_size);

  ws::ReaderOptions options;
  options.max_message_size = 2 * size + 1024;
  ws::MessageReader reader(options);
  NullSink sink;
  for (auto _ : state) {
    std::memcpy(scratch.data(), frame.data(), frame_size);
    reader.feed({scratch.data(), frame_size}, sink);
  }
  if (sink.failed || sink.messages != static_cast<std::int64_t>(state.iterations())) {
    state.SkipWithError("the reader did not deliver every frame as a message");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// What Chrome sends to ws://localhost:9001/echo from a page on the same origin.
constexpr std::string_view browser_request =
    "GET /echo HTTP/1.1\r\n"
    "Host: localhost:9001\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://localhost:9001\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

// The server's work for one opening handshake, minus the syscalls: parse the
// head in place (a fresh HttpRequest each time, as the server does), check it
// against RFC 6455 4.2.1 with the default options (same-origin check), and
// write the 101 with Sec-WebSocket-Accept (OpenSSL SHA-1 + base64) into a
// string whose capacity is reused. Items/second counts handshakes.
void handshake(benchmark::State& state) {
  const ws::UpgradeOptions options;
  std::string response;
  response.reserve(256);
  for (auto _ : state) {
    ws::HttpRequest request;
    std::size_t scanned = 0;
    const int parsed = ws::parse_http_request(browser_request, request, scanned);
    const ws::UpgradeRejection rejection = ws::check_upgrade_request(request, options);
    if (parsed != static_cast<int>(browser_request.size()) || rejection.status != 0) {
      state.SkipWithError("the browser request was not accepted");
      break;
    }
    response.clear();
    ws::append_upgrade_response(response, request, options);
    benchmark::DoNotOptimize(response.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * browser_request.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

void register_ws_benchmarks() {
  benchmark::RegisterBenchmark("BM_FrameParse", frame_parse)
      ->Arg(16)
      ->Arg(128)
      ->Arg(1024)
      ->Arg(16384)
      ->Arg(65536)
      ->Arg(1048576);
  benchmark::RegisterBenchmark("BM_Handshake", handshake);
}

}  // namespace wsbench
