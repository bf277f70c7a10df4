// wsload's command line: what to load, how hard, for how long.
#pragma once

#include <cstdint>
#include <string>

namespace wsload {

struct Target {
  bool websocket = true;  // false: tcp:// raw echo (no handshake, no framing)
  bool tls = false;       // wss://: WebSocket over TLS (tools/wsload_tls.hpp)
  std::string host;
  std::uint16_t port = 0;
  std::string path = "/";   // ws:// and wss:// only
  std::string host_header;  // "host:port" as written in the URL
};

struct LoadOptions {
  std::string url;
  Target target;
  std::uint32_t connections = 1;
  std::uint64_t size = 20;     // payload bytes per message
  std::uint32_t pipeline = 1;  // messages in flight per connection (closed loop)
  double duration_s = 10;      // the measurement window
  double warmup_s = 0;         // before it: load, but nothing counted
  bool binary = true;
  unsigned threads = 1;
  double rate = 0;    // > 0: open loop, messages/s over all connections
  bool idle = false;  // connect, upgrade, send nothing
  bool json = false;
  double connect_rate = 2000;  // new connections per second, all threads
  // --broadcast: rounds of N x N deliveries (tools/wsload_broadcast.hpp).
  bool broadcast = false;
  std::uint64_t rounds = 0;    // > 0: stop after this many measured rounds, not --duration
  double round_timeout_s = 5;  // a round that receives nothing for this long: loss, the run ends
  // --subscribers N --publishers P --rate R (tools/wsload_pubsub.hpp);
  // connections is then N + P.
  bool pubsub = false;
  std::uint32_t subscribers = 0;
  std::uint32_t publishers = 0;
  double drain_s = 5;  // after the window, at most this long for messages in flight
  // wss:// (tools/wsload_tls.hpp): the CA to trust (empty: the system's), and
  // --insecure: no verification of the server's certificate or name.
  std::string ca_file;
  bool insecure = false;
};

// Parses argv; prints usage and exits 2 on a bad command line, 0 on --help.
LoadOptions parse_options(int argc, char** argv);

// "ws://host:port/path", "wss://host:port/path" or "tcp://host:port"; false
// if none.
bool parse_url(const std::string& url, Target& out);

}  // namespace wsload
