// wsserver: the project's server. Serves /echo (text echoed as text, binary
// as binary), /broadcast (every message to every client), /chat?name=NICK
// (the chat room, tools/chat) and the files of --static-dir (the chat page)
// on one event loop per thread until SIGINT or SIGTERM, then closes every
// connection with 1001 and exits 0.
#include <malloc.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "core/units.hpp"
#include "tools/chat/route.hpp"
#include "ws/host_check.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using std::chrono::milliseconds;

// The project's own pages, found from the working directory (`make run`
// runs from the project root). Served if present; a --static-dir that is
// not a directory fails the start instead.
constexpr const char* default_static_dir = "static";

// One row per flag: the --help text is generated from this table, so a flag
// cannot exist without its line and its default.
struct Flag {
  const char* name;
  const char* value_name;
  const char* default_text;
  const char* help;
  std::function<bool(ws::ServerOptions&, std::string_view)> apply;  // false: bad value
};

// Setters for the three kinds of value.
template <typename Field>
auto size_flag(Field ws::ServerOptions::*field, std::uint64_t min, std::uint64_t max) {
  return [=](ws::ServerOptions& options, std::string_view text) {
    const auto value = core::parse_size(text);
    if (!value || *value < min || *value > max) return false;
    options.*field = static_cast<Field>(*value);
    return true;
  };
}

auto seconds_flag(milliseconds ws::ServerOptions::*field) {
  return [=](ws::ServerOptions& options, std::string_view text) {
    const auto value = core::parse_seconds(text);
    if (!value) return false;
    options.*field = *value;
    return true;
  };
}

const std::vector<Flag>& flags() {
  using O = ws::ServerOptions;
  static const std::vector<Flag> table = {
      {"--host", "ADDRESS", "127.0.0.1", "address to listen on",
       [](O& o, std::string_view v) { return o.host = v, !v.empty(); }},
      {"--port", "PORT", "9001", "TCP port; 0 picks a free one", size_flag(&O::port, 0, 65535)},
      {"--allowed-hosts", "LIST", "none; * off loopback",
       "Host names accepted besides loopback ones (comma list, no port; * any), else 403",
       [](O& o, std::string_view v) {
         auto names = ws::parse_host_list(v);
         return names && (o.allowed_hosts = std::move(*names), true);
       }},
      {"--threads", "N", "1", "event loops, one per thread", size_flag(&O::threads, 1, 1024)},
      {"--backend", "NAME", "auto", "epoll, io_uring, or auto: io_uring where the kernel allows it",
       [](O& o, std::string_view v) {
         if (v == "auto") return o.backend.reset(), true;
         if (v == "epoll") return o.backend = net::BackendKind::epoll, true;
         if (v == "io_uring") return o.backend = net::BackendKind::io_uring, true;
         return false;
       }},
      {"--max-message", "BYTES", "16M", "largest message; larger ones are closed with 1009",
       size_flag(&O::max_message_size, 1, 1ull << 40)},
      {"--max-connections", "N", "100000", "upgraded connections; past it 503 (0: no limit)",
       size_flag(&O::max_connections, 0, 1ull << 32)},
      {"--max-backpressure", "BYTES", "1M",
       "unread output per connection; past it the slow consumer is closed with 1008",
       size_flag(&O::max_backpressure, 1, 1ull << 40)},
      {"--max-memory", "BYTES", "1G",
       "held by all connections (unfinished messages, queued output); past it 1013 (0: none)",
       size_flag(&O::max_memory, 0, 1ull << 50)},
      {"--message-timeout", "SECONDS", "60",
       "for a begun message to complete, else closed with 1008 (0: none)",
       seconds_flag(&O::message_timeout)},
      {"--handshake-timeout", "SECONDS", "10", "to complete the upgrade, else dropped (0: none)",
       seconds_flag(&O::handshake_timeout)},
      {"--ping-interval", "SECONDS", "30", "ping a connection quiet this long (0: never)",
       seconds_flag(&O::ping_interval)},
      {"--idle-timeout", "SECONDS", "60", "close (1001) a connection quiet this long (0: never)",
       seconds_flag(&O::idle_timeout)},
      {"--close-timeout", "SECONDS", "5", "for the peer to answer our close, else dropped",
       seconds_flag(&O::close_timeout)},
      {"--shutdown-timeout", "SECONDS", "5", "on SIGINT/SIGTERM, for every close handshake",
       seconds_flag(&O::shutdown_timeout)},
      {"--tls-cert", "FILE", "none",
       "PEM certificate chain: the port speaks wss:// and https:// (with --tls-key)",
       [](O& o, std::string_view v) { return o.tls_cert = v, !v.empty(); }},
      {"--tls-key", "FILE", "none", "PEM private key of --tls-cert",
       [](O& o, std::string_view v) { return o.tls_key = v, !v.empty(); }},
      {"--tls-ca", "FILE", "none", "PEM CA bundle: clients must present a certificate it signed",
       [](O& o, std::string_view v) { return o.tls_ca = v, !v.empty(); }},
      {"--tls-sni", "CERT,KEY", "none",
       "another certificate and key, for clients whose SNI name it matches (repeatable)",
       [](O& o, std::string_view v) {
         const std::size_t comma = v.find(',');
         if (comma == std::string_view::npos || comma == 0 || comma + 1 == v.size()) return false;
         o.tls_sni_certs.emplace_back(v.substr(0, comma), v.substr(comma + 1));
         return true;
       }},
      {"--static-dir", "DIR", default_static_dir,
       "files for plain GET/HEAD on the same port (relative to the working directory)",
       [](O& o, std::string_view v) { return o.static_dir = v, !v.empty(); }},
  };
  return table;
}

