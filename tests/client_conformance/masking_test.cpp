// tests/client_conformance/masking_test.cpp: RFC 6455 5.3: "a client MUST mask
// all frames that it sends to the server", with "a fresh masking key" per
// frame that the network cannot predict (10.3). The crafted peer checks the
// mask bit of every frame it reads (crafted_server.hpp); here, every kind of
// frame the client writes, at every length form, and the keys of many
// frames: all different, none zero.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "tests/client_conformance/client_fixture.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {
namespace {

class Rfc6455_5_3_Masked : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Rfc6455_5_3_Masked, TextAndBinaryOfEverySize) {
  const std::string text = utf8_text_payload(GetParam());
  const std::string binary = binary_payload(GetParam(), 3);
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.client->send_text(text));
  ASSERT_TRUE(s.client->send_binary(binary));
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));  // read_frame fails an unmasked frame
  EXPECT_TRUE(frame.fin);
  EXPECT_EQ(frame.rsv, 0);
  EXPECT_EQ(frame.opcode, kText);
  EXPECT_EQ(frame.payload, text);
  ASSERT_TRUE(s.peer->read_frame(frame));
  EXPECT_EQ(frame.opcode, kBinary);
  EXPECT_EQ(frame.payload, binary);
}

INSTANTIATE_TEST_SUITE_P(All, Rfc6455_5_3_Masked,
                         ::testing::Values(0, 1, 4, 125, 126, 65535, 65536, 300000));

TEST(Rfc6455_5_3_Masked, PingPongAndClose) {
  WSTEST_CLIENT(s);
  ASSERT_TRUE(s.client->ping("client ping"));
  ClientFrame frame;
  ASSERT_TRUE(s.peer->read_frame(frame));
  EXPECT_EQ(frame.opcode, kPing);
  EXPECT_EQ(frame.payload, "client ping");
  ASSERT_TRUE(s.peer->send_raw(server_frame(kPing, "server ping")));
  ASSERT_TRUE(s.peer->read_frame(frame));
  EXPECT_EQ(frame.opcode, kPong);
  EXPECT_EQ(frame.payload, "server ping");
  ASSERT_TRUE(s.peer->send_raw(server_frame(kClose, close_payload(1000, "bye"))));
  ASSERT_TRUE(s.peer->expect_close(1000));
}

TEST(Rfc6455_5_3_Keys, FreshForEveryFrame) {
  constexpr int kFrames = 300;
  WSTEST_CLIENT(s);
  for (int i = 0; i < kFrames; ++i) {
    // The same payload each time: only the key may make the bytes differ.
    if (i % 3 == 2) {
      ASSERT_TRUE(s.client->ping("same"));
    } else {
      ASSERT_TRUE(s.client->send_text("same"));
    }
  }
  std::set<std::array<std::uint8_t, 4>> keys;
  for (int i = 0; i < kFrames; ++i) {
    ClientFrame frame;
    ASSERT_TRUE(s.peer->read_frame(frame)) << "frame " << i;
    EXPECT_EQ(frame.payload, "same");
    EXPECT_NE(frame.key, (std::array<std::uint8_t, 4>{0, 0, 0, 0}))
        << "frame " << i << ": a zero key leaves the payload in clear";
    keys.insert(frame.key);
  }
  // 300 random 32-bit keys collide with probability ~1e-5; a counter, a
  // constant or a key reused per message would not pass.
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kFrames));
}

TEST(Rfc6455_5_3_Keys, DifferBetweenConnections) {
  std::set<std::array<std::uint8_t, 4>> first_keys;
  for (int i = 0; i < 5; ++i) {
    WSTEST_CLIENT(s);
    ASSERT_TRUE(s.client->send_text("x"));
    ClientFrame frame;
    ASSERT_TRUE(s.peer->read_frame(frame));
    first_keys.insert(frame.key);
  }
  EXPECT_EQ(first_keys.size(), 5u) << "each connection's first key must be fresh too";
}

}  // namespace
}  // namespace wstest
