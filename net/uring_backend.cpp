#include "net/uring_backend.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "net/connection.hpp"
#include "net/event_loop.hpp"
#include "net/syscalls.hpp"
#include "net/uring_probe.hpp"

namespace net {
namespace {

constexpr unsigned submission_entries = 4096;
constexpr unsigned completion_entries = 16384;
constexpr unsigned short buffer_group = 0;
constexpr std::size_t buffer_stride = UringBackend::receive_buffer_size + receive_padding;
constexpr std::size_t completion_batch = 256;

// A completion's user_data: the object it concerns (a Connection, a send
// slot, or none) with what it was in the low bits, which alignment leaves
// free.
enum Op : std::uint64_t { receive = 1, send = 2, accept = 3, wakeup = 4, cancel = 5 };
constexpr std::uint64_t op_mask = 7;

template <typename T>
std::uint64_t tagged(T* object, Op op) noexcept {
  static_assert(alignof(T) > op_mask);
  return reinterpret_cast<std::uintptr_t>(object) | op;
}
template <typename T>
T* untagged(std::uint64_t data) noexcept {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(data & ~op_mask));
}

// Connection::backend_marks.
constexpr std::uint8_t receive_armed = 1;
constexpr std::uint8_t receive_cancelling = 2;

[[noreturn]] void fail(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

// The flags a ring with one submitting thread can have on this kernel.
unsigned setup_flags() {
  static const UringSupport support = probe_uring();
  unsigned flags = IORING_SETUP_CQSIZE;
  if (support.single_issuer) flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED;
  if (support.defer_taskrun) flags |= IORING_SETUP_DEFER_TASKRUN;
  return flags;
}

}  // namespace

UringBackend::Mapping::Mapping(std::size_t size) : size_(size) {
  void* mapped = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) fail(errno, "mmap");
  data_ = static_cast<std::uint8_t*>(mapped);
}

UringBackend::Mapping::~Mapping() { ::munmap(data_, size_); }

UringBackend::Ring::Ring(unsigned entries, unsigned completions, unsigned flags) {
  io_uring_params params{};
  params.flags = flags;
  params.cq_entries = completions;
  const int result = io_uring_queue_init_params(entries, &ring_, &params);
  if (result < 0) fail(-result, "io_uring_setup");
}

UringBackend::UringBackend(EventLoop& loop, int wakeup)
    : loop_(loop),
      wakeup_(wakeup),
      buffer_memory_(receive_buffers * buffer_stride),
      buffer_ring_memory_(receive_buffers * sizeof(io_uring_buf)),
      buffer_ring_(reinterpret_cast<io_uring_buf_ring*>(buffer_ring_memory_.data())),
      ring_(submission_entries, completion_entries, setup_flags()) {
  disabled_ = ring_.get()->flags & IORING_SETUP_R_DISABLED;
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(buffer_ring_);
  registration.ring_entries = receive_buffers;
  registration.bgid = buffer_group;
  const int result = io_uring_register_buf_ring(ring_.get(), &registration, 0);
  if (result < 0) fail(-result, "io_uring_register_buf_ring");
  io_uring_buf_ring_init(buffer_ring_);
  for (unsigned id = 0; id < receive_buffers; ++id) recycle(id);
  io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(recycled_));
  recycled_ = 0;
  // A read of a non-blocking file completes with -EAGAIN at once instead of
  // waiting; the loop's wakeups must wait. (Writing it never blocks.)
  ::fcntl(wakeup_, F_SETFL, ::fcntl(wakeup_, F_GETFL) & ~O_NONBLOCK);
  arm_wakeup();
}

UringBackend::~UringBackend() = default;

// The issuer of a single-issuer ring is the thread that enables it.
void UringBackend::start() {
  if (disabled_) {
    // liburing 2.3 declares io_uring_enable_rings but does not export it.
    if (::syscall(__NR_io_uring_register, ring_.get()->ring_fd, IORING_REGISTER_ENABLE_RINGS,
                  nullptr, 0) < 0)
      fail(errno, "io_uring_register(ENABLE_RINGS)");
    disabled_ = false;
  }
  io_uring_register_ring_fd(ring_.get());  // optional: saves a lookup per wait
}

