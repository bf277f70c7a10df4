// tests/client_conformance/crafted_server_test.cpp: the crafted server's own
// checks, held against requests and frames known to be wrong, so that a
// suite that passes does so because the client is right, not because the
// checks are blind: check_client_request refuses each broken part of 4.1,
// and PeerConnection::read_frame refuses an unmasked client frame (5.3).
#include "tests/client_conformance/crafted_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <string>

#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

SeenRequest good_request() {
  SeenRequest r;
  r.method = "GET";
  r.target = "/";
  r.version = "HTTP/1.1";
  r.headers = {{"Host", "127.0.0.1:1"},
               {"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Version", "13"}};
  return r;
}

TEST(CraftedServerChecks, AcceptsAGoodRequest) {
  EXPECT_TRUE(check_client_request(good_request(), "127.0.0.1:1"));
}

struct Breakage {
  const char* name;
  std::function<void(SeenRequest&)> apply;
};

void PrintTo(const Breakage& b, std::ostream* os) { *os << b.name; }

class CraftedServerRefuses : public ::testing::TestWithParam<Breakage> {};

TEST_P(CraftedServerRefuses, BrokenRequest) {
  SeenRequest r = good_request();
  GetParam().apply(r);
  EXPECT_FALSE(check_client_request(r, "127.0.0.1:1"));
}

void set(SeenRequest& r, const char* name, const char* value) {
  for (auto& [n, v] : r.headers)
    if (iequals(n, name)) v = value;
}

INSTANTIATE_TEST_SUITE_P(
    All, CraftedServerRefuses,
    ::testing::Values(
        Breakage{"post", [](SeenRequest& r) { r.method = "POST"; }},
        Breakage{"http_1_0", [](SeenRequest& r) { r.version = "HTTP/1.0"; }},
        Breakage{"absolute_target", [](SeenRequest& r) { r.target = "ws://x/"; }},
        Breakage{"other_host", [](SeenRequest& r) { set(r, "Host", "127.0.0.1:2"); }},
        Breakage{"two_hosts",
                 [](SeenRequest& r) {
                   r.headers.push_back({"Host", "127.0.0.1:1"});
                 }},
        Breakage{"upgrade_h2c", [](SeenRequest& r) { set(r, "Upgrade", "h2c"); }},
        Breakage{"connection_close", [](SeenRequest& r) { set(r, "Connection", "close"); }},
        Breakage{"key_15_bytes",
                 [](SeenRequest& r) { set(r, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA"); }},
        Breakage{"key_not_canonical",
                 [](SeenRequest& r) { set(r, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAB=="); }},
        Breakage{"key_not_base64",
                 [](SeenRequest& r) { set(r, "Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="); }},
        Breakage{"version_8", [](SeenRequest& r) { set(r, "Sec-WebSocket-Version", "8"); }},
        Breakage{"extension_offered",
                 [](SeenRequest& r) {
                   r.headers.push_back({"Sec-WebSocket-Extensions", "permessage-deflate"});
                 }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CraftedServerChecks, ReadFrameRefusesAnUnmaskedFrame) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  net::UniqueFd writer(fds[1]);
  PeerConnection peer{net::UniqueFd(fds[0])};
  FrameSpec spec;
  spec.payload = "plain";
  spec.masked = false;
  const std::string unmasked = encode_frame(spec);
  spec.masked = true;
  const std::string masked = encode_frame(spec);
  const std::string both = masked + unmasked;
  ASSERT_EQ(::send(writer.get(), both.data(), both.size(), 0), static_cast<ssize_t>(both.size()));
  ClientFrame frame;
  ASSERT_TRUE(peer.read_frame(frame));
  EXPECT_EQ(frame.payload, "plain");
  EXPECT_FALSE(peer.read_frame(frame)) << "an unmasked client frame went unnoticed";
}

}  // namespace
}  // namespace wstest
