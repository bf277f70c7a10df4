// tests/fuzz/reader_check.hpp: drives ws::MessageReader over a byte stream,
// whole or cut into pieces, records what it reports as rfc6455::Event values
// and holds the result against the model (tests/fuzz/rfc6455_model.hpp).
// Shared by the message_reader and close_payload harnesses.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/rfc6455_model.hpp"
#include "ws/message_reader.hpp"

namespace fuzz {

struct RecordingSink : ws::MessageSink {
  std::vector<rfc6455::Event> events;

  static Bytes copy(std::span<const std::uint8_t> p) { return {p.begin(), p.end()}; }
  void on_message(ws::Opcode opcode, std::span<const std::uint8_t> payload) override {
    FUZZ_CHECK(opcode == ws::Opcode::text || opcode == ws::Opcode::binary,
               "on_message with opcode " + std::to_string(static_cast<int>(opcode)));
    events.push_back(
        {opcode == ws::Opcode::text ? rfc6455::EventKind::text : rfc6455::EventKind::binary, 0,
         copy(payload)});
  }
  void on_ping(std::span<const std::uint8_t> p) override {
    events.push_back({rfc6455::EventKind::ping, 0, copy(p)});
  }
  void on_pong(std::span<const std::uint8_t> p) override {
    events.push_back({rfc6455::EventKind::pong, 0, copy(p)});
  }
  void on_close(std::uint16_t code, std::string_view reason) override {
    events.push_back({rfc6455::EventKind::close, code, Bytes(reason.begin(), reason.end())});
  }
  void on_fail(ws::CloseCode code) override {
    events.push_back({rfc6455::EventKind::fail, static_cast<std::uint16_t>(code), {}});
  }
};

inline ws::ReaderOptions reader_options(const rfc6455::Config& config) {
  ws::ReaderOptions options;
  options.role = config.server ? ws::Role::server : ws::Role::client;
  options.max_message_size = config.max_message_size;
  options.allowed_rsv = config.allowed_rsv;
  return options;
}

struct ReaderRun {
  std::vector<rfc6455::Event> events;
  ws::ReaderStats stats;
  bool finished = false;
};

// Feeds `stream` cut at `cuts` (ascending offsets, repeats allowed: an empty
// feed), each piece in a heap block of its own exact size, so that a read
// past a piece's end is an AddressSanitizer report.
inline ReaderRun run_reader(std::span<const std::uint8_t> stream, const rfc6455::Config& config,
                            const std::vector<std::size_t>& cuts = {}) {
  ws::MessageReader reader(reader_options(config));
  RecordingSink sink;
  std::size_t from = 0;
  auto feed_to = [&](std::size_t to) {
    ExactCopy piece(stream.subspan(from, to - from));
    reader.feed(piece.span(), sink);
    from = to;
  };
  for (std::size_t cut : cuts) feed_to(cut);
  feed_to(stream.size());
  // After on_close or on_fail the reader is finished and reports nothing more.
  const bool ended =
      !sink.events.empty() && (sink.events.back().kind == rfc6455::EventKind::close ||
                               sink.events.back().kind == rfc6455::EventKind::fail);
  FUZZ_CHECK(reader.finished() == ended, "finished() disagrees with the last event");
  return {std::move(sink.events), reader.stats(), reader.finished()};
}

inline std::string describe_config(const rfc6455::Config& config) {
  return std::string(config.server ? "server" : "client") +
         " max=" + std::to_string(config.max_message_size) +
         " rsv=" + std::to_string(config.allowed_rsv);
}

// The reader's events, fed whole and fed cut, must be the model's.
inline void check_reader_against_model(std::span<const std::uint8_t> stream,
                                       const rfc6455::Config& config,
                                       const std::vector<std::size_t>& cuts) {
  const rfc6455::Outcome model = rfc6455::decode(stream, config);
  const ReaderRun whole = run_reader(stream, config);
  auto context = [&] { return describe_config(config) + " stream=" + hex(stream); };
  FUZZ_CHECK(whole.events == model.events, "fed whole: reader " + rfc6455::describe(whole.events) +
                                               " model " + rfc6455::describe(model.events) +
                                               "\n  " + context());
  const ReaderRun cut = run_reader(stream, config, cuts);
  auto cut_list = [&] {
    std::string out;
    for (std::size_t c : cuts) out += " " + std::to_string(c);
    return out;
  };
  FUZZ_CHECK(cut.events == whole.events, "fed cut at" + cut_list() + ": " +
                                             rfc6455::describe(cut.events) + " whole " +
                                             rfc6455::describe(whole.events) + "\n  " + context());

  std::uint64_t messages = 0;
  for (const rfc6455::Event& e : model.events)
    messages += e.kind == rfc6455::EventKind::text || e.kind == rfc6455::EventKind::binary;
  FUZZ_CHECK(whole.stats.messages == messages && cut.stats.messages == messages,
             "stats().messages " + std::to_string(whole.stats.messages) + " / " +
                 std::to_string(cut.stats.messages) + ", expected " + std::to_string(messages));
  // Zero copy (ws/message_reader.hpp): fed whole, only the fragments of
  // fragmented messages are copied.
  if (model.clean_end)
    FUZZ_CHECK(whole.stats.bytes_copied == model.fragment_bytes,
               "fed whole, bytes_copied " + std::to_string(whole.stats.bytes_copied) +
                   ", fragments hold " + std::to_string(model.fragment_bytes) + "\n  " + context());
}

}  // namespace fuzz
