#include "net/lookup.hpp"

#include <netdb.h>

#include <cstring>
#include <mutex>
#include <thread>

#include "net/event_loop.hpp"

namespace net {

struct Lookup::Shared {
  std::mutex mutex;
  EventLoop* loop;         // null once cancelled: the thread leaves the loop alone
  Done done;               // loop thread only
  bool cancelled = false;  // loop thread only
};

namespace {

LookupResult resolve(const std::string& host, std::uint16_t port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  LookupResult result;
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    result.error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return result;
  }
  for (const addrinfo* a = found; a; a = a->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    result.addresses.push_back(address);
  }
  ::freeaddrinfo(found);
  return result;
}

// The answer goes to the loop if the Lookup still wants it. The mutex keeps
// the loop from being let go of (cancel) between the check and defer().
void deliver(const std::shared_ptr<Lookup::Shared>& shared, LookupResult result) {
  std::lock_guard lock(shared->mutex);
  if (!shared->loop) return;
  shared->loop->defer([shared, result = std::move(result)]() mutable {
    if (shared->cancelled) return;
    shared->cancelled = true;  // once
    Lookup::Done done = std::move(shared->done);
    done(std::move(result));
  });
}

}  // namespace

std::unique_ptr<Lookup> Lookup::start(EventLoop& loop, const std::string& host, std::uint16_t port,
                                      Done done) {
  auto shared = std::make_shared<Shared>();
  shared->loop = &loop;
  shared->done = std::move(done);
  LookupResult literal = resolve(host, port, AI_NUMERICHOST);
  if (!literal.addresses.empty()) {
    deliver(shared, std::move(literal));
  } else {
    // Detached: it owns a share of `shared` and nothing else, so it may
    // outlive this Lookup (and finish its getaddrinfo) harmlessly.
    std::thread([shared, host, port] { deliver(shared, resolve(host, port, 0)); }).detach();
  }
  return std::unique_ptr<Lookup>(new Lookup(std::move(shared)));
}

Lookup::~Lookup() {
  shared_->cancelled = true;
  std::lock_guard lock(shared_->mutex);
  shared_->loop = nullptr;
}

}  // namespace net
