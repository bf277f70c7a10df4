// What an application plugs into the server: the handlers of a route, in
// gorilla/websocket's vocabulary reshaped for an event loop. Handlers run
// on the connection's loop thread; a loop runs one handler at a time, so a
// handler needs no lock for state owned by its loop.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "ws/close_code.hpp"
#include "ws/frame.hpp"
#include "ws/message.hpp"
#include "ws/upgrade.hpp"
#include "ws/upgrade_hook.hpp"

namespace ws {

class WebSocket;

struct Handlers {
  std::function<void(WebSocket&)> on_open;
  std::function<void(WebSocket&, const Message&)> on_message;
  std::function<void(WebSocket&, std::span<const std::uint8_t>)> on_pong;
  // After send() returned SendResult::buffered: the output queue has fallen
  // to the low-water mark (a quarter of max_backpressure); send more.
  std::function<void(WebSocket&)> on_drain;
  // Once per opened connection, however it ended: the peer's close code
  // (1005 if it sent none), the code we failed it with, or 1006 (abnormal)
  // when the TCP connection ended without a close handshake.
  std::function<void(WebSocket&, std::uint16_t code, std::string_view reason)> on_close;
};

// A path served by WebSockets: how to upgrade, then what to do.
struct Route {
  std::string path;
  UpgradeOptions upgrade;
  Handlers handlers;
  // Largest message this route accepts, else close 1009 (gorilla's read
  // limit); 0 means the server's max_message_size.
  std::uint64_t max_message_size = 0;
  // After the handshake passed every RFC 6455 check, before the 101: may
  // refuse the upgrade, pick the subprotocol, add headers, and attach the
  // connection's state (ws/upgrade_hook.hpp). Runs on the loop thread.
  std::function<void(const UpgradeRequest&, UpgradeResponse&)> on_upgrade = nullptr;
};

}  // namespace ws