std::string usage_text() {
  std::string text =
      "usage: wsserver [options]\n"
      "sizes take K/M/G suffixes (powers of 1024); durations are seconds, fractions allowed\n";
  for (const Flag& flag : flags()) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-19s %-8s %s (default %s)\n", flag.name, flag.value_name,
                  flag.help, flag.default_text);
    text += line;
  }
  return text + "  --help                       this text\n";
}

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "wsserver: %s\n%s", message.c_str(), usage_text().c_str());
  std::exit(2);
}

const Flag* find_flag(std::string_view name) {
  for (const Flag& flag : flags())
    if (name == flag.name) return &flag;
  return nullptr;
}

ws::ServerOptions parse_flags(int argc, char** argv) {
  ws::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      std::fputs(usage_text().c_str(), stdout);
      std::exit(0);
    }
    const Flag* flag = find_flag(name);
    if (!flag) usage_error("unknown option " + name);
    if (i + 1 >= argc) usage_error("missing value for " + name);
    const char* value = argv[++i];
    if (!flag->apply(options, value)) usage_error("bad value for " + name + ": " + value);
  }
  if (options.static_dir.empty()) {
    struct stat status;
    if (::stat(default_static_dir, &status) == 0 && S_ISDIR(status.st_mode))
      options.static_dir = default_static_dir;
    else
      std::fprintf(stderr, "wsserver: no %s/ directory here, no files served (--static-dir DIR)\n",
                   default_static_dir);
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

// Every message any client sends reaches every client of the route, the
// sender included, on every loop: the sender's copy directly, everyone
// else's through the topic (one frame, built once, shared by all).
ws::Route broadcast_route() {
  static constexpr std::string_view topic = "broadcast";
  ws::Handlers handlers;
  handlers.on_open = [](ws::WebSocket& socket) { socket.subscribe(topic); };
  handlers.on_message = [](ws::WebSocket& socket, const ws::Message& message) {
    socket.send(message.payload, message.opcode);
    socket.publish(topic, message.payload, message.opcode);
  };
  return ws::Route{"/broadcast", {}, std::move(handlers)};
}

// Signals are taken synchronously by the main thread alone: blocked before
// the loops' threads exist, so that they inherit the mask.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // not a stop: reload the TLS certificate
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // sends use MSG_NOSIGNAL; this covers everything else
  return stop_signals;
}

void print_counters(const ws::ServerCounters& c) {
  const auto n = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  // The first four fields' format is read by tests/conformance/zero_copy_test.
  std::printf(
      "wsserver: stopped; connections %llu, messages %llu, bytes received %llu, "
      "payload bytes copied %llu; handshake timeouts %llu, idle timeouts %llu, "
      "slow consumers %llu, refused at capacity %llu, closed at the memory limit %llu, "
      "message timeouts %llu, publish bytes copied %llu\n",
      n(c.connections), n(c.messages), n(c.bytes_received), n(c.bytes_copied),
      n(c.handshake_timeouts), n(c.idle_timeouts), n(c.slow_consumers), n(c.over_capacity),
      n(c.over_memory), n(c.message_timeouts), n(c.publish_copied));
}

// Buffers of 4 MiB and more (a large message being assembled, a long queue)
// are mmapped and unmapped on release, so the process's memory follows what
// --max-memory counts. glibc otherwise raises its mmap threshold after the
// first large free, and later large buffers come from a heap that keeps
// what is freed (7% over the budget under bench/memory_attack.py). Smaller
// ones stay on the heap, reused without page faults (a lower threshold cost
// ~20% on 256 KiB echoes, bench/before_after.py scenario G).
void return_large_buffers_to_the_kernel() { mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024); }

// Until SIGINT or SIGTERM. SIGHUP re-reads the TLS certificate and key:
// new connections get the new ones, open ones keep theirs, and files that
// fail to load leave the old ones in place.
void wait_for_stop(ws::Server& server, const sigset_t& signals) {
  for (;;) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) return;
    if (!server.tls()) {
      std::fprintf(stderr, "wsserver: SIGHUP: TLS is off, nothing to reload\n");
    } else if (const std::string error = server.reload_tls(); !error.empty()) {
      std::fprintf(stderr, "wsserver: SIGHUP: kept the old certificate: %s\n", error.c_str());
    } else {
      std::printf("wsserver: SIGHUP: certificate reloaded\n");
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const ws::ServerOptions options = parse_flags(argc, argv);
  const sigset_t stop_signals = block_stop_signals();
  return_large_buffers_to_the_kernel();

  chat::ChatDirectory chat_directory;  // outlives the server, whose /chat route uses it
  ws::Server server(options);
  server.route(echo_route());
  server.route(broadcast_route());
  server.route(chat::chat_route(chat_directory));
  try {
    server.start();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "wsserver: cannot start: %s\n", error.what());
    return 1;
  }
  // One line, read by tests and scripts: where, how, and (auto chose
  // epoll) why not io_uring.
  const std::string fallback = server.backend_fallback().empty()
                                   ? ""
                                   : "; io_uring not usable: " + server.backend_fallback();
  std::printf("wsserver: listening on %s:%u (%s, %u thread%s%s%s)\n", options.host.c_str(),
              server.port(), std::string(net::backend_name(server.backend())).c_str(),
              options.threads, options.threads == 1 ? "" : "s", server.tls() ? ", TLS" : "",
              fallback.c_str());
  std::fflush(stdout);

  wait_for_stop(server, stop_signals);
  server.stop();
  server.wait();
  print_counters(server.counters());
  return 0;
}
