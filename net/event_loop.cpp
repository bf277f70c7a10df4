#include "net/event_loop.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "net/socket.hpp"
#include "net/syscalls.hpp"

namespace net {
namespace {

constexpr int max_events_per_wait = 256;
// Resolution of the wheel: timeouts here are seconds-scale, not micro.
constexpr auto timer_tick = std::chrono::milliseconds(10);
constexpr std::size_t timer_slots = 1024;
// How long to ignore the listener when no descriptor can be had at all.
constexpr auto accept_pause = std::chrono::milliseconds(100);

UniqueFd checked(int fd, const char* what) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), what);
  return UniqueFd(fd);
}

// False (errno set) when the kernel refuses: out of memory, or a limit.
bool try_watch(int epoll_fd, int fd, std::uint32_t events) noexcept {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  return sys::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

void watch(int epoll_fd, int fd, std::uint32_t events) {
  if (!try_watch(epoll_fd, fd, events))
    throw std::system_error(errno, std::generic_category(), "epoll_ctl ADD");
}

constexpr std::uint32_t connection_events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

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
      epoll_(checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")),
      wakeup_(checked(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd")),
      listener_(std::move(listener)),
      reserve_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      receive_buffer_(
          std::make_unique_for_overwrite<std::uint8_t[]>(receive_buffer_size + receive_padding)),
      memory_(options.memory_budget),
      timers_(timer_tick, timer_slots, core::Clock::now()),
      shutdown_timer_([this] {
        for (auto& connection : connections_)
          if (connection) connection->abort();
      }),
      resume_accepting_timer_([this] {
        if (listener_ && !try_watch(epoll_.get(), listener_.get(), EPOLLIN)) pause_accepting();
      }) {
  watch(epoll_.get(), wakeup_.get(), EPOLLIN);
  // Level-triggered on purpose: if accepting stops early (out of memory),
  // the listener is reported again instead of being forgotten.
  if (listener_) watch(epoll_.get(), listener_.get(), EPOLLIN);
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
  const int timeout = more_work ? 0 : timers_.next_timeout_ms(core::Clock::now());
  epoll_event events[max_events_per_wait];
  const int n = ::epoll_wait(epoll_.get(), events, max_events_per_wait, timeout);
  if (n < 0 && errno != EINTR)
    throw std::system_error(errno, std::generic_category(), "epoll_wait");
  // Timers first, so that what I/O handlers arm is measured from now, not
  // from before the wait (the wheel's contract).
  now_ = core::Clock::now();
  timers_.advance(now_);
  for (int i = 0; i < n; ++i) dispatch(events[i]);
}

void EventLoop::dispatch(const epoll_event& event) {
  const int fd = event.data.fd;
  if (listener_ && fd == listener_.get()) return accept_all();
  if (fd == wakeup_.get()) {
    std::uint64_t count;
    [[maybe_unused]] ssize_t ignored = ::read(wakeup_.get(), &count, sizeof count);
    deferred_pending_ = true;
    if (stop_requested_.load(std::memory_order_acquire) && !shutting_down_) begin_shutdown();
    return;
  }
  Connection* connection =
      static_cast<std::size_t>(fd) < connections_.size() ? connections_[fd].get() : nullptr;
  if (!connection || connection->state_ == Connection::State::closed) return;
  const bool hung_up = event.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  if (hung_up || (event.events & EPOLLIN)) connection->on_readable(receive_buffer(), hung_up);
  if ((event.events & EPOLLOUT) && connection->state_ != Connection::State::closed)
    connection->on_writable();
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
  sys::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
  timers_.arm(resume_accepting_timer_, accept_pause);
}

// A socket the kernel will not watch (out of memory) cannot be served: it is
// closed at once, so its client sees the end, and the loop goes on.
void EventLoop::adopt(UniqueFd fd) {
  if (try_watch(epoll_.get(), fd.get(), connection_events)) install(std::move(fd), make_handler_);
}

Connection& EventLoop::add_connection(UniqueFd fd, const HandlerFactory& make_handler) {
  watch(epoll_.get(), fd.get(), connection_events);
  return install(std::move(fd), make_handler);
}

// Registered already; events wait for the next epoll_wait, after this returns.
Connection& EventLoop::install(UniqueFd fd, const HandlerFactory& make_handler) {
  const int raw = fd.get();
  configure_accepted_socket(raw);
  if (static_cast<std::size_t>(raw) >= connections_.size()) connections_.resize(raw + 1024);
  auto connection = std::make_unique<Connection>(*this, std::move(fd));
  connection->set_handler(make_handler(*connection));
  Connection& added = *connection;
  connections_[raw] = std::move(connection);
  ++connection_count_;
  return added;
}

void EventLoop::begin_shutdown() {
  shutting_down_ = true;
  timers_.cancel(resume_accepting_timer_);
  if (listener_) sys::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
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
      connection->on_readable(receive_buffer(), /*until_eagain=*/true);  // no edge to go by
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
  }  // each Connection is destroyed here, closing its fd
  closed_.clear();
  if (shutting_down_ && connection_count_ == lingering_count_) timers_.cancel(shutdown_timer_);
}

std::span<std::uint8_t> EventLoop::receive_buffer() noexcept {
  return {receive_buffer_.get(), receive_buffer_size};
}

}  // namespace net
