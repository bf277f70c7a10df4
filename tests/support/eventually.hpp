// tests/support/eventually.hpp: waiting for another thread (a server's
// loop, a handler) to make something true, with a bound, by polling.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace wstest {

// True as soon as `condition` holds; false if it still does not after `timeout`.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace wstest
