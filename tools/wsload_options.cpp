#include "tools/wsload_options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tools/wsload_payload.hpp"
#include "tools/wsload_pubsub.hpp"

namespace wsload {
namespace {

constexpr const char* usage_text =
    "usage: wsload URL [options]\n"
    "  URL                    ws://HOST:PORT/PATH, wss://HOST:PORT/PATH (TLS), or\n"
    "                         tcp://HOST:PORT for a raw TCP echo\n"
    "  --connections N        connections (default 1)\n"
    "  --size BYTES           payload bytes per message, K/M suffixes (default 20)\n"
    "  --pipeline P           messages in flight per connection (default 1)\n"
    "  --duration SECONDS     measurement window (default 10)\n"
    "  --warmup SECONDS       load before measuring (default 0)\n"
    "  --binary | --text      message type (default binary)\n"
    "  --threads T            event loops, one per thread (default 1)\n"
    "  --rate MSGS_PER_SEC    open loop: send on a schedule, total over all connections;\n"
    "                         latency counts from the scheduled time; each thread\n"
    "                         busy-polls its core to send on time (pin it: taskset)\n"
    "  --idle                 connect and upgrade, then send nothing (RSS measurements)\n"
    "  --connect-rate N       new connections per second during ramp-up (default 2000)\n"
    "  --broadcast            fan-out rounds, for a route that sends every message to\n"
    "                         every client (ws://HOST:PORT/broadcast): each round every\n"
    "                         connection sends one message and the next round waits\n"
    "                         until every connection has every message, its own too\n"
    "                         (N x N deliveries); reports deliveries/s and round times.\n"
    "                         --size is at least 20 here (a header: sender, round, check)\n"
    "  --rounds R             --broadcast: stop after R measured rounds, not --duration\n"
    "  --round-timeout SECONDS  --broadcast: a round that receives nothing for this long\n"
    "                         counts its missing messages as lost and ends the run\n"
    "                         (default 5)\n"
    "  --subscribers N        publish/subscribe, for a route that sends every message to\n"
    "                         every client (ws://HOST:PORT/broadcast): N connections that\n"
    "                         only receive, and --publishers P that send --rate messages/s\n"
    "                         in all (open loop, R / P each); every receiver, publishers\n"
    "                         included, checks each publisher's sequence. Reports latency\n"
    "                         from the scheduled send to each receipt, deliveries/s, lost\n"
    "                         and reordered messages. --size is at least 32 here, and by\n"
    "                         default (a header: publisher, sequence, send time, check)\n"
    "  --publishers P         --subscribers: sending connections (default 1)\n"
    "  --drain SECONDS        --subscribers: after the window, how long messages in flight\n"
    "                         may take to arrive before they count as lost (default 5)\n"
    "  --ca FILE              wss://: trust the CAs in FILE (PEM) instead of the system's\n"
    "  --insecure             wss://: do not verify the server's certificate or host name\n"
    "                         (self-signed servers; --ca is then loaded but not used);\n"
    "                         both are verified by default\n"
    "  --json                 print one JSON object instead of the report\n"
    "Exits 1 if any message mismatched, was lost, duplicated, reordered or corrupt, any\n"
    "connect or TLS handshake failed (verification included), or any error or unexpected\n"
    "close happened (the reason is on stderr); 2 on a bad command line or a TLS setup\n"
    "that fails (an unreadable --ca).\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "wsload: %s\n%s", message.c_str(), usage_text);
  std::exit(2);
}

double parse_double(const std::string& flag, const char* text, double min, double max) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= min && value <= max))
    usage_error("bad value for " + flag + ": " + text);
  return value;
}

std::uint64_t parse_count(const std::string& flag, const char* text, std::uint64_t min,
                          std::uint64_t max) {
  std::string_view s = text;
  std::uint64_t multiplier = 1;
  if (!s.empty() && (s.back() == 'K' || s.back() == 'k')) multiplier = 1024;
  if (!s.empty() && (s.back() == 'M' || s.back() == 'm')) multiplier = 1024 * 1024;
  if (multiplier != 1) s.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || value > max / multiplier ||
      value * multiplier < min)
    usage_error("bad value for " + flag + ": " + text);
  return value * multiplier;
}

}  // namespace

bool parse_url(const std::string& url, Target& out) {
  std::string_view rest = url;
  out.tls = false;
  if (rest.starts_with("ws://")) {
    out.websocket = true;
    rest.remove_prefix(5);
  } else if (rest.starts_with("wss://")) {
    out.websocket = true;
    out.tls = true;
    rest.remove_prefix(6);
  } else if (rest.starts_with("tcp://")) {
    out.websocket = false;
    rest.remove_prefix(6);
  } else {
    return false;
  }
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!out.websocket && out.path != "/") return false;
  // [v6]:port or host:port; the port is required (no default guessing).
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':')
      return false;
    host = authority.substr(1, close - 1);
    port = authority.substr(close + 2);
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() ||
      value == 0 || value > 65535)
    return false;
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  out.host_header = std::string(authority);
  return true;
}

