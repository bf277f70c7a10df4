#include "net/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace net {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void set_flag(int fd, int level, int option, const char* name) {
  int one = 1;
  if (::setsockopt(fd, level, option, &one, sizeof one) != 0) fail(name);
}

using AddressList = std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>;

AddressList resolve(const std::string& host, std::uint16_t port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  return AddressList(found, &::freeaddrinfo);
}

UniqueFd stream_socket(const addrinfo& address, const std::string& where) {
  UniqueFd fd(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) fail("socket() for " + where);
  return fd;
}

// A socket bound to host:port. SO_REUSEADDR always, so that connections of
// an earlier server left in TIME_WAIT do not hold the port; SO_REUSEPORT
// only if `share_port`, for the listeners of one server.
UniqueFd bound_socket(const std::string& host, std::uint16_t port, bool share_port) {
  const AddressList found = resolve(host, port, AI_PASSIVE);
  const std::string where = host + ":" + std::to_string(port);
  UniqueFd fd = stream_socket(*found, where);
  set_flag(fd.get(), SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
  if (share_port) set_flag(fd.get(), SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
  if (::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0) fail("bind " + where);
  return fd;
}

}  // namespace

UniqueFd listen_tcp(const std::string& host, std::uint16_t port, int backlog) {
  UniqueFd fd = bound_socket(host, port, true);
  if (::listen(fd.get(), backlog) != 0) fail("listen " + host + ":" + std::to_string(port));
  return fd;
}

void ensure_address_free(const std::string& host, std::uint16_t port) {
  // Linux lets a socket bind beside SO_REUSEPORT listeners only if it sets
  // SO_REUSEPORT too (and has the same owner), and SO_REUSEADDR does not
  // override a listener. So the probe's bind fails with EADDRINUSE exactly
  // when something listens there, a server of ours included.
  (void)bound_socket(host, port, false);  // closed at once
}

UniqueFd connect_tcp(const std::string& host, std::uint16_t port) {
  const AddressList found = resolve(host, port, 0);
  const std::string where = host + ":" + std::to_string(port);
  UniqueFd fd = stream_socket(*found, where);
  if (::connect(fd.get(), found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS)
    fail("connect " + where);
  return fd;
}

std::string SocketAddress::text() const {
  char host[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (storage.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(storage);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof host);
    port = ntohs(v6.sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  const auto& v4 = reinterpret_cast<const sockaddr_in&>(storage);
  ::inet_ntop(AF_INET, &v4.sin_addr, host, sizeof host);
  port = ntohs(v4.sin_port);
  return std::string(host) + ":" + std::to_string(port);
}

std::vector<SocketAddress> resolve_tcp(const std::string& host, std::uint16_t port,
                                       bool numeric_only) {
  const AddressList found = resolve(host, port, numeric_only ? AI_NUMERICHOST : 0);
  std::vector<SocketAddress> addresses;
  for (const addrinfo* a = found.get(); a; a = a->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    addresses.push_back(address);
  }
  return addresses;
}

UniqueFd connect_tcp(const SocketAddress& address) {
  UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) fail("socket() for " + address.text());
  configure_accepted_socket(fd.get());
  const auto* raw = reinterpret_cast<const sockaddr*>(&address.storage);
  if (::connect(fd.get(), raw, address.length) != 0 && errno != EINPROGRESS)
    fail("connect " + address.text());
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

void configure_accepted_socket(int fd) noexcept {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace net
