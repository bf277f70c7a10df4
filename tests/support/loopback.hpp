// tests/support/loopback.hpp: a blocking TCP connection to 127.0.0.1:port,
// for tests that talk to a loop in this process with plain socket calls
// (never through net::sys, so fault injection never touches the client).
// With `receive_buffer` > 0 the client's window is that small from the
// start (set before connecting), so a server's output to it backs up fast.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include "net/unique_fd.hpp"

namespace wstest {

inline net::UniqueFd connect_loopback(std::uint16_t port, int receive_buffer = 0) {
  net::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (receive_buffer > 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return {};
  return fd;
}

}  // namespace wstest
