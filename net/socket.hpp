// Socket set-up: listeners and the options every accepted socket gets.
// Errors here happen at start-up, so they throw std::system_error with the
// call and the address in the message.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/unique_fd.hpp"

namespace net {

// A non-blocking TCP listener on host:port with SO_REUSEADDR and
// SO_REUSEPORT, so that one listener per event loop can share the port and
// the kernel spreads new connections over them. Port 0 picks a free port.
UniqueFd listen_tcp(const std::string& host, std::uint16_t port, int backlog = 4096);

// Throws std::system_error ("bind HOST:PORT: Address already in use") if
// something already listens on host:port, even a listener that would let
// listen_tcp bind beside it: SO_REUSEPORT shares a port between sockets that
// all set it, so without this check a second server on the same port would
// start and take half the new connections. The probe binds without
// SO_REUSEPORT, then closes. (Port 0 is pointless to probe: it binds any
// free port.)
void ensure_address_free(const std::string& host, std::uint16_t port);

// One resolved address (IPv4 or IPv6) and port.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  // "127.0.0.1:9001", "[::1]:9001"
  std::string text() const;
};

// getaddrinfo(3) for a TCP peer, blocking (net::Lookup runs it off the
// loop): every address, in its order. `numeric_only`: an IP literal or
// nothing, without any lookup. Throws std::runtime_error ("cannot resolve
// HOST: REASON").
std::vector<SocketAddress> resolve_tcp(const std::string& host, std::uint16_t port,
                                       bool numeric_only);

// A non-blocking TCP socket connecting to `address` (TCP_NODELAY: output
// is corked per loop iteration already); the connect may still be in
// progress on return. Throws std::system_error if it cannot start.
UniqueFd connect_tcp(const SocketAddress& address);

// A non-blocking TCP socket connecting to host:port (the connect may still
// be in progress on return). Throws std::system_error if it cannot start.
UniqueFd connect_tcp(const std::string& host, std::uint16_t port);

// The port a bound socket actually has (useful after binding port 0).
std::uint16_t local_port(int fd);

// Per-connection options: no Nagle delay, since the output is already
// corked into one send per loop iteration.
void configure_accepted_socket(int fd) noexcept;

}  // namespace net
