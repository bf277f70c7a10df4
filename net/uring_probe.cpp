#include "net/uring_probe.hpp"

#include <liburing.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "net/unique_fd.hpp"

namespace net {
namespace {

// A ring for the probe's life only.
class ProbeRing {
 public:
  explicit ProbeRing(unsigned flags) {
    io_uring_params params{};
    params.flags = flags;
    result_ = io_uring_queue_init_params(8, &ring_, &params);
  }
  ~ProbeRing() {
    if (ok()) io_uring_queue_exit(&ring_);
  }
  ProbeRing(const ProbeRing&) = delete;
  ProbeRing& operator=(const ProbeRing&) = delete;

  bool ok() const noexcept { return result_ == 0; }
  int error() const noexcept { return -result_; }
  io_uring* get() noexcept { return &ring_; }

 private:
  io_uring ring_{};
  int result_;
};

struct Unmap {
  std::size_t size;
  void operator()(void* p) const noexcept { ::munmap(p, size); }
};

constexpr unsigned buffer_group = 0;
constexpr unsigned buffer_count = 2;  // a power of two, as the ring requires
constexpr unsigned buffer_size = 64;

std::string describe_setup_error(int error) {
  std::string reason = std::string("io_uring_setup: ") + std::strerror(error);
  std::ifstream disabled("/proc/sys/kernel/io_uring_disabled");
  int level = 0;
  if (error == EPERM && disabled >> level && level != 0)
    reason += " (kernel.io_uring_disabled = " + std::to_string(level) + ")";
  else if (error == EPERM)
    reason += " (a seccomp filter, or not allowed for this user)";
  return reason;
}

void probe_opcodes(io_uring* ring, UringSupport& out) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (!probe) return;
  out.send_zc = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
  out.msg_ring = io_uring_opcode_supported(probe, IORING_OP_MSG_RING);
  io_uring_free_probe(probe);
}

// Registers a two-buffer provided ring, arms one multishot receive on a
// socketpair with a byte waiting, and reads its completion: a multishot
// receive that stays armed says IORING_CQE_F_MORE.
void probe_receive(io_uring* ring, UringSupport& out) {
  const std::size_t ring_bytes = buffer_count * sizeof(io_uring_buf);
  void* memory =
      ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) return;
  std::unique_ptr<void, Unmap> mapping(memory, Unmap{ring_bytes});
  auto* buffers = static_cast<io_uring_buf_ring*>(memory);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
  registration.ring_entries = buffer_count;
  registration.bgid = buffer_group;
  if (io_uring_register_buf_ring(ring, &registration, 0) != 0) return;
  out.buffer_ring = true;
  // Not on this stack: the kernel may still own the buffers until the ring
  // is torn down, after this function returns.
  static thread_local char storage[buffer_count][buffer_size];
  io_uring_buf_ring_init(buffers);
  for (unsigned i = 0; i < buffer_count; ++i)
    io_uring_buf_ring_add(buffers, storage[i], buffer_size, static_cast<unsigned short>(i),
                          io_uring_buf_ring_mask(buffer_count), static_cast<int>(i));
  io_uring_buf_ring_advance(buffers, buffer_count);

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
    UniqueFd reader(pair[0]), writer(pair[1]);
    if (::write(writer.get(), "x", 1) == 1) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);
      io_uring_prep_recv_multishot(sqe, reader.get(), nullptr, 0, 0);
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = buffer_group;
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec bound{1, 0};
      if (io_uring_submit(ring) == 1 && io_uring_wait_cqe_timeout(ring, &cqe, &bound) == 0) {
        out.multishot_recv = cqe->res == 1 && (cqe->flags & IORING_CQE_F_MORE);
        io_uring_cqe_seen(ring, cqe);
      }
    }
  }  // closing the socket ends the receive; the ring's teardown reaps it
  io_uring_unregister_buf_ring(ring, buffer_group);
}

}  // namespace

bool UringSupport::usable(std::string& what) const {
  if (!available) {
    what = unavailable_reason;
  } else if (!buffer_ring) {
    what = "no provided buffer rings (Linux 5.19)";
  } else if (!multishot_recv) {
    what = "no multishot receive (Linux 6.0)";
  } else {
    return true;
  }
  return false;
}

UringSupport probe_uring() {
  UringSupport out;
  // The flags first; a kernel older than 6.1 refuses them (EINVAL).
  const unsigned single = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  auto ring = std::make_unique<ProbeRing>(single);
  out.single_issuer = out.defer_taskrun = ring->ok();
  if (!ring->ok() && ring->error() == EINVAL) ring = std::make_unique<ProbeRing>(0);
  if (!ring->ok()) {
    out.unavailable_reason = describe_setup_error(ring->error());
    return out;
  }
  out.available = true;
  probe_opcodes(ring->get(), out);
  probe_receive(ring->get(), out);
  return out;
}

BackendChoice choose_backend(std::optional<BackendKind> wanted) {
  if (wanted == BackendKind::epoll) return {};
  std::string why;
  if (probe_uring().usable(why)) return {BackendKind::io_uring, {}};
  if (wanted) throw std::runtime_error("io_uring is not usable here: " + why);
  return {BackendKind::epoll, why};
}

}  // namespace net
