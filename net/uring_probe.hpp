// What the running kernel lets an io_uring backend use (issue 12's
// `--backend auto`), found by trying each feature once rather than by the
// kernel's version: distributions backport features, and seccomp filters
// (containers) or kernel.io_uring_disabled forbid a ring on kernels that
// have one. The probe sets up a throwaway ring, registers a provided-buffer
// ring, and arms a multishot receive on a socketpair; everything it makes
// is torn down before it returns.
//
// Thread safety: reentrant; it touches nothing shared. Costs one ring setup
// (well under a millisecond): run it once at start-up.
#pragma once

#include <optional>
#include <string>

#include "net/backend.hpp"

namespace net {

struct UringSupport {
  // A ring could be set up at all; if not, why ("io_uring_setup: Operation
  // not permitted (kernel.io_uring_disabled = 2)", "... Function not
  // implemented").
  bool available = false;
  std::string unavailable_reason;
  // Setup flags for a ring only one thread submits to (6.0, 6.1): fewer
  // locks, and completions run at the submitter's wait, not by interrupt.
  bool single_issuer = false;
  bool defer_taskrun = false;
  // Provided buffer rings (5.19): receives take a loop-owned buffer only
  // when data arrives, so an idle connection owns no receive memory.
  bool buffer_ring = false;
  // A receive armed once completes for every arrival (6.0).
  bool multishot_recv = false;
  // Opcodes the kernel knows (io_uring_get_probe).
  bool send_zc = false;   // zero-copy send (6.0)
  bool msg_ring = false;  // ring-to-ring messages, for cross-loop wakeups (5.18)

  // The backend's minimum: a ring, provided buffer rings and multishot
  // receives. False with `what` naming the first one missing.
  bool usable(std::string& what) const;
};

UringSupport probe_uring();

// `--backend`: the one asked for, or (none asked: auto) io_uring where the
// kernel allows it and else epoll, with why not io_uring in `fallback`.
// Asking for io_uring where it is not usable throws std::runtime_error
// saying why.
struct BackendChoice {
  BackendKind kind = BackendKind::epoll;
  std::string fallback;  // auto chose epoll because of this; else empty
};
BackendChoice choose_backend(std::optional<BackendKind> wanted);

}  // namespace net
