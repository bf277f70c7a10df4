// Lookup: one host name resolved without blocking the loop. getaddrinfo(3)
// blocks (DNS, /etc/hosts, NSS), so it runs on a thread of its own and the
// answer comes back to the loop through EventLoop::defer. An IP literal
// ("127.0.0.1", "::1") needs no thread: it is parsed at once, and its
// answer is deferred all the same, so `done` never runs inside start().
//
// Addresses come in getaddrinfo's order (RFC 6724: usually IPv6 first when
// the host has a route for it); a client tries each in turn.
//
// Cancelling (destroying the Lookup) is immediate: the thread may still be
// inside getaddrinfo, which cannot be interrupted, but its answer is then
// dropped, and it never touches the loop again. So a Lookup may be
// destroyed at any time on the loop's thread; the loop must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/socket.hpp"

namespace net {

class EventLoop;

struct LookupResult {
  std::vector<SocketAddress> addresses;  // empty on failure
  std::string error;                     // gai_strerror's text on failure
};

class Lookup {
 public:
  using Done = std::function<void(LookupResult)>;

  // Starts resolving host:port (TCP); `done` runs once, on the loop's thread.
  static std::unique_ptr<Lookup> start(EventLoop& loop, const std::string& host, std::uint16_t port,
                                       Done done);
  ~Lookup();
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;

  struct Shared;  // between the loop and the resolving thread

 private:
  explicit Lookup(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
};

}  // namespace net
