// wsload's output: the human report, the --json object, the progress line,
// and the reasons for a failing exit status on stderr.
#pragma once

#include <cstdio>
#include <string>

#include "tools/wsload_options.hpp"
#include "tools/wsload_stats.hpp"

namespace wsload {

// The JSON object (one line):
// {"url", "connections", "size", then for the echo modes
//    "pipeline", "duration_s", "messages", "messages_per_sec", "mb_per_sec"
//    (payload bytes echoed per second / 1e6), "latency_us": {"p50", "p90",
//    "p99", "p999", "max"}, "mismatches", "rate" (0: closed loop),
//  or for --broadcast
//    "duration_s" (from the first measured round's start), "rounds",
//    "deliveries" (verified messages received, all connections),
//    "deliveries_per_sec", "mb_per_sec" (payload bytes delivered per second
//    / 1e6), "round_us": {"p50", "p99", "p999", "max"}, "lost",
//    "duplicated", "corrupt",
//  or for --subscribers
//    "subscribers", "publishers", "rate", "duration_s", "published"
//    (messages sent, warm-up included), "deliveries" (receipts of messages
//    scheduled inside the window, every receiver), "deliveries_per_sec",
//    "mb_per_sec", "latency_us" (scheduled send to receipt): {"p50", "p90",
//    "p99", "p999", "max"}, "lost", "reordered", "corrupt",
//  then "errors", "closes", "connect_failures", "threads", "mode" ("closed",
//  "open", "idle", "broadcast" or "pubsub"), "binary", "warmup_s", then for
//  ws:// and wss:// "upgrades" (connections that got their 101, ramp-up
//  included) and "upgrade_us" (connect() called to the 101 read): {"p50",
//  "p99", "p999", "max"}, then for wss:// "tls_protocol" ("TLSv1.3",
//  "TLSv1.2", "mixed", "" if no handshake finished), "verify" (false with
//  --insecure) and "handshake_us" (connect() called to the TLS handshake
//  done): {"p50", "p99", "p999", "max"}}.
void print_json(std::FILE* out, const LoadOptions& options, const WorkerStats& totals);
void print_text(std::FILE* out, const LoadOptions& options, const WorkerStats& totals);

// True if the run failed; then one line per kind of failure on `err`.
// `stall`: why the broadcast rounds stopped early (a round timed out), or empty.
bool report_failures(std::FILE* err, const LoadOptions& options, const WorkerStats& totals,
                     const std::string& stall = {});

}  // namespace wsload