// Never null: a full submission queue is submitted to make room (the
// kernel takes every entry, failing ones included, as a completion).
io_uring_sqe* UringBackend::next_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  while (!sqe) {
    io_uring_submit(ring_.get());
    sqe = io_uring_get_sqe(ring_.get());
  }
  return sqe;
}

bool UringBackend::arm_listener(int listener) noexcept {
  listener_ = listener;
  accepting_ = true;
  if (!accept_armed_) arm_accept();
  return true;
}

void UringBackend::disarm_listener(int /*listener*/) noexcept {
  accepting_ = false;
  if (!accept_armed_) return;
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, accept, 0);
  io_uring_sqe_set_data64(sqe, cancel);
}

void UringBackend::arm_accept() noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_multishot_accept(sqe, listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, accept);
  accept_armed_ = true;
}

void UringBackend::arm_wakeup() noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_read(sqe, wakeup_, &wakeup_count_, sizeof wakeup_count_, 0);
  io_uring_sqe_set_data64(sqe, wakeup);
}

bool UringBackend::attach(Connection& connection) noexcept { return arm_receive(connection); }

bool UringBackend::arm_receive(Connection& connection) noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv_multishot(sqe, connection.fd(), nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffer_group;
  io_uring_sqe_set_data64(sqe, tagged(&connection, receive));
  connection.backend_marks |= receive_armed;
  return true;
}

void UringBackend::cancel_receive(Connection& connection) noexcept {
  if (!(connection.backend_marks & receive_armed) ||
      (connection.backend_marks & receive_cancelling))
    return;
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, tagged(&connection, receive), 0);
  io_uring_sqe_set_data64(sqe, cancel);
  connection.backend_marks |= receive_cancelling;
}

void UringBackend::resume_input(Connection& connection) {
  if (connection.backend_marks & receive_armed) return;  // still (or again) receiving
  if (connection.input_ended() || connection.receive_room(receive_buffer_size) == 0) return;
  arm_receive(connection);
}

ssize_t UringBackend::send(Connection& connection, std::span<const iovec> pieces, bool stable,
                           bool now) noexcept {
  if (now)
    return sys::send_pieces(connection.fd(), pieces);  // no send is in flight: safe to go ahead
  if (free_slots_.empty()) {
    slots_.push_back(std::make_unique<SendSlot>());
    free_slots_.push_back(slots_.back().get());
  }
  SendSlot& slot = *free_slots_.back();
  free_slots_.pop_back();
  slot.owner = &connection;
  std::size_t count = std::min(pieces.size(), SendSlot::max_pieces);
  if (stable) {
    std::copy_n(pieces.begin(), count, slot.pieces);
  } else {  // the bytes may move before the kernel reads them: a copy flies
    slot.staging.clear();
    for (const iovec& piece : pieces)
      slot.staging.append({static_cast<const std::uint8_t*>(piece.iov_base), piece.iov_len});
    const auto staged = slot.staging.data();
    slot.pieces[0] = iovec{staged.data(), staged.size()};
    count = 1;
  }
  slot.message = msghdr{};
  slot.message.msg_iov = slot.pieces;
  slot.message.msg_iovlen = count;
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_sendmsg(sqe, connection.fd(), &slot.message, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tagged(&slot, Op::send));
  return in_flight;
}

void UringBackend::release(std::unique_ptr<Connection> connection) noexcept {
  if (!connection->backend_marks && !connection->sending()) return;  // freed here
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel_fd(sqe, connection->fd(), IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, cancel);
  Connection* key = connection.get();
  limbo_.emplace(key, std::move(connection));
}

void UringBackend::free_if_done(Connection& connection) noexcept {
  if (connection.backend_marks || connection.sending()) return;
  limbo_.erase(&connection);  // nothing if the loop still holds it
}

