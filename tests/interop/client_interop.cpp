// client_interop: drives the project's client (ws::BlockingClient) through
// one scenario against a peer server written elsewhere
// (tests/interop/client_peer_server.py and .mjs, whose text commands it
// relies on), for tests/interop/client_interop_test.py.
//
//   client_interop SCENARIO URL [--ca FILE] [--proxy URL] [--subprotocol P]...
//
// Scenarios:
//   echo              one text message echoed
//   sizes             text and binary messages of every payload-length
//                     class (RFC 6455 5.2: 0, 1, 125, 126, 127, 65535,
//                     65536, 65537, 1 MiB) and a multi-byte UTF-8 text, all
//                     sent first, then each echo checked, in order
//   fragmented        messages the server sends as several frames (5.4),
//                     text and binary, one with a ping between its frames
//   server-ping       the server pings (with and without a payload); it
//                     answers "pong ok" once our pong carried the payload
//   client-ping       our pings (with and without a payload) are answered
//   close-from-client close(4001, "bye"), and others (close_cases_...); a
//                     second connection asks the server what it received
//   close-from-server the server closes with 4002 "done", and others
//   subprotocol       the client's choice (subprotocol()) is the server's
//
// Prints one line per check ("ok: ..." or "FAIL: ...: expected ..., got
// ..."). Exit status: 0 every check passed, 1 a check failed, 2 usage, 3 the
// dial failed (the reason printed: "dial failed: ...").
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ws/blocking_client.hpp"

namespace {

using std::chrono::milliseconds;

// Generous: the 1 MiB echoes through a proxy over TLS are the slowest step.
constexpr milliseconds receive_timeout{15'000};
constexpr milliseconds pong_timeout{5'000};

struct Args {
  std::string scenario;
  std::string url;
  ws::ClientOptions options;
};

// Counts checks and prints each; the exit status comes from it.
class Checks {
 public:
  void expect(bool passed, const std::string& what, const std::string& detail = {}) {
    if (passed) {
      std::printf("ok: %s\n", what.c_str());
    } else {
      ++failures_;
      std::printf("FAIL: %s%s%s\n", what.c_str(), detail.empty() ? "" : ": ", detail.c_str());
    }
    std::fflush(stdout);
  }
  bool passed() const { return failures_ == 0; }

 private:
  int failures_ = 0;
};

std::string opcode_name(ws::Opcode opcode) {
  switch (opcode) {
    case ws::Opcode::text:
      return "text";
    case ws::Opcode::binary:
      return "binary";
    default:
      return "opcode " + std::to_string(static_cast<int>(opcode));
  }
}

// A short, printable rendering of what a receive() returned.
std::string describe(const ws::Received& r) {
  switch (r.kind) {
    case ws::Received::Kind::timeout:
      return "nothing (timeout)";
    case ws::Received::Kind::closed:
      return "the close " + std::to_string(r.code) + " \"" + r.reason + "\"";
    case ws::Received::Kind::message:
      break;
  }
  std::string preview = r.data.substr(0, 40);
  for (char& c : preview) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '.';
  }
  return opcode_name(r.opcode) + " message of " + std::to_string(r.data.size()) + " bytes \"" +
         preview + (r.data.size() > 40 ? "...\"" : "\"");
}

// Where `got` first differs from `want`, as a sentence ("" if equal).
std::string difference(std::string_view want, std::string_view got) {
  if (want == got) return {};
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  std::string out = "expected " + std::to_string(want.size()) + " bytes, got " +
                    std::to_string(got.size()) + "; first difference at byte " + std::to_string(i);
  if (i < want.size() && i < got.size()) {
    char bytes[48];
    std::snprintf(bytes, sizeof bytes, " (expected 0x%02x, got 0x%02x)",
                  static_cast<unsigned char>(want[i]), static_cast<unsigned char>(got[i]));
    out += bytes;
  }
  return out;
}

// Checks that the next thing received is a message of `opcode` carrying
// exactly `want`.
void expect_message(Checks& checks, ws::BlockingClient& client, ws::Opcode opcode,
                    std::string_view want, const std::string& what) {
  const ws::Received r = client.receive(receive_timeout);
  if (!r.is_message()) {
    checks.expect(false, what,
                  "expected a " + opcode_name(opcode) + " message, got " + describe(r));
    return;
  }
  if (r.opcode != opcode) {
    checks.expect(false, what, "expected " + opcode_name(opcode) + ", got " + describe(r));
    return;
  }
  checks.expect(r.data == want, what, difference(want, r.data));
}

// Text of `size` bytes, ASCII (never one of the peer's command words), and
// binary of `size` bytes covering every byte value; `salt` makes messages
// of one size differ.
std::string text_of(std::size_t size, std::size_t salt) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('A' + (i + salt) % 26);
  return s;
}
std::string binary_of(std::size_t size, std::size_t salt) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + salt) % 256);
  return s;
}

