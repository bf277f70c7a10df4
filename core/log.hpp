// Minimal logging to stderr: one line per call, prefixed with the level.
// Not for the hot path: the server logs start-up, shutdown and rare errors.
#pragma once

#include <cstdio>
#include <utility>

namespace core {

template <typename... Args>
void log_error(const char* format, Args&&... args) {
  std::fprintf(stderr, "wsserver: error: ");
  std::fprintf(stderr, format, std::forward<Args>(args)...);
  std::fputc('\n', stderr);
}

}  // namespace core
