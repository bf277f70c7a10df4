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
  return o.idle ? "idle" : o.rate > 0 ? "open" : "closed";
}

}  // namespace

void print_json(std::FILE* out, const LoadOptions& o, const WorkerStats& t) {
  const double rate = static_cast<double>(t.messages) / o.duration_s;
  const double mb = rate * static_cast<double>(o.size) / 1e6;
  const core::Histogram& h = t.latency;
  std::fprintf(out,
               "{\"url\":%s,\"connections\":%u,\"size\":%llu,\"pipeline\":%u,"
               "\"duration_s\":%.3f,\"messages\":%llu,\"messages_per_sec\":%.1f,"
               "\"mb_per_sec\":%.3f,\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
               "\"p999\":%.1f,\"max\":%.1f},\"errors\":%llu,\"mismatches\":%llu,\"closes\":%llu,"
               "\"connect_failures\":%llu,\"threads\":%u,\"rate\":%.1f,\"mode\":\"%s\","
               "\"binary\":%s,\"warmup_s\":%.3f}\n",
               json_string(o.url).c_str(), o.connections, static_cast<unsigned long long>(o.size),
               o.pipeline, o.duration_s, static_cast<unsigned long long>(t.messages), rate, mb,
               us(h.percentile(0.50)), us(h.percentile(0.90)), us(h.percentile(0.99)),
               us(h.percentile(0.999)), us(h.max()), static_cast<unsigned long long>(t.errors),
               static_cast<unsigned long long>(t.mismatches),
               static_cast<unsigned long long>(t.closes),
               static_cast<unsigned long long>(t.connect_failures), o.threads, o.rate, mode(o),
               o.binary ? "true" : "false", o.warmup_s);
}

void print_text(std::FILE* out, const LoadOptions& o, const WorkerStats& t) {
  const double rate = static_cast<double>(t.messages) / o.duration_s;
  const core::Histogram& h = t.latency;
  std::fprintf(out, "wsload %s: %u connections, %llu-byte %s messages, %s loop", o.url.c_str(),
               o.connections, static_cast<unsigned long long>(o.size),
               o.binary ? "binary" : "text", mode(o));
  if (o.rate > 0 && !o.idle) std::fprintf(out, " at %.0f msg/s", o.rate);
  if (!o.idle && o.rate <= 0) std::fprintf(out, ", pipeline %u", o.pipeline);
  std::fprintf(out, ", %u thread%s, %.1f s (+%.1f s warm-up)\n", o.threads,
               o.threads == 1 ? "" : "s", o.duration_s, o.warmup_s);
  std::fprintf(out, "  messages  %llu  (%.0f msg/s, %.2f MB/s of payload)\n",
               static_cast<unsigned long long>(t.messages), rate,
               rate * static_cast<double>(o.size) / 1e6);
  std::fprintf(out, "  latency   p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us\n",
               us(h.percentile(0.50)), us(h.percentile(0.90)), us(h.percentile(0.99)),
               us(h.percentile(0.999)), us(h.max()));
  std::fprintf(out, "  errors %llu, mismatches %llu, unexpected closes %llu, failed connects %llu\n",
               static_cast<unsigned long long>(t.errors),
               static_cast<unsigned long long>(t.mismatches),
               static_cast<unsigned long long>(t.closes),
               static_cast<unsigned long long>(t.connect_failures));
}

bool report_failures(std::FILE* err, const LoadOptions& o, const WorkerStats& t) {
  bool failed = false;
  const auto say = [&](std::uint64_t count, const char* what, const std::string& first) {
    if (count == 0) return;
    failed = true;
    std::fprintf(err, "wsload: %llu %s; first: %s\n", static_cast<unsigned long long>(count), what,
                 first.c_str());
  };
  say(t.connect_failures, "failed connects", t.first_connect_failure);
  say(t.errors, "errors", t.first_error);
  say(t.mismatches, "mismatched echoes", t.first_mismatch);
  say(t.closes, "unexpected closes", t.first_close);
  if (!o.idle && t.messages == 0) {
    failed = true;
    std::fprintf(err, "wsload: no echo came back inside the measurement window\n");
  }
  return failed;
}

}  // namespace wsload
