// wsload's output: the human report, the --json object, the progress line,
// and the reasons for a failing exit status on stderr.
#pragma once

#include <cstdio>

#include "tools/wsload_options.hpp"
#include "tools/wsload_stats.hpp"

namespace wsload {

// The JSON object (one line):
// {"url", "connections", "size", "pipeline", "duration_s", "messages",
//  "messages_per_sec", "mb_per_sec" (payload bytes echoed per second / 1e6),
//  "latency_us": {"p50", "p90", "p99", "p999", "max"}, "errors", "mismatches",
//  "closes", "connect_failures", then "threads", "rate" (0: closed loop),
//  "mode" ("closed", "open" or "idle"), "binary", "warmup_s"}.
void print_json(std::FILE* out, const LoadOptions& options, const WorkerStats& totals);
void print_text(std::FILE* out, const LoadOptions& options, const WorkerStats& totals);

// True if the run failed; then one line per kind of failure on `err`.
bool report_failures(std::FILE* err, const LoadOptions& options, const WorkerStats& totals);

}  // namespace wsload
