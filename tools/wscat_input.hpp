// The two threads beside wscat's loop, each handing what it gets to the
// loop with EventLoop::defer: stdin's lines, and SIGINT/SIGTERM.
//
// Both threads are detached and never joined: a blocking read of stdin
// cannot be interrupted portably, so wscat ends with std::_Exit while they
// may still be waiting, and the objects they use (the loop, the reader)
// must live until then.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "net/event_loop.hpp"

namespace wscat {

// Reads stdin with std::getline. At most `max_in_flight` lines are handed
// over and not yet consumed(): a large piped file waits in the pipe, not in
// memory, while the server is slower than the input.
class LineReader {
 public:
  LineReader(net::EventLoop& loop, std::function<void(std::string)> on_line,
             std::function<void()> on_end, std::size_t max_in_flight = 256);
  void start();
  // Any thread (the loop's): a line handed over has been dealt with.
  void consumed();

 private:
  void run();
  void wait_for_room();

  net::EventLoop& loop_;
  std::function<void(std::string)> on_line_;
  std::function<void()> on_end_;
  const std::size_t max_in_flight_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t in_flight_ = 0;
};

// Blocks SIGINT and SIGTERM in the calling thread and so in every thread it
// starts later: call first in main, before any thread.
void block_interrupts();

// A thread that waits for SIGINT or SIGTERM: the first runs `on_interrupt`
// on the loop; the next one ends the process at once, status 130.
void start_interrupt_thread(net::EventLoop& loop, std::function<void()> on_interrupt);

}  // namespace wscat
