// tests/tls/tls_pair.hpp: two tls::Sessions talking through memory, the
// wire output of one pushed into the other, as a Connection would after a
// send and a receive; and contexts made from tests/tls/test_pki.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/tls/test_pki.hpp"
#include "tls/context.hpp"
#include "tls/session.hpp"

namespace tlstest {

using Status = net::Transport::Status;

inline std::shared_ptr<const tls::Context> server_context(tls::ServerFiles files = {}) {
  const TestPki& pki = TestPki::get();
  if (files.cert_chain.empty()) files.cert_chain = pki.cert, files.key = pki.key;
  std::string error;
  std::vector<std::string> warnings;
  auto context = tls::Context::server(files, error, warnings);
  EXPECT_TRUE(context) << error;
  return context;
}

inline std::shared_ptr<const tls::Context> client_context(tls::ClientOptions options = {}) {
  if (options.ca_file.empty()) options.ca_file = TestPki::get().ca;
  std::string error;
  auto context = tls::Context::client(options, error);
  EXPECT_TRUE(context) << error;
  return context;
}

// Moves everything `from` has for the wire into `to`, in pushes of at most
// `piece` bytes, pulling `to` after each; returns the last pull's status.
struct Pulled {
  std::string data;
  Status status = Status::need_more;
};

inline void drain(net::Transport& session, Pulled& into) {
  std::uint8_t buffer[16384];
  for (int guard = 0; guard < 100000; ++guard) {
    const net::Transport::Pulled got = session.pull(buffer);
    into.data.append(reinterpret_cast<const char*>(buffer), got.bytes);
    into.status = got.status;
    if (got.status != Status::ok) return;
  }
  ADD_FAILURE() << "pull() never stopped";
}

inline Pulled shuttle(net::Transport& from, net::Transport& to, std::size_t piece = SIZE_MAX) {
  Pulled pulled;
  drain(to, pulled);  // nothing pushed yet: what `to` already had
  for (auto out = from.wire_output(); !out.empty(); out = from.wire_output()) {
    const std::size_t n = std::min(out.size(), piece);
    to.push(out.first(n));
    from.wire_sent(n);
    drain(to, pulled);
  }
  return pulled;
}

// Back and forth until neither side has anything to send; true when both
// finished the handshake.
inline bool handshake(tls::Session& client, tls::Session& server, std::size_t piece = SIZE_MAX) {
  for (int round = 0; round < 20; ++round) {
    shuttle(client, server, piece);
    shuttle(server, client, piece);
    if (client.wire_pending() == 0 && server.wire_pending() == 0) break;
  }
  return client.handshake_done() && server.handshake_done();
}

}  // namespace tlstest
