#include "tools/wsload_report.hpp"

#include <string>

namespace wsload {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

const char* mode(const LoadOptions& o) {
  return o.broadcast  ? "broadcast"
         : o.pubsub   ? "pubsub"
         : o.idle     ? "idle"
         : o.rate > 0 ? "open"
                      : "closed";
}

unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

// Payload megabytes per second at `rate` messages per second.
double mb(double rate, const LoadOptions& o) { return rate * static_cast<double>(o.size) / 1e6; }

// The figures of a histogram reported, in microseconds; p90 for latency only.
struct Quantile {
  const char* json_name;
  const char* text_name;
  double q;  // 1: the maximum
  bool latency_only;
};
constexpr Quantile quantiles[] = {{"p50", "p50", 0.50, false},
                                  {"p90", "p90", 0.90, true},
                                  {"p99", "p99", 0.99, false},
                                  {"p999", "p99.9", 0.999, false},
                                  {"max", "max", 1.0, false}};

// `"p50":12.3,...` for JSON, or `p50 12.3 us  ...` for the text report.
std::string percentiles(const core::Histogram& h, bool with_p90, bool json) {
  std::string out;
  for (const Quantile& k : quantiles) {
    if (k.latency_only && !with_p90) continue;
    char buf[64];
    const double value = us(k.q >= 1 ? h.max() : h.percentile(k.q));
    std::snprintf(buf, sizeof buf, json ? "\"%s\":%.1f" : "%s %.1f us",
                  json ? k.json_name : k.text_name, value);
    if (!out.empty()) out += json ? "," : "  ";
    out += buf;
  }
  return out;
}

}  // namespace

void print_json(std::FILE* out, const LoadOptions& o, const WorkerStats& t) {
  std::fprintf(out, "{\"url\":%s,\"connections\":%u,\"size\":%llu,", json_string(o.url).c_str(),
               o.connections, ull(o.size));
  if (o.broadcast) {
    const double rate = static_cast<double>(t.deliveries) / o.duration_s;
    std::fprintf(out,
                 "\"duration_s\":%.3f,\"rounds\":%llu,\"deliveries\":%llu,"
                 "\"deliveries_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"round_us\":%s,"
                 "\"lost\":%llu,\"duplicated\":%llu,\"corrupt\":%llu,",
                 o.duration_s, ull(t.rounds), ull(t.deliveries), rate, mb(rate, o),
                 ("{" + percentiles(t.round_time, false, true) + "}").c_str(), ull(t.lost.count),
                 ull(t.duplicated.count), ull(t.corrupt.count));
  } else if (o.pubsub) {
    const double rate = static_cast<double>(t.deliveries) / o.duration_s;
    std::fprintf(out,
                 "\"subscribers\":%u,\"publishers\":%u,\"rate\":%.1f,\"duration_s\":%.3f,"
                 "\"published\":%llu,\"deliveries\":%llu,\"deliveries_per_sec\":%.1f,"
                 "\"mb_per_sec\":%.3f,\"latency_us\":%s,\"lost\":%llu,\"reordered\":%llu,"
                 "\"corrupt\":%llu,",
                 o.subscribers, o.publishers, o.rate, o.duration_s, ull(t.published),
                 ull(t.deliveries), rate, mb(rate, o),
                 ("{" + percentiles(t.latency, true, true) + "}").c_str(), ull(t.lost.count),
                 ull(t.reordered.count), ull(t.corrupt.count));
  } else {
    const double rate = static_cast<double>(t.messages) / o.duration_s;
    std::fprintf(out,
                 "\"pipeline\":%u,\"duration_s\":%.3f,\"messages\":%llu,"
                 "\"messages_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"latency_us\":%s,"
                 "\"mismatches\":%llu,\"rate\":%.1f,",
                 o.pipeline, o.duration_s, ull(t.messages), rate, mb(rate, o),
                 ("{" + percentiles(t.latency, true, true) + "}").c_str(), ull(t.mismatches.count),
                 o.rate);
  }
  std::fprintf(out,
               "\"errors\":%llu,\"closes\":%llu,\"connect_failures\":%llu,\"threads\":%u,"
               "\"mode\":\"%s\",\"binary\":%s,\"warmup_s\":%.3f",
               ull(t.errors.count), ull(t.closes.count), ull(t.connect_failures.count), o.threads,
               mode(o), o.binary ? "true" : "false", o.warmup_s);
  if (o.target.websocket)
    std::fprintf(out, ",\"upgrades\":%llu,\"upgrade_us\":{%s}", ull(t.upgrade_time.count()),
                 percentiles(t.upgrade_time, false, true).c_str());
  if (o.target.tls)
    std::fprintf(out, ",\"tls_protocol\":%s,\"verify\":%s,\"handshake_us\":{%s}",
                 json_string(t.tls_protocol).c_str(), o.insecure ? "false" : "true",
                 percentiles(t.handshake_time, false, true).c_str());
  std::fputs("}\n", out);
}

