#include "tools/wscat_input.hpp"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <utility>

namespace wscat {

LineReader::LineReader(net::EventLoop& loop, std::function<void(std::string)> on_line,
                       std::function<void()> on_end, std::size_t max_in_flight)
    : loop_(loop),
      on_line_(std::move(on_line)),
      on_end_(std::move(on_end)),
      max_in_flight_(max_in_flight) {}

void LineReader::start() {
  std::thread([this] { run(); }).detach();
}

void LineReader::consumed() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  room_.notify_one();
}

void LineReader::wait_for_room() {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [this] { return in_flight_ < max_in_flight_; });
  ++in_flight_;
}

// defer() false: the loop has finished, nobody wants more lines.
void LineReader::run() {
  std::string line;
  while (std::getline(std::cin, line)) {
    wait_for_room();
    if (!loop_.defer([this, l = std::move(line)]() mutable { on_line_(std::move(l)); })) return;
    line = {};
  }
  loop_.defer([this] { on_end_(); });
}

namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_interrupts() {
  const sigset_t set = interrupt_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void start_interrupt_thread(net::EventLoop& loop, std::function<void()> on_interrupt) {
  std::thread([&loop, on_interrupt = std::move(on_interrupt)] {
    const sigset_t set = interrupt_signals();
    int signal = 0;
    while (sigwait(&set, &signal) != 0) {
    }
    loop.defer(on_interrupt);
    while (sigwait(&set, &signal) != 0) {
    }
    // The close handshake has not finished and the user insists.
    std::fputs("\nwscat: interrupted\n", stderr);
    std::_Exit(130);
  }).detach();
}

}  // namespace wscat
