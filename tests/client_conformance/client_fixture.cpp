// tests/client_conformance/client_fixture.cpp: see client_fixture.hpp.
#include "tests/client_conformance/client_fixture.hpp"

#include <thread>

#include "tests/support/frame_codec.hpp"

namespace wstest {

ws::ClientOptions test_options() {
  ws::ClientOptions options;
  options.handshake_timeout = 2000ms;
  options.close_timeout = 1000ms;
  return options;
}

PendingDial::PendingDial(std::string url, ws::ClientOptions options) {
  std::promise<Result> result;
  future_ = result.get_future();
  std::thread([result = std::move(result), url = std::move(url),
               options = std::move(options)]() mutable {
    Result outcome;
    try {
      outcome.client = ws::BlockingClient::connect(url, options);
    } catch (const ws::DialError& error) {
      outcome.error = error.what();
      outcome.status = error.status();
      outcome.failed = true;
    }
    result.set_value(std::move(outcome));
  }).detach();
}

::testing::AssertionResult PendingDial::opened(std::unique_ptr<ws::BlockingClient>& out,
                                               std::chrono::milliseconds timeout) {
  if (future_.wait_for(timeout) != std::future_status::ready)
    return ::testing::AssertionFailure()
           << "the client did not open within " << timeout.count() << " ms";
  Result result = future_.get();
  if (result.failed)
    return ::testing::AssertionFailure()
           << "the dial failed: " << result.error << " (status " << result.status << ")";
  out = std::move(result.client);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PendingDial::failed(std::optional<ws::DialError>& out,
                                               std::chrono::milliseconds timeout) {
  if (future_.wait_for(timeout) != std::future_status::ready)
    return ::testing::AssertionFailure()
           << "the dial neither failed nor opened within " << timeout.count() << " ms";
  Result result = future_.get();
  if (!result.failed) return ::testing::AssertionFailure() << "the client accepted the response";
  out.emplace(result.error, result.status);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult open_session(Session& s, ws::ClientOptions options,
                                        std::string_view extra_headers, std::string_view path) {
  if (!s.server.ok()) return ::testing::AssertionFailure() << "cannot listen on 127.0.0.1";
  PendingDial dial(s.server.url(path), std::move(options));
  if (auto accepted = s.server.accept(s.peer); !accepted) return accepted;
  if (auto read = s.peer->read_request(s.request); !read) return read;
  if (auto valid = check_client_request(s.request, s.server.host()); !valid) return valid;
  if (auto sent = s.peer->send_raw(response_101(s.request.get("Sec-WebSocket-Key"), extra_headers));
      !sent)
    return sent;
  return dial.opened(s.client);
}

namespace {

const char* kind_name(ws::Received::Kind kind) {
  switch (kind) {
    case ws::Received::Kind::message:
      return "message";
    case ws::Received::Kind::closed:
      return "closed";
    case ws::Received::Kind::timeout:
      return "timeout";
  }
  return "?";
}

std::string describe(const ws::Received& r) {
  std::string out = kind_name(r.kind);
  if (r.kind == ws::Received::Kind::message)
    out += " opcode " + std::to_string(static_cast<int>(r.opcode)) + " " + hex_preview(r.data);
  if (r.kind == ws::Received::Kind::closed)
    out += " code " + std::to_string(r.code) + " reason \"" + r.reason + "\"";
  return out;
}

}  // namespace

::testing::AssertionResult expect_closed(ws::BlockingClient& client, std::uint16_t code,
                                         std::optional<std::string_view> reason,
                                         std::chrono::milliseconds timeout) {
  const ws::Received r = client.receive(timeout);
  if (r.kind != ws::Received::Kind::closed || r.code != code || (reason && r.reason != *reason))
    return ::testing::AssertionFailure()
           << "the client reported " << describe(r) << ", expected closed code " << code;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult expect_message(ws::BlockingClient& client, ws::Opcode opcode,
                                          std::string_view data,
                                          std::chrono::milliseconds timeout) {
  const ws::Received r = client.receive(timeout);
  if (r.kind != ws::Received::Kind::message || r.opcode != opcode || r.data != data)
    return ::testing::AssertionFailure()
           << "the client reported " << describe(r) << ", expected a message opcode "
           << static_cast<int>(opcode) << " of " << data.size() << " bytes "
           << hex_preview(std::string(data));
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult expect_failed_with(Session& s, std::uint16_t code) {
  if (auto close = s.peer->expect_close(code); !close) return close;
  s.peer->close();
  return expect_closed(*s.client, code);
}

::testing::AssertionResult deliver(std::string_view bytes, std::size_t cut,
                                   const Outcome& expected) {
  Session s;
  if (auto open = open_session(s); !open) return open;
  if (auto sent = cut == 0 ? s.peer->send_raw(bytes) : s.peer->send_split(bytes, cut); !sent)
    return sent;
  for (const auto& [opcode, data] : expected.messages)
    if (auto got = expect_message(*s.client, opcode, data); !got) return got;
  if (expected.fail_code) return expect_failed_with(s, *expected.fail_code);
  // Nothing else was delivered, and the connection is still up.
  const ws::Received r = s.client->receive(20ms);
  if (r.kind != ws::Received::Kind::timeout)
    return ::testing::AssertionFailure() << "then the client reported " << describe(r);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult deliver_at_every_cut(std::string_view bytes, const Outcome& expected) {
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    if (auto result = deliver(bytes, cut, expected); !result)
      return result << " (bytes cut at " << cut << " of " << bytes.size() << ")";
  return ::testing::AssertionSuccess();
}

std::string key_of(const SeenRequest& request) { return request.get("Sec-WebSocket-Key"); }

::testing::AssertionResult dial_refused(const Respond& respond, std::optional<ws::DialError>& error,
                                        ws::ClientOptions options) {
  CraftedServer server;
  PendingDial dial(server.url("/"), std::move(options));
  std::optional<PeerConnection> peer;
  SeenRequest request;
  if (auto accepted = server.accept(peer); !accepted) return accepted;
  if (auto read = peer->read_request(request); !read) return read;
  if (auto sent = peer->send_raw(respond(request)); !sent) return sent;
  return dial.failed(error);
}

}  // namespace wstest
