// Clients that flood pings and read nothing, against a server with a small
// --max-memory: their pongs are charged like any other output, so they
// cannot take the budget past its limit (they are closed with 1013 when it
// is spent: a pong was once charged whatever the budget said), and what
// they held is free again once they are gone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <thread>
#include <vector>

#include "net/unique_fd.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/raw_client.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;

// A masked ping with 125 bytes of payload (key 01 02 03 04).
std::string masked_ping() {
  std::string frame = {'\x89', static_cast<char>(0x80 | 125), 1, 2, 3, 4};
  return frame + std::string(125, 'p');
}

TEST(PingFlood, PingFloodersCannotTakeTheServerPastItsBudget) {
  ws::ServerOptions options;
  options.port = 0;
  options.max_memory = 4 << 20;
  options.ping_interval = 0ms;
  options.close_timeout = 500ms;
  options.shutdown_timeout = 500ms;
  ws::Server server(options);
  ws::Handlers echo;
  echo.on_message = [](ws::WebSocket& s, const ws::Message& m) { s.send(m.payload, m.opcode); };
  server.route(ws::Route{"/echo", {}, std::move(echo)});
  server.start();

  const std::string request =
      "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  std::vector<net::UniqueFd> flooders;
  for (int i = 0; i < 12; ++i) {
    flooders.push_back(wstest::connect_loopback(server.port(), 4096));
    ASSERT_TRUE(flooders.back());
    ::send(flooders.back().get(), request.data(), request.size(), MSG_NOSIGNAL);
  }
  std::this_thread::sleep_for(100ms);
  std::string pings;
  for (int i = 0; i < 2000; ++i) pings += masked_ping();
  for (int round = 0; round < 20; ++round)
    for (const auto& fd : flooders)
      ::send(fd.get(), pings.data(), pings.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(server.memory_in_use(), options.max_memory + 64 * 1024)
      << "pongs went past --max-memory";

  // The budget is theirs while they hold it (first come, first served: the
  // bound is on the total, not a share each); once they go, it is free again.
  flooders.clear();
  EXPECT_TRUE(wstest::eventually([&] { return server.memory_in_use() < (1u << 20); }, 2000ms))
      << server.memory_in_use() << " bytes still held";
  wstest::RawClient honest;
  ASSERT_TRUE(honest.open(server.port()));
  const std::string message(1 << 20, 'h');
  ASSERT_TRUE(honest.send_message(wstest::kBinary, message.substr(0, 300000), false));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(honest.send_message(wstest::kContinuation, message.substr(300000), true));
  EXPECT_TRUE(honest.expect_binary(message));
}

}  // namespace
