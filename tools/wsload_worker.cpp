#include "tools/wsload_worker.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>

#include "net/socket.hpp"
#include "tools/wsload_broadcast.hpp"
#include "tools/wsload_connection.hpp"
#include "tools/wsload_tls.hpp"

namespace wsload {
namespace {

// How often a worker looks at the main thread's phase and opens the next
// connections of the ramp: the wheel's own resolution.
constexpr auto control_period = std::chrono::milliseconds(10);

// The ticker (see the header): each end, on its byte, runs the scheduler and
// passes the byte back, so the loop never sleeps while the open loop runs.
class Ticker final : public net::StreamHandler {
 public:
  Ticker(Worker& worker, net::Connection& connection) : worker_(worker), connection_(connection) {}
  void kick() {
    static constexpr std::uint8_t byte = 0;
    connection_.write({&byte, 1});
  }
  void on_data(std::span<std::uint8_t>) override {
    worker_.pace();
    if (worker_.ticking()) kick();
  }
  void on_end_of_input() override { connection_.abort(); }
  void on_shutdown() override { connection_.abort(); }
  void on_disconnect() override {}

 private:
  Worker& worker_;
  net::Connection& connection_;
};

}  // namespace

Worker::Worker(const LoadOptions& options, RunControl& control, unsigned index,
               RoundBarrier* barrier, std::shared_ptr<const tls::Context> tls)
    : options_(options),
      control_(control),
      index_(index),
      to_open_(options.connections / options.threads +
               (index < options.connections % options.threads ? 1 : 0)),
      connect_interval_ns_(1e9 * options.threads / options.connect_rate),
      closed_loop_(!options.idle && options.rate <= 0 && !options.broadcast),
      barrier_(barrier),
      tls_(std::move(tls)),
      pattern_(options.size, !options.binary, options.broadcast),
      loop_(std::make_unique<net::EventLoop>(
          net::UniqueFd(),
          [](net::Connection&) -> std::unique_ptr<net::StreamHandler> {
            return nullptr;  // no listener: nothing is ever accepted
          },
          net::EventLoop::Options{.shutdown_timeout = std::chrono::milliseconds(2000)})),
      control_timer_([this] { control_tick(); }) {
  if (options.pubsub) {  // one schedule for all publishers (tools/wsload_pubsub.hpp)
    if (index < options.publishers) rate_interval_ns_ = 1e9 / options.rate;
  } else if (!options.idle && options.rate > 0) {
    rate_interval_ns_ = 1e9 * options.threads / options.rate;
  }
  connections_.reserve(to_open_);
}

Worker::~Worker() = default;

void Worker::run() {
  ramp_start_ = now_ns();
  control_tick();
  loop_->run();
  if (attempted_ < to_open_) {  // stopped before the ramp was over
    stats_.connect_failures.add("never attempted: the run ended first", to_open_ - attempted_);
  }
}

void Worker::control_tick() {
  if (stopping_) return;
  const Nanos now = now_ns();
  open_connections(now);
  if (!started_ && control_.phase.load(std::memory_order_acquire) >= 1) start_load();
  if (ticking()) pace();  // in case the ticker died
  loop_->timers().arm(control_timer_, control_period);
}

// Paced ramp-up: connection k of this worker opens at ramp start + k * interval.
void Worker::open_connections(Nanos now) {
  while (attempted_ < to_open_ &&
         static_cast<double>(now - ramp_start_) >= attempted_ * connect_interval_ns_)
    open_one();
}

void Worker::open_one() {
  const std::uint32_t slot = attempted_++;
  const std::uint32_t id = index_ + slot * options_.threads;
  ClientConnection* made = nullptr;
  try {
    const Nanos started = now_ns();
    net::UniqueFd fd = net::connect_tcp(options_.target.host, options_.target.port);
    // wss://: the ClientHello is the session's wire output from here on; the
    // upgrade request the handler writes waits for the handshake.
    std::unique_ptr<TimedSession> session;
    if (tls_) {
      std::unique_ptr<tls::Session> made_session =
          tls::Session::connect(tls_, options_.target.host);
      if (!made_session) throw std::runtime_error("TLS session setup failed (tls::Session)");
      session = std::make_unique<TimedSession>(std::move(made_session));
    }
    loop_->add_connection(std::move(fd), [&](net::Connection& c) {
      TimedSession* timed = session.get();
      if (session) c.set_transport(std::move(session));
      auto handler = std::make_unique<ClientConnection>(*this, c, id, slot, started, timed);
      made = handler.get();
      return handler;
    });
  } catch (const std::exception& e) {
    stats_.connect_failures.add(e.what());
    settle();
    problem();
    connections_.push_back(nullptr);
    return;
  }
  connections_.push_back(made);
  if (!options_.target.websocket) made->become_open();  // no handshake to wait for
}

void Worker::start_load() {
  started_ = true;
  window_start_ = control_.window_start.load(std::memory_order_relaxed);
  window_end_ = control_.window_end.load(std::memory_order_relaxed);
  if (options_.idle || options_.broadcast) return;  // broadcast: the barrier begins rounds
  if (closed_loop_) {
    for (ClientConnection* c : connections_)
      if (c && c->is_open()) c->start_sending();
    return;
  }
  schedule_origin_ = control_.load_start.load(std::memory_order_relaxed);
  if (options_.pubsub) {
    if (rate_interval_ns_ <= 0) return finish_sending();  // holds no publisher
  } else {
    // Stagger the threads' schedules so that together they are even.
    schedule_origin_ += static_cast<Nanos>(rate_interval_ns_ * index_ / options_.threads);
  }
  start_ticker();
}

void Worker::start_ticker() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    // Without it the schedule runs on the control tick alone (10 ms steps).
    stats_.errors.add("socketpair failed: the open loop runs coarse");
    problem();
    return;
  }
  Ticker* first = nullptr;
  const auto make = [&](net::Connection& c) {
    auto t = std::make_unique<Ticker>(*this, c);
    if (!first) first = t.get();
    return t;
  };
  loop_->add_connection(net::UniqueFd(fds[0]), make);
  loop_->add_connection(net::UniqueFd(fds[1]), make);
  first->kick();
}

