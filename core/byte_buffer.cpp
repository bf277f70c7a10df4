#include "core/byte_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace core {

void ByteBuffer::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

std::uint8_t* ByteBuffer::prepare(std::size_t n) {
  if (capacity_ - end_ < n) make_room(n);
  return storage_.get() + end_;
}

void ByteBuffer::consume(std::size_t n) noexcept {
  begin_ += std::min(n, size());
  if (begin_ == end_) begin_ = end_ = 0;  // cheap reset keeps appends at the start
}

void ByteBuffer::release() noexcept {
  if (!empty()) return;
  storage_.reset();
  capacity_ = begin_ = end_ = 0;
}

// No room after the end: room by sliding (free), or by growing.
std::size_t ByteBuffer::growth_beyond_end(std::size_t n) const noexcept {
  const std::size_t live = size();
  if (capacity_ - live >= n && begin_ >= live) return 0;
  return grown_capacity(n) - capacity_;
}

std::size_t ByteBuffer::grown_capacity(std::size_t n) const noexcept {
  return std::max({size() + n, capacity_ * 2, std::size_t{4096}});
}

// Slide the live bytes down if that makes room; otherwise grow geometrically
// so that a message arriving in many reads costs amortized O(1) per byte.
void ByteBuffer::make_room(std::size_t n) {
  const std::size_t live = size();
  if (capacity_ - live >= n && begin_ >= live) {
    std::memmove(storage_.get(), storage_.get() + begin_, live);
  } else {
    const std::size_t wanted = grown_capacity(n);
    auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(wanted);
    if (live) std::memcpy(grown.get(), storage_.get() + begin_, live);
    storage_ = std::move(grown);
    capacity_ = wanted;
  }
  begin_ = 0;
  end_ = live;
}

}  // namespace core
