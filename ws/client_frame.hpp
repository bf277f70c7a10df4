// Client frames (RFC 6455 5.2, 5.3): every frame a client sends is masked
// with a fresh key that the network cannot predict (10.3: so that a
// script choosing the payload cannot choose the bytes a proxy sees).
//
// MaskKeySource draws keys from OpenSSL's RAND_bytes: its default DRBG
// (AES-256-CTR, NIST SP 800-90A), seeded from getrandom(2) and reseeded by
// OpenSSL. Why not xoshiro or a plain LCG seeded from getrandom: those are
// fast but not unpredictable: a few observed keys give away the state and
// so every later key, which is exactly what 10.3 forbids. Why not a
// getrandom(2) call per frame: a syscall per message. Keys are fetched in
// batches of 1024 (4 KiB per RAND_bytes call), which makes a key cost a few
// nanoseconds: nothing next to the send.
//
// Thread safety: a MaskKeySource belongs to one thread (one per event loop);
// write_client_frame is a pure function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/unmask.hpp"
#include "ws/frame.hpp"

namespace ws {

class MaskKeySource {
 public:
  // Throws std::runtime_error if OpenSSL cannot produce random bytes.
  core::MaskKey next();

 private:
  void refill();

  static constexpr std::size_t batch_keys = 1024;
  std::array<std::uint8_t, 4 * batch_keys> pool_;
  std::size_t used_ = batch_keys;  // keys of pool_ handed out; starts empty
};

// Bytes a client frame with `payload_size` bytes of payload takes.
constexpr std::size_t client_frame_size(std::uint64_t payload_size) noexcept {
  return (payload_size < 126 ? 2 : payload_size < 65536 ? 4 : 10) + 4 + payload_size;
}

// Writes a whole masked frame (minimal length form, RSV = 0) into `out`,
// which has room for client_frame_size(payload.size()) bytes, masking the
// payload while copying it (one pass). Returns the bytes written.
std::size_t write_client_frame(std::uint8_t* out, Opcode opcode, bool fin,
                               std::span<const std::uint8_t> payload, core::MaskKey key) noexcept;

}  // namespace ws
