#include "net/event_loop.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "net/epoll_backend.hpp"
#include "net/socket.hpp"
#include "net/syscalls.hpp"
#include "net/uring_backend.hpp"

namespace net {
namespace {

// Resolution of the wheel: timeouts here are seconds-scale, not micro.
constexpr auto timer_tick = std::chrono::milliseconds(10);
constexpr std::size_t timer_slots = 1024;
// How long to ignore the listener when no descriptor can be had at all.
constexpr auto accept_pause = std::chrono::milliseconds(100);

UniqueFd checked(int fd, const char* what) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), what);
  return UniqueFd(fd);
}

// The loop this thread is running (inside run()), so that defer() from the
// loop's own thread needs no eventfd.
thread_local const EventLoop* running_loop = nullptr;

class RunningLoop {
 public:
  explicit RunningLoop(const EventLoop* loop) : outer_(std::exchange(running_loop, loop)) {}
  ~RunningLoop() { running_loop = outer_; }
  RunningLoop(const RunningLoop&) = delete;
  RunningLoop& operator=(const RunningLoop&) = delete;

 private:
  const EventLoop* outer_;
};

}  // namespace

EventLoop::EventLoop(UniqueFd listener, HandlerFactory make_handler, Options options)
    : options_(options),
      make_handler_(std::move(make_handler)),
      wakeup_(checked(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd")),
      listener_(std::move(listener)),
      reserve_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      memory_(options.memory_budget),
      timers_(timer_tick, timer_slots, core::Clock::now()),
      shutdown_timer_([this] {
        for (auto& connection : connections_)
          if (connection) connection->abort();
      }),
      resume_accepting_timer_([this] {
        if (listener_ && !backend_->arm_listener(listener_.get())) pause_accepting();
      }),
      backend_(make_backend(options.backend)) {
  if (listener_ && !backend_->arm_listener(listener_.get()))
    throw std::system_error(errno, std::generic_category(), "watching the listener");
}

std::unique_ptr<Backend> EventLoop::make_backend(BackendKind kind) {
  if (kind == BackendKind::io_uring) return std::make_unique<UringBackend>(*this, wakeup_.get());
  return std::make_unique<EpollBackend>(*this, wakeup_.get());
}

EventLoop::~EventLoop() = default;

void EventLoop::request_stop() noexcept {
  stop_requested_.store(true, std::memory_order_release);
  wake();
}

void EventLoop::wake() noexcept {
  wakeups_written_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wakeup_.get(), &one, sizeof one);
}

// A push that finds the inbox empty wakes the loop, unless the loop itself
// pushed it: it drains before it next waits. No wakeup is lost: the loop
// reads the eventfd before it swaps the batch out, and any push after the
// swap finds the inbox empty again.
bool EventLoop::defer(std::function<void()> task) {
  const Inbox::Pushed pushed = inbox_.push(std::move(task));
  if (pushed == Inbox::Pushed::refused) return false;
  if (running_loop == this)
    deferred_pending_ = true;
  else if (pushed == Inbox::Pushed::first)
    wake();
  return true;
}

void EventLoop::run() {
  const RunningLoop running(this);
  backend_->start();
  // Stopping, connections whose last bytes are out and which only wait for
  // the peer's FIN (lingering) do not hold the loop up; nor do deferred
  // calls, however fast they come: a drain runs only what it found.
  while (!(shutting_down_ && connection_count_ == lingering_count_)) {
    wait_and_dispatch();
    run_deferred();
    resume_pending_reads();
    flush_dirty();
    reap_closed();
  }
  inbox_.close();  // defer() refuses from now on; what it took runs here
  for (auto& connection : connections_)
    if (connection) connection->abort();
  reap_closed();
}

void EventLoop::wait_and_dispatch() {
  const bool more_work =
      deferred_pending_ || !pending_reads_.empty() || !dirty_.empty() || !closed_.empty();
  backend_->wait(more_work ? 0 : timers_.next_timeout_ms(core::Clock::now()));
  // Timers first, so that what I/O handlers arm is measured from now, not
  // from before the wait (the wheel's contract).
  now_ = core::Clock::now();
  timers_.advance(now_);
  backend_->dispatch();
}

// The eventfd: another thread deferred calls or asked the loop to stop.
void EventLoop::woken() {
  deferred_pending_ = true;
  if (stop_requested_.load(std::memory_order_acquire) && !shutting_down_) begin_shutdown();
}

void EventLoop::accept_all() {
  for (;;) {
    const int fd = sys::accept4(listener_.get(), SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      adopt(UniqueFd(fd));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if ((errno == EMFILE || errno == ENFILE) && shed_one_pending_connection()) continue;
    return;  // EAGAIN: the backlog is empty; ENOBUFS/ENOMEM: retry on the next report
  }
}

// A backend that accepts on its own (io_uring) failed to: out of fds is
// handled as accept_all does; anything else is retried when it re-arms.
// An io_uring accept takes its fd before it looks at the backlog, so out of
// fds it fails at once even with nobody waiting: pause rather than spin.
void EventLoop::accept_failed(int error) {
  if ((error == EMFILE || error == ENFILE) && !shed_one_pending_connection()) pause_accepting();
}

// Out of file descriptors, a pending connection can be neither served nor
// left in the backlog (the listener would report it forever and the loop
// would spin). So: give up the spare fd, accept the connection, close it
// (the client sees its connection end at once), and take the spare back.
// With no spare to give, stop watching the listener for a moment instead.
bool EventLoop::shed_one_pending_connection() {
  if (!reserve_fd_) reserve_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!reserve_fd_) {
    pause_accepting();
    return false;
  }
  reserve_fd_.reset();
  const bool shed = UniqueFd(sys::accept4(listener_.get(), SOCK_CLOEXEC)).valid();
  reserve_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  return shed;
}

void EventLoop::pause_accepting() {
  backend_->disarm_listener(listener_.get());
  timers_.arm(resume_accepting_timer_, accept_pause);
}

// A socket the kernel will not watch (out of memory) cannot be served: it is
// closed at once, so its client sees the end, and the loop goes on.
void EventLoop::adopt(UniqueFd fd) { install(std::move(fd), make_handler_); }

Connection& EventLoop::add_connection(UniqueFd fd, const HandlerFactory& make_handler) {
  Connection* added = install(std::move(fd), make_handler);
  if (!added) throw std::system_error(errno, std::generic_category(), "watching a connection");
  return *added;
}

// Attached before its handler exists, so that a refusal costs no handler;
// its first input waits for the next wait, after this returns. Null (errno
// set, the socket closed) if the backend refused it.
Connection* EventLoop::install(UniqueFd fd, const HandlerFactory& make_handler) {
  const int raw = fd.get();
  configure_accepted_socket(raw);
  auto connection = std::make_unique<Connection>(*this, std::move(fd));
  if (!backend_->attach(*connection)) return nullptr;
  connection->set_handler(make_handler(*connection));
  if (static_cast<std::size_t>(raw) >= connections_.size()) connections_.resize(raw + 1024);
  Connection& added = *connection;
  connections_[raw] = std::move(connection);
  ++connection_count_;
  return &added;
}

void EventLoop::begin_shutdown() {
  shutting_down_ = true;
  timers_.cancel(resume_accepting_timer_);
  if (listener_) backend_->disarm_listener(listener_.get());
  listener_.reset();
  for (auto& connection : connections_)
    if (connection && connection->open()) connection->handler_->on_shutdown();
  timers_.arm(shutdown_timer_, options_.shutdown_timeout);
}

void EventLoop::run_deferred() {
  if (!deferred_pending_) return;
  deferred_pending_ = false;
  inbox_.drain();
}

void EventLoop::resume_pending_reads() {
  std::vector<int> fds;
  fds.swap(pending_reads_);
  for (int fd : fds) {
    Connection* connection = connections_[fd].get();
    if (connection && connection->state_ != Connection::State::closed)
      backend_->resume_input(*connection);
  }
}

void EventLoop::flush_dirty() {
  // Index loop: flushing may end a connection, never add to this list.
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    Connection* connection = dirty_[i];
    connection->dirty_ = false;
    if (connection->state_ != Connection::State::closed) connection->flush();
  }
  dirty_.clear();
}

void EventLoop::reap_closed() {
  // Index loop: a handler's on_disconnect may close further connections.
  for (std::size_t i = 0; i < closed_.size(); ++i) {
    const int fd = closed_[i]->fd();
    std::unique_ptr<Connection> connection = std::move(connections_[fd]);
    if (connection->dirty_)
      std::erase(dirty_, connection.get());  // dirtied by an earlier on_disconnect
    if (connection->handler_) connection->handler_->on_disconnect();
    --connection_count_;
    backend_->release(std::move(connection));  // closes its fd, now or once the kernel lets go
  }
  closed_.clear();
  if (shutting_down_ && connection_count_ == lingering_count_) timers_.cancel(shutdown_timer_);
}

}  // namespace net
