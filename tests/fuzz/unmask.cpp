// Fuzz harness: the unmasking kernels (core/unmask.hpp, RFC 6455 5.3).
//
// Checks, for a payload, key and phase from the input, every kernel of
// available_unmask_kernels() and the dispatched unmask_copy/unmask_in_place:
// - copying into a separate block: dst[i] = src[i] ^ key[(phase + i) % 4],
//   the same bytes as the scalar kernel, src untouched;
// - in place (dst == src): the same bytes;
// - compacting down (dst before src, overlapping by all but `shift` bytes,
//   as when a payload is moved over its header): the same bytes;
// - the returned phase is (phase + size) % 4;
// - nothing is read or written outside the blocks: each buffer sits in a
//   heap block of exactly its size, after an offset chosen by the input (so
//   any alignment of src and dst), and AddressSanitizer reports the rest.
//
// Input:
//   byte 0     bits 0-1: the phase
//   bytes 1-4  the key
//   byte 5     src offset from a 64-byte boundary (low 6 bits)
//   byte 6     dst offset from a 64-byte boundary (low 6 bits)
//   byte 7     shift for compaction (1-64)
//   the rest   the payload
#include "core/unmask.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"

namespace {

struct Case {
  std::span<const std::uint8_t> payload;
  core::MaskKey key;
  std::size_t phase, src_offset, dst_offset, shift;
};

void expect_unmasked(const std::uint8_t* got, std::size_t returned_phase,
                     const fuzz::Bytes& expected, const Case& c, const std::string& what) {
  FUZZ_CHECK(returned_phase == (c.phase + expected.size()) % 4,
             what + ": returned phase " + std::to_string(returned_phase));
  FUZZ_CHECK(expected.empty() || std::memcmp(got, expected.data(), expected.size()) == 0,
             what + ": wrong bytes for size " + std::to_string(expected.size()) + " phase " +
                 std::to_string(c.phase) + " offsets " + std::to_string(c.src_offset) + "/" +
                 std::to_string(c.dst_offset) + ": " + fuzz::hex({got, expected.size()}) +
                 " expected " + fuzz::hex(expected));
}

// Copy, in place and compacting, through one kernel.
void check_kernel(core::UnmaskCopyFn copy, const fuzz::Bytes& expected, const Case& c,
                  const std::string& name) {
  const std::size_t n = c.payload.size();
  fuzz::ExactCopy src(c.payload, c.src_offset);
  fuzz::ExactCopy dst(fuzz::Bytes(n, 0xCC), c.dst_offset);
  expect_unmasked(dst.data(), copy(dst.data(), src.data(), n, c.key, c.phase), expected, c,
                  name + " copy");
  FUZZ_CHECK(n == 0 || std::memcmp(src.data(), c.payload.data(), n) == 0,
             name + " copy: src changed");

  expect_unmasked(src.data(), copy(src.data(), src.data(), n, c.key, c.phase), expected, c,
                  name + " in place");

  fuzz::Bytes shifted(c.shift, 0xCC);
  shifted.insert(shifted.end(), c.payload.begin(), c.payload.end());
  fuzz::ExactCopy block(shifted, c.src_offset);
  expect_unmasked(block.data(), copy(block.data(), block.data() + c.shift, n, c.key, c.phase),
                  expected, c, name + " compacting by " + std::to_string(c.shift));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  Case c;
  c.phase = in.byte() & 3;
  for (std::uint8_t& k : c.key) k = in.byte();
  c.src_offset = in.byte() & 63;
  c.dst_offset = in.byte() & 63;
  c.shift = 1 + in.byte() % 64;
  c.payload = in.rest();

  // 5.3, the plain way; then the scalar kernel must agree, then every kernel.
  fuzz::Bytes expected(c.payload.begin(), c.payload.end());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] ^= c.key[(c.phase + i) % 4];
  const auto kernels = core::available_unmask_kernels();
  FUZZ_CHECK(!kernels.empty() && kernels[0].name == "scalar", "the first kernel is not scalar");
  for (const core::UnmaskKernel& kernel : kernels)
    check_kernel(kernel.copy, expected, c, std::string(kernel.name));

  // The dispatched entry points (unmask_copy has a kernel's signature).
  check_kernel(core::unmask_copy, expected, c, "unmask_copy");
  fuzz::ExactCopy buffer(c.payload, c.src_offset);
  expect_unmasked(buffer.data(),
                  core::unmask_in_place(buffer.data(), buffer.size(), c.key, c.phase), expected, c,
                  "unmask_in_place");
  return 0;
}
