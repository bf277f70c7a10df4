// --subscribers N --publishers P --rate R: publish-to-receipt latency on a
// route that sends every message to every client, the sender included
// (ws://HOST:PORT/broadcast).
//
// N + P connections; connection ids 0 .. P-1 are the publishers, the rest
// only receive (and answer pings). Publishers send on one schedule for the
// whole run, open loop: message k is due at load start + k / R and goes
// from publisher k mod P as its message number k / P, so each publisher
// sends at R / P and together they are even. A worker sends the messages of
// the publishers it holds (publisher p is on worker p mod --threads); one
// that holds none runs no ticker. Nothing is sent at or after the end of the
// window.
//
// A message carries (PubSubMessage) the publisher, its sequence number and
// its scheduled send time (steady clock, i.e. CLOCK_MONOTONIC: sender and
// receivers are one process), and a check of all three, in a 32-byte ASCII
// header, then the filler of PayloadPattern: --size is at least 32.
// Latency is receipt minus the scheduled time (no coordinated omission: a
// server that stalls is charged for the whole stall), recorded for messages
// scheduled inside the window; a receipt of one of those is a delivery.
//
// Every receiver (the publishers too) keeps, per publisher, the sequence
// number it expects next (PublisherSequences): a step back is reordered, a
// step forward skips messages, which count as lost at the end: after the
// window the loops keep running for --drain seconds at most, until every
// receiver holds every message sent (sent x (N + P)); what is still missing
// then is lost. Lost, reordered or corrupt messages fail the run.
//
// Loop thread only, like the connection that owns each object.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tools/wsload_payload.hpp"
#include "tools/wsload_stats.hpp"

namespace wsload {

// The pubsub message layout:
//   [0, 16)   PayloadPattern's stamp: sequence number and publisher id
//   [16, 28)  the scheduled send time, ns, 12 base-32 digits, low first
//   [28, 32)  a check: 20 bits of a hash of the three
//   [32, ..)  PayloadPattern's filler
class PubSubMessage {
 public:
  static constexpr std::size_t header_size = 32;

  // `pattern`: the worker's, built without the --broadcast check (its stamp
  // is 16 bytes), for messages of at least header_size bytes.
  explicit PubSubMessage(PayloadPattern& pattern) : pattern_(pattern), scratch_(pattern.size()) {}

  // The message publisher's number `seq` is, scheduled at `due`; valid until
  // the next call.
  std::span<const std::uint8_t> build(std::uint32_t publisher, std::uint64_t seq, Nanos due);

  // Reads publisher, sequence and due time from `payload`; false if it is not
  // exactly a message build() makes (header, check, filler, size).
  bool read(std::span<const std::uint8_t> payload, std::uint32_t& publisher, std::uint64_t& seq,
            Nanos& due) const;

 private:
  static std::uint64_t check(std::uint32_t publisher, std::uint64_t seq, Nanos due) noexcept;

  PayloadPattern& pattern_;
  std::vector<std::uint8_t> scratch_;
};

// What one receiver has had from each publisher.
class PublisherSequences {
 public:
  enum class Take : std::uint8_t { next, skipped, backwards };

  explicit PublisherSequences(std::uint32_t publishers) : next_(publishers, 0) {}

  std::uint32_t publishers() const noexcept { return static_cast<std::uint32_t>(next_.size()); }
  // Message `seq` of `publisher` (< publishers()) came.
  Take take(std::uint32_t publisher, std::uint64_t seq) noexcept {
    std::uint64_t& next = next_[publisher];
    if (seq < next) return Take::backwards;
    const Take take = seq == next ? Take::next : Take::skipped;
    next = seq + 1;
    return take;
  }
  std::uint64_t expected(std::uint32_t publisher) const noexcept { return next_[publisher]; }

 private:
  std::vector<std::uint64_t> next_;  // by publisher: the sequence number expected next
};

}  // namespace wsload
