// Connection: one accepted socket on one event loop, seen from its protocol.
//
// write() queues bytes; the loop sends everything queued for a connection in
// one send() at the end of the loop iteration (corking), and again whenever
// the socket becomes writable. close_gracefully() flushes, half-closes (FIN),
// then drains the peer until it closes too or `linger` passes, so that our
// last bytes (a close frame, an HTTP error) are read by the peer rather than
// destroyed by a reset. abort() ends the connection now.
//
// Owned by its EventLoop; not thread-safe (loop thread only).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "core/byte_buffer.hpp"
#include "core/timer_wheel.hpp"
#include "net/stream_handler.hpp"
#include "net/unique_fd.hpp"

namespace net {

class EventLoop;

class Connection {
 public:
  Connection(EventLoop& loop, UniqueFd fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void set_handler(std::unique_ptr<StreamHandler> handler) { handler_ = std::move(handler); }

  // Queues bytes for sending (copied into the output queue).
  void write(std::span<const std::uint8_t> bytes);
  // Room for `n` bytes at the end of the output queue, for building a frame
  // in place; finish with commit_write(k <= n).
  std::uint8_t* prepare_write(std::size_t n);
  void commit_write(std::size_t n);
  std::size_t buffered_bytes() const noexcept { return output_.size(); }

  void close_gracefully(std::chrono::milliseconds linger);
  void abort() noexcept;

  bool open() const noexcept { return state_ == State::open; }
  EventLoop& loop() noexcept { return loop_; }
  int fd() const noexcept { return fd_.get(); }

 private:
  friend class EventLoop;
  enum class State : std::uint8_t { open, flushing, lingering, closed };

  void on_readable(std::span<std::uint8_t> receive_buffer);
  void on_writable();
  void flush();
  void after_output_drained();
  void mark_dirty();
  void finish() noexcept;

  EventLoop& loop_;
  UniqueFd fd_;
  std::unique_ptr<StreamHandler> handler_;
  core::ByteBuffer output_;
  core::Timer linger_timer_;
  std::chrono::milliseconds linger_{0};
  State state_ = State::open;
  bool dirty_ = false;             // queued in the loop's flush list
  bool waiting_writable_ = false;  // a send hit EAGAIN; on_drain is owed
};

}  // namespace net