// The peer's fragment command: frame i of a text message is the letter
// 'a' + i % 26 repeated; of a binary one the bytes (i * size + j) % 251.
std::string fragmented_payload(std::size_t count, std::size_t size, bool binary) {
  std::string s;
  s.reserve(count * size);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < size; ++j) {
      s.push_back(binary ? static_cast<char>((i * size + j) % 251)
                         : static_cast<char>('a' + i % 26));
    }
  }
  return s;
}

std::unique_ptr<ws::BlockingClient> dial(const Args& args) {
  return ws::BlockingClient::connect(args.url, args.options);
}

bool scenario_echo(const Args& args, Checks& checks) {
  auto client = dial(args);
  checks.expect(client->send_text("hello"), "send_text(\"hello\") accepted");
  expect_message(checks, *client, ws::Opcode::text, "hello", "\"hello\" echoed");
  const ws::Received closed = client->close(1000, "");
  checks.expect(closed.kind == ws::Received::Kind::closed && closed.code != 1006,
                "close(1000) completes the closing handshake", "got " + describe(closed));
  return checks.passed();
}

bool scenario_sizes(const Args& args, Checks& checks) {
  static constexpr std::size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20};
  struct Sent {
    ws::Opcode opcode;
    std::string data;
    std::string what;
  };
  std::vector<Sent> sent;
  std::size_t salt = 0;
  for (const std::size_t size : sizes) {
    sent.push_back({ws::Opcode::text, text_of(size, ++salt), "text of " + std::to_string(size)});
    sent.push_back(
        {ws::Opcode::binary, binary_of(size, ++salt), "binary of " + std::to_string(size)});
  }
  // 1-, 2-, 3- and 4-byte sequences (U+0041, U+00E9, U+65E5, U+1F389).
  sent.push_back({ws::Opcode::text,
                  "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x8e\x89 h\xc3\xa9llo w\xc3\xb6rld",
                  "multi-byte UTF-8 text"});

  auto client = dial(args);
  // Everything first: the echoes must come back whole and in order however
  // the server's reads and writes interleave with ours.
  for (const Sent& s : sent) {
    const bool ok =
        s.opcode == ws::Opcode::text ? client->send_text(s.data) : client->send_binary(s.data);
    checks.expect(ok, "send " + s.what + " accepted");
  }
  for (const Sent& s : sent) expect_message(checks, *client, s.opcode, s.data, s.what + " echoed");
  const ws::Received closed = client->close(1000, "");
  checks.expect(closed.kind == ws::Received::Kind::closed && closed.code != 1006,
                "close(1000) completes the closing handshake", "got " + describe(closed));
  return checks.passed();
}

