#include "ws/client_frame.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace ws {

void MaskKeySource::refill() {
  if (RAND_bytes(pool_.data(), static_cast<int>(pool_.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no masking keys");
  used_ = 0;
}

core::MaskKey MaskKeySource::next() {
  if (used_ == batch_keys) refill();
  core::MaskKey key;
  std::memcpy(key.data(), pool_.data() + 4 * used_, 4);
  ++used_;
  return key;
}

std::size_t write_client_frame(std::uint8_t* out, Opcode opcode, bool fin,
                               std::span<const std::uint8_t> payload, core::MaskKey key) noexcept {
  const std::size_t header = write_frame_header(out, opcode, fin, payload.size(), key.data());
  // XOR is its own inverse: the "unmask while copying" kernel masks too.
  core::unmask_copy(out + header, payload.data(), payload.size(), key, 0);
  return header + payload.size();
}

}  // namespace ws
