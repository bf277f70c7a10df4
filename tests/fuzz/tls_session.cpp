// Fuzz harness: a server tls::Session (tls/session.hpp) fed the input as wire
// bytes, in pushes cut where the input says, as a Connection would after
// each recv.
//
// Checks (besides no crash, leak or sanitizer report):
// - pull() never reports more bytes than its buffer holds, and stops (not
//   ok forever); once failed or peer_closed it stays so;
// - seal() takes nothing before the handshake has finished;
// - wire_output() is readable to its end (ASan sees a read past it) and
//   wire_sent() in pieces empties it;
// - close() after anything, once or twice, is harmless.
//
// Input:
//   byte 0        cut count N (mod 9)
//   N x 2 bytes   cut points, little-endian, as offsets into the stream
//   the rest      the stream (seeds: ClientHellos captured from tls::Session
//                 clients, 1.3 and 1.2, SNI, cut; garbage; plain HTTP;
//                 tests/fuzz/corpus/tls_session)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/tls/test_pki.hpp"
#include "tls/context.hpp"
#include "tls/session.hpp"

namespace {

using Status = net::Transport::Status;

// One context for the whole run, made from the test PKI's files.
const std::shared_ptr<const tls::Context>& server_context() {
  static const std::shared_ptr<const tls::Context> context = [] {
    const tlstest::TestPki& pki = tlstest::TestPki::get();
    std::string error;
    std::vector<std::string> warnings;
    auto made = tls::Context::server({pki.cert, pki.key, "", {{pki.other_cert, pki.other_key}}},
                                     error, warnings);
    FUZZ_CHECK(made != nullptr, error);
    return made;
  }();
  return context;
}

std::uint64_t drain_wire(tls::Session& session) {
  std::uint64_t sum = 0;
  while (session.wire_pending() > 0) {
    const std::span<const std::uint8_t> out = session.wire_output();
    for (std::uint8_t b : out) sum += b;  // every byte readable
    session.wire_sent(out.size() > 1 ? out.size() / 2 : 1);
  }
  return sum;
}

Status pull_all(tls::Session& session, Status before) {
  std::uint8_t buffer[4096];
  for (int i = 0; i < 10000; ++i) {
    const net::Transport::Pulled got = session.pull(buffer);
    FUZZ_CHECK(got.bytes <= sizeof buffer, "pull reported more than its buffer");
    if (before == Status::failed || before == Status::peer_closed)
      FUZZ_CHECK(got.status == before, "a final status changed");
    if (got.status != Status::ok) return got.status;
  }
  FUZZ_CHECK(false, "pull() returned ok 10000 times");
  return Status::failed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  const std::size_t cut_count = in.byte() % 9;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < cut_count; ++i) cuts.push_back(in.u16());
  const std::span<const std::uint8_t> stream = in.rest();
  for (std::size_t& cut : cuts) cut = std::min(cut, stream.size());
  cuts.push_back(stream.size());
  std::sort(cuts.begin(), cuts.end());

  std::unique_ptr<tls::Session> session = tls::Session::accept(server_context());
  FUZZ_CHECK(session != nullptr, "accept failed");
  Status status = Status::need_more;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    fuzz::ExactCopy piece(stream.subspan(from, cut - from));
    from = cut;
    session->push({piece.data(), piece.size()});
    status = pull_all(*session, status);
    const std::uint8_t reply[] = {'h', 'i'};
    const std::size_t sealed = session->seal(reply);
    if (!session->handshake_done()) FUZZ_CHECK(sealed == 0, "sealed before the handshake");
    drain_wire(*session);
  }
  session->close();
  session->close();
  drain_wire(*session);
  pull_all(*session, status);
  return 0;
}
