// wsserver: the project's server. Serves /echo (text echoed as text, binary
// as binary) on one event loop per thread until SIGINT or SIGTERM, then
// closes every connection with 1001 and exits 0.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

constexpr const char* usage_text =
    "usage: wsserver [options]\n"
    "  --host ADDRESS       address to listen on (default 127.0.0.1)\n"
    "  --port PORT          TCP port; 0 picks a free one (default 9001)\n"
    "  --threads N          event loops, one per thread (default 1)\n"
    "  --max-message BYTES  largest message accepted, K/M/G suffixes allowed;\n"
    "                       larger ones are closed with 1009 (default 16M)\n"
    "  --help               this text\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "wsserver: %s\n%s", message.c_str(), usage_text);
  std::exit(2);
}

// "64K" -> 65536. Whole numbers only; K, M and G are powers of 1024.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        multiplier = 1ull << 10;
        break;
      case 'M':
      case 'm':
        multiplier = 1ull << 20;
        break;
      case 'G':
      case 'g':
        multiplier = 1ull << 30;
        break;
    }
    if (multiplier != 1) text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value * multiplier;
}

std::uint64_t parse_number(const std::string& flag, const char* text, std::uint64_t max) {
  const auto value = parse_size(text);
  if (!value || *value > max) usage_error("bad value for " + flag + ": " + text);
  return *value;
}

ws::ServerOptions parse_flags(int argc, char** argv) {
  ws::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage_text, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error("missing value for " + flag);
    const char* value = argv[++i];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      options.port = static_cast<std::uint16_t>(parse_number(flag, value, 65535));
    } else if (flag == "--threads") {
      options.threads = static_cast<unsigned>(parse_number(flag, value, 1024));
      if (options.threads == 0) usage_error("--threads must be at least 1");
    } else if (flag == "--max-message") {
      options.max_message_size = parse_number(flag, value, 1ull << 40);
    } else {
      usage_error("unknown option " + flag);
    }
  }
  return options;
}

ws::Route echo_route() {
  ws::Handlers handlers;
  handlers.on_message = [](ws::WebSocket& socket, const ws::Message& message) {
    socket.send(message.payload, message.opcode);
  };
  return ws::Route{"/echo", {}, std::move(handlers)};
}

}  // namespace

int main(int argc, char** argv) {
  const ws::ServerOptions options = parse_flags(argc, argv);

  // Signals are taken synchronously by this thread alone: block them before
  // the loops' threads exist so that they inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // sends use MSG_NOSIGNAL; this covers everything else

  ws::Server server(options);
  server.route(echo_route());
  try {
    server.start();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "wsserver: cannot start: %s\n", error.what());
    return 1;
  }
  std::printf("wsserver: listening on %s:%u (epoll, %u thread%s)\n", options.host.c_str(),
              server.port(), options.threads, options.threads == 1 ? "" : "s");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  server.wait();
  const ws::ServerCounters counters = server.counters();
  std::printf(
      "wsserver: stopped; connections %llu, messages %llu, bytes received %llu, "
      "payload bytes copied %llu\n",
      static_cast<unsigned long long>(counters.connections),
      static_cast<unsigned long long>(counters.messages),
      static_cast<unsigned long long>(counters.bytes_received),
      static_cast<unsigned long long>(counters.bytes_copied));
  return 0;
}
