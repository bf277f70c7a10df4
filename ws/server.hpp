// Server: WebSocket routes served by N event loops, one per thread, each
// with its own SO_REUSEPORT listener, so nothing is shared on the hot path.
//
//   ws::Server server(options);
//   server.route({"/echo", {}, {.on_message = ...}});
//   server.start();            // binds (throws on a bad address or static_dir), spawns loops
//   ...                        // e.g. wait for SIGTERM
//   server.stop();             // graceful: close 1001 to everyone
//   server.wait();
//
// With options.tls_cert and tls_key, every connection speaks TLS first
// (tls::Session as the Connection's transport); ws/ above it is the same.
//
// Thread safety: route() before start() only; stop() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"
#include "net/uring_probe.hpp"
#include "tls/context.hpp"
#include "ws/loop_context.hpp"
#include "ws/server_options.hpp"
#include "ws/topics.hpp"

namespace ws {

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  void route(Route route);
  void start();
  void stop() noexcept;
  void wait();

  std::uint16_t port() const noexcept { return port_; }
  // After start(): the loops' backend, and, if ServerOptions::backend was
  // left to choose and chose epoll, why io_uring was not usable ("" else).
  net::BackendKind backend() const noexcept { return backend_.kind; }
  const std::string& backend_fallback() const noexcept { return backend_.fallback; }
  // Any thread, after start(): `payload` as one frame to every subscriber
  // of `topic` on every loop. False for a bad topic name or opcode.
  bool publish(std::string_view topic, std::span<const std::uint8_t> payload, Opcode opcode);
  // Bytes held against max_memory now, all loops (any thread).
  std::uint64_t memory_in_use() const noexcept {
    return memory_budget_ ? memory_budget_->used() : 0;
  }
  // Topics with a subscriber somewhere (any thread).
  std::size_t topic_count() const;
  // The loops' counters added up: any thread, while the server runs too
  // (each figure at most a little behind), or after wait() for the totals.
  ServerCounters counters() const noexcept;
  const ServerConfig& config() const noexcept { return config_; }
  // Any thread, with TLS on: reads the certificate and key again. New
  // connections get them; open ones keep theirs. On failure the old ones
  // stay and the one-line reason is returned; "" on success.
  std::string reload_tls();
  bool tls() const noexcept { return tls_.load() != nullptr; }

 private:
  ServerConfig config_;
  std::uint16_t port_ = 0;
  net::BackendChoice backend_;
  std::atomic<std::size_t> open_connections_{0};       // upgraded, all loops
  std::unique_ptr<core::MemoryBudget> memory_budget_;  // max_memory, all loops
  std::unique_ptr<PubSub> pubsub_;                     // topics, all loops
  // The TLS context new connections take (null: plain); swapped whole by
  // reload_tls(), so an accept sees the old one or the new, never a mix.
  std::atomic<std::shared_ptr<const tls::Context>> tls_;
  std::vector<std::unique_ptr<LoopTopics>> topics_;     // one per loop, same index
  std::vector<std::unique_ptr<LoopContext>> contexts_;  // one per loop, same index
  std::vector<std::unique_ptr<net::EventLoop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace ws
