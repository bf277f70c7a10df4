// The server's configuration: where it listens and every limit, each with
// its default and what happens when it is reached.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/backend.hpp"
#include "ws/handlers.hpp"
#include "ws/host_check.hpp"

namespace ws {

class StaticFiles;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9001;  // 0: any free port (Server::port() tells which)
  unsigned threads = 1;       // event loops, each with its own listener
  // How the loops wait and move bytes; empty: io_uring where the kernel
  // allows it, else epoll (Server::backend_fallback() says why).
  std::optional<net::BackendKind> backend{};
  // Host names an upgrade may carry besides loopback ones (the DNS-rebinding
  // check, ws/host_check.hpp): port-less, case-insensitive, "*" for any.
  // Empty: only loopback names if `host` is loopback, else any Host. A
  // refused Host gets 403.
  std::vector<std::string> allowed_hosts{};
  // A message (all its fragments) larger than this: close 1009.
  std::uint64_t max_message_size = 16 * 1024 * 1024;
  // An HTTP request head larger than this: 431.
  std::size_t max_request_head = 8 * 1024;
  // After we send a close, how long the peer has to answer before we drop
  // it; also how long we wait for its FIN after our last bytes.
  std::chrono::milliseconds close_timeout{5000};
  // After stop(), how long connections get to close before being cut.
  std::chrono::milliseconds shutdown_timeout{5000};
  // A connection that has not completed the upgrade by then is dropped
  // (slowloris). 0: no limit.
  std::chrono::milliseconds handshake_timeout{10000};
  // A connection that has sent nothing for this long is pinged (gorilla's
  // pingPeriod). 0: never ping.
  std::chrono::milliseconds ping_interval{30000};
  // A connection that has sent nothing (no frame at all, pongs included)
  // for this long is closed with 1001, or dropped if its output is backed
  // up (gorilla's pongWait). 0: never.
  std::chrono::milliseconds idle_timeout{60000};
  // Upgraded connections, all loops together; past it a new upgrade gets
  // 503. 0: no limit (file descriptors still are one).
  std::size_t max_connections = 100000;
  // Bytes a connection may have queued that its peer has not read. A send
  // to a backed-up queue that already holds this much closes the connection
  // with 1008 (slow consumer); past half of it the connection is not read
  // from; on_drain fires (and reading resumes) at a quarter of it.
  std::size_t max_backpressure = 1024 * 1024;
  // Bytes all connections together may hold in unfinished messages and
  // queued output. A connection whose buffer would take the server past it
  // is closed with 1013 (try again later); the others carry on. 0: no limit.
  std::uint64_t max_memory = 1024ull * 1024 * 1024;
  // A message whose first frame has arrived must be complete within this,
  // else the connection is closed with 1008 (a trickle never looks idle,
  // but must not hold its buffer forever). 0: no limit.
  std::chrono::milliseconds message_timeout{60000};
  // The directory whose files plain GET and HEAD requests get, on the same
  // port (ws/static_files.hpp): a request for no WebSocket route that does
  // not ask for an upgrade. Relative to the working directory. Empty: none
  // (such a request gets 404). One that cannot be opened fails start().
  std::string static_dir{};
  // TLS (wss:// and https:// on the same port): the certificate chain and
  // its private key, PEM files; both or neither. With tls_ca, clients must
  // present a certificate that CA signed. Unloadable files fail start().
  std::string tls_cert{};
  std::string tls_key{};
  std::string tls_ca{};
  // More certificate/key pairs, each served to clients whose SNI server
  // name it matches (tls_cert otherwise).
  std::vector<std::pair<std::string, std::string>> tls_sni_certs{};
};

// Options plus routes: immutable once the server starts, shared by its loops.
struct ServerConfig {
  ServerOptions options;
  std::vector<Route> routes;
  HostPolicy hosts;                                 // from options.host and options.allowed_hosts
  std::shared_ptr<const StaticFiles> static_files;  // options.static_dir, opened by start()

  const Route* find_route(std::string_view path) const noexcept {
    for (const Route& route : routes)
      if (route.path == path) return &route;
    return nullptr;
  }
};

}  // namespace ws