void Worker::pace() noexcept {
  if (!ticking() || connections_.empty()) return;
  const Nanos now = now_ns();
  if (options_.pubsub) return publish_due(now);
  const std::size_t n = connections_.size();
  for (;;) {
    const Nanos due =
        schedule_origin_ + static_cast<Nanos>(std::llround(schedule_index_ * rate_interval_ns_));
    if (due > now) return;
    ClientConnection* c = connections_[schedule_index_ % n];
    ++schedule_index_;
    if (c) c->send_message(due);  // a closed connection's turn is skipped
  }
}

// Message k of the one schedule is publisher k mod P's number k / P; this
// worker sends those of its own publishers (p mod threads == index, at slot
// p / threads), and none due at or after the end of the window (which
// SIGINT may bring forward).
void Worker::publish_due(Nanos now) noexcept {
  const Nanos end = control_.window_end.load(std::memory_order_relaxed);
  for (;;) {
    const Nanos due =
        schedule_origin_ + static_cast<Nanos>(std::llround(schedule_index_ * rate_interval_ns_));
    if (due >= end) return finish_sending();
    if (due > now) return;
    const std::uint64_t k = schedule_index_++;
    const auto publisher = static_cast<std::uint32_t>(k % options_.publishers);
    if (publisher % options_.threads != index_) continue;
    const std::size_t slot = publisher / options_.threads;
    ClientConnection* c = slot < connections_.size() ? connections_[slot] : nullptr;
    if (c && c->send_publication(k / options_.publishers, due)) {
      ++stats_.published;
      LiveCounters::bump(live_.sent);
    }
  }
}

void Worker::finish_sending() noexcept {
  sending_over_ = true;
  live_.done_sending.store(true, std::memory_order_release);
}

void Worker::on_publication(Nanos due, Nanos now) noexcept {
  LiveCounters::bump(live_.echoes);
  ++stats_.received;
  if (due < window_start_ || due >= window_end_) return;
  ++stats_.deliveries;
  stats_.latency.record(static_cast<std::uint64_t>(std::max<Nanos>(now - due, 0)));
}

void Worker::on_upgraded(ClientConnection& connection) {
  LiveCounters::bump(live_.open);
  if (closed_loop_sending()) connection.start_sending();
}

void Worker::on_echo(Nanos sent_at, Nanos now) noexcept {
  LiveCounters::bump(live_.echoes);
  if (now < window_start_ || now >= window_end_ || !started_) return;
  ++stats_.messages;
  stats_.latency.record(static_cast<std::uint64_t>(std::max<Nanos>(now - sent_at, 0)));
}

void Worker::defer_round(std::uint64_t round, bool measured) {
  loop_->defer([this, round, measured] { begin_round(round, measured); });
}

void Worker::begin_round(std::uint64_t round, bool measured) {
  // Round 0 may come before this loop's control tick has seen the phase
  // change; the barrier started after it, so the window is set.
  if (!started_) start_load();
  if (measured) measured_from_ = std::min(measured_from_, round);
  for (ClientConnection* c : connections_)
    if (c) c->send_round(round);
}

// Every connection of this worker was open when round 0 began (the main
// thread saw to that), so all to_open_ of them must hold a round.
void Worker::on_round_received(std::uint64_t round, Nanos now) {
  if (round >= measured_from_ && now < window_end_) stats_.deliveries += options_.connections;
  if (++round_holders_ < to_open_) return;
  round_holders_ = 0;
  barrier_->arrive(round, now, stats_);
}

bool Worker::round_stalled(std::uint64_t round) const noexcept {
  return barrier_ && barrier_->stalled() && barrier_->round() == round;
}

void Worker::on_ended(std::uint32_t slot, bool was_open) noexcept {
  if (slot < connections_.size()) connections_[slot] = nullptr;
  if (was_open) LiveCounters::bump(live_.open, -1);
}

void WorkerStats::merge(const WorkerStats& o) {
  latency.merge(o.latency);
  messages += o.messages;
  round_time.merge(o.round_time);
  rounds += o.rounds;
  deliveries += o.deliveries;
  published += o.published;
  received += o.received;
  upgrade_time.merge(o.upgrade_time);
  handshake_time.merge(o.handshake_time);
  if (!o.tls_protocol.empty()) note_protocol(o.tls_protocol);
  for (Tally WorkerStats::*kind :
       {&WorkerStats::errors, &WorkerStats::mismatches, &WorkerStats::closes,
        &WorkerStats::connect_failures, &WorkerStats::lost, &WorkerStats::duplicated,
        &WorkerStats::corrupt, &WorkerStats::reordered})
    (this->*kind).merge(o.*kind);
}

}  // namespace wsload
