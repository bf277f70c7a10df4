#include "ws/server.hpp"

#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "core/log.hpp"
#include "net/socket.hpp"
#include "tls/session.hpp"
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
  backend_ = net::choose_backend(options.backend);
  if (!options.static_dir.empty())
    config_.static_files = std::make_shared<const StaticFiles>(options.static_dir);
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty())
      throw std::runtime_error("TLS needs both a certificate and a key");
    if (std::string error = reload_tls(); !error.empty()) throw std::runtime_error(error);
  }
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
        [this, &context = *context](net::Connection& connection) {
          if (std::shared_ptr<const tls::Context> tls = tls_.load())
            connection.set_transport(tls::Session::accept(std::move(tls)));
          return WebSocket::accept(connection, context);
        },
        net::EventLoop::Options{options.shutdown_timeout, memory_budget_.get(), backend_.kind}));
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

std::string Server::reload_tls() {
  const ServerOptions& options = config_.options;
  if (options.tls_cert.empty()) return "TLS is off (no certificate configured)";
  std::string error;
  tls::ServerFiles files{options.tls_cert, options.tls_key, options.tls_ca, options.tls_sni_certs};
  std::vector<std::string> warnings;
  std::shared_ptr<const tls::Context> context = tls::Context::server(files, error, warnings);
  if (!context) return error;
  for (const std::string& warning : warnings) core::log_error("TLS: %s", warning.c_str());
  tls_.store(std::move(context));
  return {};
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
