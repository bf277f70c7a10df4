#include "net/output_queue.hpp"

#include <algorithm>
#include <cstring>

namespace net {

void OutputQueue::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

// Owned bytes behind a segment go into an owned segment at the back (a new
// one behind a shared frame), never into head_: the stream keeps its order.
// While pinned, head_ and the segments then queued are not written to either.
std::uint8_t* OutputQueue::prepare_in_segment(std::size_t n) {
  if (needs_new_segment()) {
    if (rest_.empty()) rest_front_ = 0;
    rest_.emplace_back();
  }
  core::ByteBuffer& target = rest_.back().owned;
  const std::size_t before = target.capacity();
  std::uint8_t* room = target.prepare(n);
  rest_owned_capacity_ += target.capacity() - before;
  return room;
}

std::size_t OutputQueue::growth_for(std::size_t n) const noexcept {
  if (!has_segments() && !pinned_) return head_.growth_for(n);
  if (!needs_new_segment()) return rest_.back().owned.growth_for(n);
  return core::ByteBuffer().growth_for(n);  // a new owned segment
}

void OutputQueue::append_shared(SharedBytesRef frame) {
  if (!frame || frame->size() == 0) return;
  size_ += frame->size();
  const std::size_t end = frame->size();
  rest_.push_back(Segment{std::move(frame), 0, end, {}});
}

std::size_t OutputQueue::gather(iovec* pieces, std::size_t max_pieces,
                                std::size_t limit) const noexcept {
  std::size_t count = 0;
  const auto add = [&](std::span<const std::uint8_t> bytes) {
    const std::size_t take = std::min(bytes.size(), limit);
    if (take == 0 || count == max_pieces) return false;
    pieces[count++] = iovec{const_cast<std::uint8_t*>(bytes.data()), take};  // iovec is not const
    limit -= take;
    return limit > 0;
  };
  if (!head_.empty() && !add(head_.data())) return count;
  for (std::size_t i = rest_front_; i < rest_.size(); ++i)
    if (!add(rest_[i].bytes())) break;
  return count;
}

void OutputQueue::consume_segments(std::size_t n) noexcept {
  n = std::min(n, size_);
  size_ -= n;
  const std::size_t from_head = std::min(n, head_.size());
  head_.consume(from_head);
  n -= from_head;
  while (n > 0) {
    Segment& front = rest_[rest_front_];
    const std::size_t available = front.bytes().size();
    if (n < available) {
      if (front.shared)
        front.offset += n;
      else
        front.owned.consume(n);
      return;
    }
    n -= available;
    pop_front_segment();
  }
  while (has_segments() && rest_[rest_front_].bytes().empty()) pop_front_segment();
}

void OutputQueue::pop_front_segment() noexcept {
  Segment& front = rest_[rest_front_++];
  rest_owned_capacity_ -= front.owned.capacity();
  front = Segment{};  // drops the reference now, not when the list is cleared
  if (rest_front_ == rest_.size()) {
    rest_.clear();
    rest_front_ = 0;
  } else if (rest_front_ >= 64 && rest_front_ * 2 >= rest_.size()) {
    // A queue that is never quite empty (a subscriber always a frame behind)
    // must not keep a slot for every frame it ever sent.
    rest_.erase(rest_.begin(), rest_.begin() + static_cast<std::ptrdiff_t>(rest_front_));
    rest_front_ = 0;
  }
}

void OutputQueue::truncate(std::size_t keep) noexcept {
  if (keep >= size_) return;
  size_ = keep;
  const std::size_t in_head = std::min(keep, head_.size());
  if (in_head < head_.size() && pinned_) {
    head_.truncate(in_head);            // in place: a send in flight reads from here
  } else if (in_head < head_.size()) {  // into a buffer of its size: the rest is memory given back
    core::ByteBuffer kept;
    kept.append(head_.data().first(in_head));
    head_ = std::move(kept);
  }
  keep -= in_head;
  std::size_t i = rest_front_;
  for (; i < rest_.size() && keep > 0; ++i) {
    Segment& segment = rest_[i];
    const std::size_t length = segment.bytes().size();
    if (keep >= length) {
      keep -= length;
      continue;
    }
    if (segment.shared)
      segment.end = segment.offset + keep;
    else
      segment.owned.truncate(keep);
    keep = 0;
    ++i;
    break;
  }
  for (std::size_t j = i; j < rest_.size(); ++j) rest_owned_capacity_ -= rest_[j].owned.capacity();
  rest_.erase(rest_.begin() + static_cast<std::ptrdiff_t>(i), rest_.end());
  if (!has_segments()) {
    rest_.clear();
    rest_front_ = 0;
  }
}

void OutputQueue::release_segments() noexcept {
  std::vector<Segment>().swap(rest_);
  rest_front_ = 0;
  rest_owned_capacity_ = 0;
}

}  // namespace net