void UringBackend::wait(int timeout_ms) {
  int result;
  if (timeout_ms == 0) {
    result = io_uring_submit_and_get_events(ring_.get());
  } else if (timeout_ms < 0) {
    result = io_uring_submit_and_wait(ring_.get(), 1);
  } else {
    __kernel_timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    io_uring_cqe* first = nullptr;
    result = io_uring_submit_and_wait_timeout(ring_.get(), &first, 1, &timeout, nullptr);
  }
  if (result < 0 && result != -ETIME && result != -EINTR && result != -EAGAIN && result != -EBUSY)
    fail(-result, "io_uring_enter");
}

void UringBackend::dispatch() {
  io_uring_cqe* batch[completion_batch];
  for (;;) {
    const unsigned n = io_uring_peek_batch_cqe(ring_.get(), batch, completion_batch);
    for (unsigned i = 0; i < n; ++i) complete(*batch[i]);
    io_uring_cq_advance(ring_.get(), n);
    if (n < completion_batch) break;
  }
  if (recycled_ > 0) {
    io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(recycled_));
    recycled_ = 0;
  }
  // Buffers are back: the receives the ring ran dry for go again.
  std::vector<int> starved;
  starved.swap(starved_);
  for (int fd : starved)
    if (Connection* connection = loop_.connection_at(fd); connection && !connection->closed())
      resume_input(*connection);
}

void UringBackend::complete(const io_uring_cqe& cqe) {
  switch (cqe.user_data & op_mask) {
    case receive:
      return completed_receive(*untagged<Connection>(cqe.user_data), cqe);
    case Op::send:
      return completed_send(*untagged<SendSlot>(cqe.user_data), cqe.res);
    case accept:
      return completed_accept(cqe);
    case wakeup:
      arm_wakeup();
      return loop_.woken();
    default:
      return;  // a cancel's own completion: what it cancelled reports itself
  }
}

// Data, the peer's FIN, or the end of the receive (cancelled, -ENOBUFS, an
// error). A closed connection's data is given back unread.
void UringBackend::completed_receive(Connection& connection, const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE))
    connection.backend_marks &= ~(receive_armed | receive_cancelling);
  const bool live = !connection.closed() && !connection.input_ended();
  if (cqe.res > 0) {
    const unsigned id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
    const bool more = live && connection.received({buffer(id), receive_buffer_size},
                                                  static_cast<std::size_t>(cqe.res));
    recycle(id);
    if (more && connection.receive_room(receive_buffer_size) == 0) cancel_receive(connection);
    if (more && !(connection.backend_marks & receive_armed)) resume_input(connection);
  } else if (cqe.res == 0) {
    if (live) connection.end_of_input();
  } else if (cqe.res == -ENOBUFS) {
    if (live) starved_.push_back(connection.fd());
  } else if (cqe.res != -ECANCELED && live) {
    connection.input_failed(-cqe.res);
  }
  free_if_done(connection);
}

void UringBackend::completed_send(SendSlot& slot, int result) {
  Connection& connection = *slot.owner;
  slot.owner = nullptr;
  free_slots_.push_back(&slot);
  // Waiting for room is the kernel's business; if it says "try again", the
  // connection simply sends the same bytes again.
  if (result == -EAGAIN || result == -EINTR) result = 0;
  connection.sent(result);
  free_if_done(connection);
}

void UringBackend::completed_accept(const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) accept_armed_ = false;
  if (cqe.res >= 0) {
    UniqueFd fd(cqe.res);
    if (accepting_) loop_.adopt(std::move(fd));  // else closed: we are stopping or pausing
  } else if (cqe.res != -ECANCELED && accepting_) {
    loop_.accept_failed(-cqe.res);
  }
  if (accepting_ && !accept_armed_) arm_accept();
}

void UringBackend::recycle(unsigned buffer_id) noexcept {
  io_uring_buf_ring_add(buffer_ring_, buffer(buffer_id), receive_buffer_size,
                        static_cast<unsigned short>(buffer_id),
                        io_uring_buf_ring_mask(receive_buffers), static_cast<int>(recycled_++));
}

std::uint8_t* UringBackend::buffer(unsigned buffer_id) const noexcept {
  return buffer_memory_.data() + buffer_id * buffer_stride;
}

}  // namespace net
