// OutputQueue: the bytes a connection has yet to send, as a queue of
// segments: bytes of its own (copied in), or references to shared frames
// (net::SharedBytes: built once by a publish, sent by every subscriber).
//
// The common case costs what a single byte buffer does: while no shared
// frame is queued, everything lives in one owned buffer (head_), and the
// segment list is empty (no allocation). A shared frame starts the list;
// owned bytes queued after it go into owned segments behind it, so the
// order of the byte stream is always the order of the writes.
//
// gather() describes the front as an iovec array for one sendmsg; consume()
// drops what the kernel took; truncate() keeps only the first bytes (the
// frame being sent, when a slow consumer's queue is discarded). Only owned
// bytes are charged to memory (owned_capacity()); a shared frame is charged
// once, where it was built.
//
// pin() holds every byte now queued where it is (a send in flight reads
// them from there: io_uring) until unpin(): what is appended meanwhile goes
// into a new owned segment behind them, and truncate() shortens in place.
// Nothing may be consumed while pinned.
//
// Single-threaded (the connection's loop); the shared frames it refers to
// may be referred to from other loops at the same time.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/byte_buffer.hpp"
#include "net/shared_bytes.hpp"

namespace net {

class OutputQueue {
 public:
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void append(std::span<const std::uint8_t> bytes);
  // Room for `n` owned bytes at the back; then commit(k <= n). No shared
  // frame may be appended in between.
  std::uint8_t* prepare(std::size_t n) {
    return has_segments() || pinned_ ? prepare_in_segment(n) : head_.prepare(n);
  }
  void commit(std::size_t n) noexcept {
    (has_segments() ? rest_.back().owned : head_).commit(n);
    size_ += n;
  }
  // What prepare(n) would add to owned_capacity() (0: it fits).
  std::size_t growth_for(std::size_t n) const noexcept;
  void append_shared(SharedBytesRef frame);

  // Fills up to `max_pieces` iovecs with the first bytes, at most `limit`
  // of them; returns how many iovecs it filled.
  std::size_t gather(iovec* pieces, std::size_t max_pieces, std::size_t limit) const noexcept;
  // While no frame is shared, the queue is one contiguous run: this one.
  bool contiguous() const noexcept { return !has_segments(); }
  std::span<const std::uint8_t> front() const noexcept { return head_.data(); }
  void consume(std::size_t n) noexcept {
    if (has_segments()) return consume_segments(n);
    head_.consume(n);
    size_ -= n;
  }
  // Keeps the first `keep` bytes and drops the rest (shared references too).
  void truncate(std::size_t keep) noexcept;
  void pin() noexcept {
    pinned_ = true;
    pinned_segments_ = rest_.size();
  }
  void unpin() noexcept { pinned_ = false; }

  // Frees owned storage once empty: an idle connection keeps no memory.
  void release() noexcept {
    if (!empty()) return;
    head_.clear();
    head_.release();
    if (rest_.capacity() > 0) release_segments();
  }

  std::size_t owned_capacity() const noexcept { return head_.capacity() + rest_owned_capacity_; }

 private:
  // One entry of the list behind head_: a shared frame (from `offset` to
  // `end`) or, when `shared` is null, owned bytes.
  struct Segment {
    SharedBytesRef shared;
    std::size_t offset = 0;
    std::size_t end = 0;
    core::ByteBuffer owned;

    std::span<const std::uint8_t> bytes() const noexcept {
      return shared ? shared->bytes().subspan(offset, end - offset) : owned.data();
    }
  };

  bool has_segments() const noexcept { return rest_front_ < rest_.size(); }
  // Appends need a new owned segment at the back: behind a shared frame,
  // or behind bytes a pin holds in place.
  bool needs_new_segment() const noexcept {
    return rest_.empty() || rest_.back().shared || (pinned_ && rest_.size() <= pinned_segments_);
  }
  std::uint8_t* prepare_in_segment(std::size_t n);
  void consume_segments(std::size_t n) noexcept;
  void pop_front_segment() noexcept;
  void release_segments() noexcept;

  core::ByteBuffer head_;      // owned bytes ahead of every segment
  std::vector<Segment> rest_;  // behind head_, in order; empty until a frame is shared
  std::size_t rest_front_ = 0;
  std::size_t rest_owned_capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t pinned_segments_ = 0;  // segments that existed at pin(), held in place
  bool pinned_ = false;
};

}  // namespace net