bool scenario_fragmented(const Args& args, Checks& checks) {
  auto client = dial(args);
  struct Case {
    std::string command;
    std::size_t count, size;
    bool binary, ping;
  };
  const Case cases[] = {
      {"fragment 5 1000", 5, 1000, false, false},
      {"fragment 2 0", 2, 0, false, false},                // empty frames make an empty message
      {"fragment 3 70000 binary", 3, 70000, true, false},  // 64-bit lengths inside
      {"fragment 4 100 ping", 4, 100, false, true},
  };
  for (const Case& c : cases) {
    checks.expect(client->send_text(c.command), "send \"" + c.command + "\"");
    expect_message(checks, *client, c.binary ? ws::Opcode::binary : ws::Opcode::text,
                   fragmented_payload(c.count, c.size, c.binary),
                   "\"" + c.command + "\": reassembled message");
    if (c.ping) {
      expect_message(checks, *client, ws::Opcode::text, "pong ok",
                     "\"" + c.command + "\": the ping between frames answered");
    }
  }
  client->close(1000, "");
  return checks.passed();
}

bool scenario_server_ping(const Args& args, Checks& checks) {
  auto client = dial(args);
  for (const std::string command : {"ping hello-from-the-server", "ping"}) {
    checks.expect(client->send_text(command), "send \"" + command + "\"");
    expect_message(checks, *client, ws::Opcode::text, "pong ok",
                   "\"" + command + "\": the server saw our pong with its payload");
  }
  client->close(1000, "");
  return checks.passed();
}