LoadOptions parse_options(int argc, char** argv) {
  LoadOptions o;
  bool have_url = false;
  std::string broadcast_only;  // the last flag given that only --broadcast takes
  std::string pubsub_only;     // likewise for --subscribers
  bool connections_given = false;
  bool size_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage_text, stdout);
      std::exit(0);
    }
    if (flag == "--binary") {
      o.binary = true;
      continue;
    }
    if (flag == "--text") {
      o.binary = false;
      continue;
    }
    if (flag == "--idle") {
      o.idle = true;
      continue;
    }
    if (flag == "--json") {
      o.json = true;
      continue;
    }
    if (flag == "--broadcast") {
      o.broadcast = true;
      continue;
    }
    if (flag == "--insecure") {
      o.insecure = true;
      continue;
    }
    if (!flag.starts_with("--")) {
      if (have_url) usage_error("more than one URL: " + flag);
      o.url = flag;
      have_url = true;
      continue;
    }
    if (i + 1 >= argc) usage_error("missing value for " + flag);
    const char* value = argv[++i];
    if (flag == "--connections") {
      o.connections = static_cast<std::uint32_t>(parse_count(flag, value, 1, 1'000'000));
      connections_given = true;
    } else if (flag == "--subscribers") {
      o.subscribers = static_cast<std::uint32_t>(parse_count(flag, value, 0, 1'000'000));
      o.pubsub = true;
    } else if (flag == "--publishers") {
      o.publishers = static_cast<std::uint32_t>(parse_count(flag, value, 1, 10'000));
      pubsub_only = flag;
    } else if (flag == "--drain") {
      o.drain_s = parse_double(flag, value, 0, 1e6);
      pubsub_only = flag;
    } else if (flag == "--size") {
      o.size = parse_count(flag, value, 0, 64ull << 20);
      size_given = true;
    } else if (flag == "--pipeline") {
      o.pipeline = static_cast<std::uint32_t>(parse_count(flag, value, 1, 1'000'000));
    } else if (flag == "--duration") {
      o.duration_s = parse_double(flag, value, 0.001, 1e6);
    } else if (flag == "--warmup") {
      o.warmup_s = parse_double(flag, value, 0, 1e6);
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(parse_count(flag, value, 1, 1024));
    } else if (flag == "--rate") {
      o.rate = parse_double(flag, value, 0.001, 1e9);
    } else if (flag == "--connect-rate") {
      o.connect_rate = parse_double(flag, value, 0.001, 1e9);
    } else if (flag == "--ca") {
      o.ca_file = value;
      if (o.ca_file.empty()) usage_error("--ca needs a file");
    } else if (flag == "--rounds") {
      o.rounds = parse_count(flag, value, 1, 1ull << 40);
      broadcast_only = flag;
    } else if (flag == "--round-timeout") {
      o.round_timeout_s = parse_double(flag, value, 0.001, 1e6);
      broadcast_only = flag;
    } else {
      usage_error("unknown flag " + flag);
    }
  }
  if (!have_url) usage_error("missing URL");
  if (!parse_url(o.url, o.target))
    usage_error("bad URL (want ws://HOST:PORT/PATH, wss://HOST:PORT/PATH or tcp://HOST:PORT): " +
                o.url);
  if (!o.target.tls && (o.insecure || !o.ca_file.empty()))
    usage_error(std::string(o.insecure ? "--insecure" : "--ca") + " needs a wss:// URL");
  if (!o.target.websocket && o.size == 0) usage_error("tcp:// needs --size of at least 1");
  if (o.broadcast) {
    if (!o.target.websocket) usage_error("--broadcast needs a ws:// or wss:// URL");
    if (o.size < PayloadPattern::checked_stamp_size)
      usage_error("--broadcast needs --size of at least 20 (the header: sender, round, check)");
    if (o.rate > 0 || o.idle || o.pipeline != 1)
      usage_error(
          "--broadcast sends one message per connection per round: no --rate, --idle or "
          "--pipeline");
  } else if (!broadcast_only.empty()) {
    usage_error(broadcast_only + " needs --broadcast");
  }
  if (o.pubsub) {
    if (!o.target.websocket) usage_error("--subscribers needs a ws:// or wss:// URL");
    if (o.publishers == 0) o.publishers = 1;
    if (o.rate <= 0) usage_error("--subscribers needs --rate (messages/s, all publishers)");
    if (!size_given) o.size = PubSubMessage::header_size;
    if (o.size < PubSubMessage::header_size)
      usage_error(
          "--subscribers needs --size of at least 32 (the header: publisher, sequence, send "
          "time, check)");
    if (o.broadcast || o.idle || o.pipeline != 1 || connections_given)
      usage_error(
          "--subscribers counts its connections itself (N + P) and sends on a schedule: no "
          "--connections, --broadcast, --idle or --pipeline");
    o.connections = o.subscribers + o.publishers;
  } else if (!pubsub_only.empty()) {
    usage_error(pubsub_only + " needs --subscribers");
  }
  if (o.threads > o.connections) o.threads = o.connections;
  return o;
}

}  // namespace wsload