void print_text(std::FILE* out, const LoadOptions& o, const WorkerStats& t) {
  std::fprintf(out, "wsload %s: %u connections, %llu-byte %s messages, %s", o.url.c_str(),
               o.connections, ull(o.size), o.binary ? "binary" : "text", mode(o));
  if (o.pubsub) std::fprintf(out, " (%u subscribers, %u publishers)", o.subscribers, o.publishers);
  if (!o.broadcast && !o.pubsub) std::fprintf(out, " loop");
  if (o.rate > 0 && !o.idle) std::fprintf(out, " at %.0f msg/s", o.rate);
  if (!o.idle && !o.broadcast && o.rate <= 0) std::fprintf(out, ", pipeline %u", o.pipeline);
  std::fprintf(out, ", %u thread%s, %.3f s (+%.1f s warm-up)\n", o.threads,
               o.threads == 1 ? "" : "s", o.duration_s, o.warmup_s);
  if (o.target.tls && t.handshake_time.count() == 0)
    std::fprintf(out, "  tls       no handshake finished\n");
  else if (o.target.tls)
    std::fprintf(out, "  tls       %s%s; handshake %s  (connect() to handshake done)\n",
                 t.tls_protocol.c_str(), o.insecure ? ", not verified (--insecure)" : ", verified",
                 percentiles(t.handshake_time, false, false).c_str());
  if (o.target.websocket && t.upgrade_time.count() > 0)
    std::fprintf(out, "  upgrade   %s  (connect() to the 101, %llu connections)\n",
                 percentiles(t.upgrade_time, false, false).c_str(), ull(t.upgrade_time.count()));
  if (o.broadcast) {
    const double rate = static_cast<double>(t.deliveries) / o.duration_s;
    std::fprintf(out,
                 "  deliveries  %llu in %llu round%s  (%.0f deliveries/s, %.2f MB/s of payload)\n",
                 ull(t.deliveries), ull(t.rounds), t.rounds == 1 ? "" : "s", rate, mb(rate, o));
    std::fprintf(out, "  round     %s\n", percentiles(t.round_time, false, false).c_str());
    std::fprintf(out, "  lost %llu, duplicated %llu, corrupt %llu, ", ull(t.lost.count),
                 ull(t.duplicated.count), ull(t.corrupt.count));
  } else if (o.pubsub) {
    const double rate = static_cast<double>(t.deliveries) / o.duration_s;
    std::fprintf(out,
                 "  published  %llu messages (warm-up included); deliveries %llu  (%.0f "
                 "deliveries/s, %.2f MB/s of payload)\n",
                 ull(t.published), ull(t.deliveries), rate, mb(rate, o));
    std::fprintf(out, "  latency   %s  (scheduled send to receipt)\n",
                 percentiles(t.latency, true, false).c_str());
    std::fprintf(out, "  lost %llu, reordered %llu, corrupt %llu, ", ull(t.lost.count),
                 ull(t.reordered.count), ull(t.corrupt.count));
  } else {
    const double rate = static_cast<double>(t.messages) / o.duration_s;
    std::fprintf(out, "  messages  %llu  (%.0f msg/s, %.2f MB/s of payload)\n", ull(t.messages),
                 rate, mb(rate, o));
    std::fprintf(out, "  latency   %s\n", percentiles(t.latency, true, false).c_str());
    std::fprintf(out, "  mismatches %llu, ", ull(t.mismatches.count));
  }
  std::fprintf(out, "errors %llu, unexpected closes %llu, failed connects %llu\n",
               ull(t.errors.count), ull(t.closes.count), ull(t.connect_failures.count));
}

bool report_failures(std::FILE* err, const LoadOptions& o, const WorkerStats& t,
                     const std::string& stall) {
  bool failed = false;
  const auto say = [&](const Tally& tally, const char* what) {
    if (tally.count == 0) return;
    failed = true;
    std::fprintf(err, "wsload: %llu %s; first: %s\n", ull(tally.count), what, tally.first.c_str());
  };
  say(t.connect_failures, "failed connects");
  say(t.errors, "errors");
  say(t.mismatches, "mismatched echoes");
  say(t.closes, "unexpected closes");
  if (!stall.empty()) {
    failed = true;
    std::fprintf(err, "wsload: %s\n", stall.c_str());
  }
  say(t.lost, "lost messages");
  say(t.duplicated, "duplicated messages");
  say(t.corrupt, "corrupt messages");
  say(t.reordered, "reordered messages");
  if (o.broadcast ? t.rounds == 0 && stall.empty()
      : o.pubsub  ? t.deliveries == 0
                  : !o.idle && t.messages == 0) {
    failed = true;
    std::fprintf(err, o.broadcast ? "wsload: no round completed inside the measurement window\n"
                      : o.pubsub  ? "wsload: nothing was delivered inside the measurement window\n"
                                  : "wsload: no echo came back inside the measurement window\n");
  }
  return failed;
}

}  // namespace wsload
