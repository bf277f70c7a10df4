#include "ws/server.hpp"

#include <cstdlib>
#include <exception>

#include "core/log.hpp"
#include "net/socket.hpp"
#include "ws/static_files.hpp"
#include "ws/websocket.hpp"

namespace ws {

Server::Server(ServerOptions options)
    : config_{options, {}, HostPolicy::for_listener(options.host, options.allowed_hosts), {}} {}

Server::~Server() {
  stop();
  wait();
}

void Server::route(Route route) { config_.routes.push_back(std::move(route)); }

void Server::start() {
  const ServerOptions& options = config_.options;
  port_ = options.port;
  memory_budget_ = std::make_unique<core::MemoryBudget>(options.max_memory);
  if (!options.static_dir.empty())
    config_.static_files = std::make_shared<const StaticFiles>(options.static_dir);
  // Fail if another server (or anything) already serves this port, before
  // our listeners join it through SO_REUSEPORT. A small window remains,
  // from the probe's close until our first listener listens: a second
  // server of ours probing within it would pass and share the port (and any
  // other program could take it, which the bind below reports). Port 0
  // needs no probe: the kernel picks a port nobody uses, and the other
  // loops join that one.
  if (port_ != 0) net::ensure_address_free(options.host, port_);
  const unsigned loops = std::max(1u, options.threads);
  pubsub_ = std::make_unique<PubSub>(loops, memory_budget_.get());
  for (unsigned i = 0; i < loops; ++i) {
    net::UniqueFd listener = net::listen_tcp(options.host, port_);
    port_ = net::local_port(listener.get());  // port 0: the others join the first's
    LoopTopics& topics =
        *topics_.emplace_back(std::make_unique<LoopTopics>(pubsub_->directory(), i));
    auto& context = contexts_.emplace_back(std::make_unique<LoopContext>(
        LoopContext{config_, open_connections_, {}, topics, *pubsub_, i}));
    loops_.push_back(std::make_unique<net::EventLoop>(
        std::move(listener),
        [&context = *context](net::Connection& connection) {
          return WebSocket::accept(connection, context);
        },
        net::EventLoop::Options{options.shutdown_timeout, memory_budget_.get()}));
    pubsub_->attach(i, *loops_.back(), topics);
  }
  for (auto& loop : loops_) {
    threads_.emplace_back([&loop = *loop] {
      try {
        loop.run();
      } catch (const std::exception& error) {
        core::log_error("event loop failed: %s", error.what());
        std::abort();  // a broken reactor cannot be recovered in place
      }
    });
  }
}

bool Server::publish(std::string_view topic, std::span<const std::uint8_t> payload, Opcode opcode) {
  return pubsub_ && pubsub_->publish(PubSub::no_loop, topic, payload, opcode, nullptr);
}

std::size_t Server::topic_count() const { return pubsub_ ? pubsub_->directory().size() : 0; }

ServerCounters Server::counters() const noexcept {
  ServerCounters total;
  for (const auto& context : contexts_) total += context->counters;
  return total;
}

void Server::stop() noexcept {
  for (auto& loop : loops_) loop->request_stop();
}

void Server::wait() {
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

}  // namespace ws
