#include "net/lookup.hpp"

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

LookupResult resolve(const std::string& host, std::uint16_t port, bool numeric_only) {
  LookupResult result;
  try {
    result.addresses = resolve_tcp(host, port, numeric_only);
  } catch (const std::exception& error) {
    result.error = error.what();
  }
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
  LookupResult literal = resolve(host, port, true);
  if (!literal.addresses.empty()) {
    deliver(shared, std::move(literal));
  } else {
    // Detached: it owns a share of `shared` and nothing else, so it may
    // outlive this Lookup (and finish its getaddrinfo) harmlessly.
    std::thread([shared, host, port] { deliver(shared, resolve(host, port, false)); }).detach();
  }
  return std::unique_ptr<Lookup>(new Lookup(std::move(shared)));
}

Lookup::~Lookup() {
  shared_->cancelled = true;
  std::lock_guard lock(shared_->mutex);
  shared_->loop = nullptr;
}

}  // namespace net
