// tests/client_conformance/client_fixture.hpp: the client under test
// (ws::BlockingClient) dialed at a CraftedServer, and the waits every test
// of the suite repeats, each bounded.
//
// BlockingClient::connect blocks until the 101 was checked, so it runs on a
// thread of its own (PendingDial) while the test's thread plays the server:
// accept, read the request, answer. A test that fails half-way leaves
// nothing hanging: closing the peer ends the dial (or the connection) at
// once, and the options keep the client's own timeouts short.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/client_conformance/crafted_server.hpp"
#include "ws/blocking_client.hpp"

namespace wstest {

// Short timeouts, so that a client that waits for something that never
// comes ends well inside one test.
ws::ClientOptions test_options();

// BlockingClient::connect on a thread of its own. The thread is detached:
// a connect that never returns (a bug under test) fails the waits below
// instead of hanging the suite in a destructor; the thread then owns what
// it finishes with.
class PendingDial {
 public:
  PendingDial(std::string url, ws::ClientOptions options);
  // The dial succeeded within `timeout`.
  ::testing::AssertionResult opened(std::unique_ptr<ws::BlockingClient>& out,
                                    std::chrono::milliseconds timeout = kPeerTimeout);
  // The dial failed within `timeout`: the DialError it threw.
  ::testing::AssertionResult failed(std::optional<ws::DialError>& out,
                                    std::chrono::milliseconds timeout = kPeerTimeout);

 private:
  // What the dial came to. The DialError is taken apart on the dialing
  // thread: an exception_ptr handed across threads has its reference count
  // inside libstdc++, where ThreadSanitizer cannot see it, and reads as a race.
  struct Result {
    std::unique_ptr<ws::BlockingClient> client;
    std::string error;  // what(), when the dial failed
    int status = 0;
    bool failed = false;
  };
  std::future<Result> future_;
};

// A client opened on a crafted peer. Members are destroyed peer first, so
// the client sees the end of TCP and its destructor need not wait for a
// close handshake the peer will never answer.
struct Session {
  CraftedServer server;
  std::unique_ptr<ws::BlockingClient> client;
  SeenRequest request;
  std::optional<PeerConnection> peer;
};

// Dials `s.server` with `options`, accepts, checks the request (4.1), answers
// with a correct 101 carrying `extra_headers` and waits for the client to open.
::testing::AssertionResult open_session(Session& s, ws::ClientOptions options = test_options(),
                                        std::string_view extra_headers = {},
                                        std::string_view path = "/");

// The Sec-WebSocket-Key of a request.
std::string key_of(const SeenRequest& request);

// Dials a fresh CraftedServer, reads the request, answers with
// `respond(request)`: the dial must fail; `error` is what it threw.
using Respond = std::function<std::string(const SeenRequest&)>;
::testing::AssertionResult dial_refused(const Respond& respond, std::optional<ws::DialError>& error,
                                        ws::ClientOptions options = test_options());

#define WSTEST_CLIENT(name) \
  ::wstest::Session name;   \
  ASSERT_TRUE(::wstest::open_session(name))

// The client's next report (receive) must be the end of the connection with
// `code` (and `reason` if given): messages before it fail the check.
::testing::AssertionResult expect_closed(ws::BlockingClient& client, std::uint16_t code,
                                         std::optional<std::string_view> reason = {},
                                         std::chrono::milliseconds timeout = kPeerTimeout);

// The client's next report must be this message.
::testing::AssertionResult expect_message(ws::BlockingClient& client, ws::Opcode opcode,
                                          std::string_view data,
                                          std::chrono::milliseconds timeout = kPeerTimeout);

// The server's side of a failed connection: the client's Close with `code`,
// then its report of that same code. The peer then ends TCP, as a server
// does after the close handshake (7.1.1).
::testing::AssertionResult expect_failed_with(Session& s, std::uint16_t code);

// What the client must make of some server bytes: these messages in order,
// then (if set) the failure of the connection with that code.
struct Outcome {
  std::vector<std::pair<ws::Opcode, std::string>> messages;
  std::optional<std::uint16_t> fail_code;
};

// A fresh session per call: the peer sends `bytes` in two writes cut at
// `cut` (0: one write) and the client must reach `expected`.
::testing::AssertionResult deliver(std::string_view bytes, std::size_t cut,
                                   const Outcome& expected);

// deliver() at every cut point 0..size-1: the client's result must not
// depend on how TCP splits the bytes.
::testing::AssertionResult deliver_at_every_cut(std::string_view bytes, const Outcome& expected);

}  // namespace wstest