bool wait_for_pongs(ws::BlockingClient& client, std::uint64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + pong_timeout;
  while (client.pongs() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

bool scenario_client_ping(const Args& args, Checks& checks) {
  auto client = dial(args);
  const std::uint64_t before = client->pongs();
  checks.expect(client->ping("are you there?"), "ping(\"are you there?\") accepted");
  checks.expect(
      wait_for_pongs(*client, before + 1), "its pong arrives",
      "pongs() is " + std::to_string(client->pongs()) + ", expected " + std::to_string(before + 1));
  checks.expect(client->ping(), "ping() (empty) accepted");
  checks.expect(
      wait_for_pongs(*client, before + 2), "its pong arrives",
      "pongs() is " + std::to_string(client->pongs()) + ", expected " + std::to_string(before + 2));
  checks.expect(client->send_text("after the pings"), "send after the pings");
  expect_message(checks, *client, ws::Opcode::text, "after the pings",
                 "messages still echo after the pings");
  client->close(1000, "");
  return checks.passed();
}

std::string random_token() {
  std::random_device device;
  return "t" + std::to_string(device()) + std::to_string(device());
}

// Closes both ways: an application code with a reason, 1000 without one, a
// registered-range code with a multi-byte UTF-8 reason (7.4.2, 5.5.1).
struct CloseCase {
  std::uint16_t code;
  std::string reason;
};
const CloseCase close_cases_from_client[] = {
    {4001, "bye"}, {1000, ""}, {3000, "gr\xc3\xbc\xc3\x9f \xe2\x9c\x93"}};
const CloseCase close_cases_from_server[] = {
    {4002, "done"}, {1000, ""}, {3001, "fertig \xe2\x9c\x93"}};

std::string close_name(const CloseCase& c) {
  return "close " + std::to_string(c.code) + " \"" + c.reason + "\"";
}

bool scenario_close_from_client(const Args& args, Checks& checks) {
  for (const CloseCase& c : close_cases_from_client) {
    const std::string token = random_token();
    {
      auto client = dial(args);
      checks.expect(client->send_text("label " + token), "send \"label " + token + "\"");
      expect_message(checks, *client, ws::Opcode::text, "label ok", "the server took the label");
      const ws::Received closed = client->close(c.code, c.reason);
      // RFC 6455 5.5.1: the server answers with a close of its own (both
      // peers here echo the code); 1006 would mean TCP ended without one.
      checks.expect(closed.kind == ws::Received::Kind::closed && closed.code != 1006,
                    close_name(c) + " from the client completes with the server's close frame",
                    "got " + describe(closed));
      std::printf("note: the server answered with %s\n", describe(closed).c_str());
    }
    // The peer reports what it received, to a second connection.
    auto asker = dial(args);
    checks.expect(asker->send_text("close-of " + token + "?"), "second connection asks");
    expect_message(checks, *asker, ws::Opcode::text, std::to_string(c.code) + " " + c.reason,
                   "the server received " + close_name(c));
    asker->close(1000, "");
  }
  return checks.passed();
}

bool scenario_close_from_server(const Args& args, Checks& checks) {
  for (const CloseCase& c : close_cases_from_server) {
    auto client = dial(args);
    const std::string command = "close " + std::to_string(c.code) + " " + c.reason;
    checks.expect(client->send_text(command), "send \"" + command + "\"");
    const ws::Received r = client->receive(receive_timeout);
    checks.expect(r.kind == ws::Received::Kind::closed && r.code == c.code && r.reason == c.reason,
                  "receive() reports the " + close_name(c), "got " + describe(r));
    const ws::Received again = client->receive(milliseconds(100));
    checks.expect(again.kind == ws::Received::Kind::closed && again.code == c.code,
                  "receive() reports the close again", "got " + describe(again));
    checks.expect(!client->send_text("too late"), "send_text after the close is refused");
  }
  return checks.passed();
}

bool scenario_subprotocol(const Args& args, Checks& checks) {
  auto client = dial(args);
  const std::string chosen = client->subprotocol();
  std::printf("note: subprotocol() is \"%s\"\n", chosen.c_str());
  bool offered = chosen.empty();
  for (const auto& p : args.options.subprotocols) offered = offered || p == chosen;
  checks.expect(offered, "the subprotocol is one we offered", "got \"" + chosen + "\"");
  checks.expect(client->send_text("subprotocol?"), "send \"subprotocol?\"");
  expect_message(checks, *client, ws::Opcode::text, "subprotocol=" + chosen,
                 "the server chose the same one");
  client->close(1000, "");
  return checks.passed();
}

const std::map<std::string, std::function<bool(const Args&, Checks&)>> scenarios = {
    {"echo", scenario_echo},
    {"sizes", scenario_sizes},
    {"fragmented", scenario_fragmented},
    {"server-ping", scenario_server_ping},
    {"client-ping", scenario_client_ping},
    {"close-from-client", scenario_close_from_client},
    {"close-from-server", scenario_close_from_server},
    {"subprotocol", scenario_subprotocol},
};

int usage() {
  std::fprintf(stderr,
               "usage: client_interop SCENARIO URL [--ca FILE] [--proxy URL] [--subprotocol P]...\n"
               "scenarios:");
  for (const auto& [name, run] : scenarios) std::fprintf(stderr, " %s", name.c_str());
  std::fprintf(stderr, "\n");
  return 2;
}

bool parse_args(int argc, char** argv, Args& args) {
  if (argc < 3) return false;
  args.scenario = argv[1];
  args.url = argv[2];
  for (int i = 3; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[i + 1];
    if (flag == "--ca") {
      args.options.tls.ca_file = value;
    } else if (flag == "--proxy") {
      args.options.proxy = value;
    } else if (flag == "--subprotocol") {
      args.options.subprotocols.emplace_back(value);
    } else {
      return false;
    }
  }
  return scenarios.count(args.scenario) != 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) return usage();
  std::printf("client_interop: %s against %s\n", args.scenario.c_str(), args.url.c_str());
  Checks checks;
  try {
    const bool passed = scenarios.at(args.scenario)(args, checks);
    std::printf("client_interop: %s %s\n", args.scenario.c_str(), passed ? "PASSED" : "FAILED");
    return passed ? 0 : 1;
  } catch (const ws::DialError& e) {
    std::printf("dial failed: %s (HTTP status %d)\n", e.what(), e.status());
    std::fprintf(stderr, "client_interop: dial failed: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
