// ByteBuffer: a growable run of bytes, appended at the back, consumed from
// the front. It backs a connection's output queue and the assembly of a
// message that arrived in pieces.
//
// Contract: data() views the unconsumed bytes; any append/prepare may move
// them (views taken before are invalidated). Consumed space is reclaimed by
// sliding the live bytes down when that avoids growing. An empty buffer that
// was released owns no memory, so an idle connection costs nothing here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace core {

class ByteBuffer {
 public:
  ByteBuffer() = default;

  std::span<const std::uint8_t> data() const noexcept { return {storage_.get() + begin_, size()}; }
  std::span<std::uint8_t> data() noexcept { return {storage_.get() + begin_, size()}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return begin_ == end_; }
  std::size_t capacity() const noexcept { return capacity_; }

  void append(std::span<const std::uint8_t> bytes);
  // Room for `n` more bytes at the back; write them, then commit(k <= n).
  std::uint8_t* prepare(std::size_t n);
  void commit(std::size_t n) noexcept { end_ += n; }
  void consume(std::size_t n) noexcept;
  // Keeps the first `n` bytes (all of them if there are fewer).
  void truncate(std::size_t n) noexcept {
    if (n < size()) end_ = begin_ + n;
  }
  void clear() noexcept { begin_ = end_ = 0; }
  // Frees the storage (only if empty): idle connections keep no memory.
  void release() noexcept;
  // How much capacity prepare(n) would add (0: it fits, perhaps by sliding),
  // so an owner can ask its memory budget before growing.
  std::size_t growth_for(std::size_t n) const noexcept {
    return capacity_ - end_ >= n ? 0 : growth_beyond_end(n);  // the common case inline
  }

 private:
  void make_room(std::size_t n);
  std::size_t grown_capacity(std::size_t n) const noexcept;
  std::size_t growth_beyond_end(std::size_t n) const noexcept;

  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace core
