// tests/conformance/broadcast_test.cpp: the server's /broadcast route with
// four loops. Every message any client sends reaches every client of the
// route, the sender included, whichever loop each is on, as sent (text stays
// text, binary binary), once each and in order per sender.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

class Broadcast : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--threads", "4"}); }
};

TEST_F(Broadcast, EveryClientGetsEveryMessageOnceAndInOrderPerSender) {
  std::vector<RawClient> clients(10);
  for (auto& c : clients) ASSERT_TRUE(c.open(port(), "/broadcast"));
  std::this_thread::sleep_for(50ms);  // every subscription in place before the first publish
  constexpr int rounds = 20;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < clients.size(); ++i)
      ASSERT_TRUE(clients[i].send_text(std::to_string(i) + ":" + std::to_string(r)));
  for (auto& c : clients) {
    std::map<int, int> next;  // sender -> the round expected next
    for (std::size_t k = 0; k < clients.size() * rounds; ++k) {
      Frame frame;
      ASSERT_EQ(c.read_frame(frame), ReadStatus::kFrame) << "after " << k;
      ASSERT_EQ(frame.opcode, kText);
      const std::size_t colon = frame.payload.find(':');
      const int sender = std::stoi(frame.payload.substr(0, colon));
      ASSERT_EQ(std::stoi(frame.payload.substr(colon + 1)), next[sender]++) << "from " << sender;
    }
    ASSERT_TRUE(c.expect_nothing(50ms)) << "a message arrived twice";
  }
}

TEST_F(Broadcast, BinaryStaysBinary) {
  RawClient a, b;
  ASSERT_TRUE(a.open(port(), "/broadcast"));
  ASSERT_TRUE(b.open(port(), "/broadcast"));
  std::this_thread::sleep_for(50ms);
  const std::string payload("\x00\xff\x10", 3);
  ASSERT_TRUE(a.send_binary(payload));
  ASSERT_TRUE(a.expect_binary(payload));
  ASSERT_TRUE(b.expect_binary(payload));
}

TEST_F(Broadcast, AClosedClientNoLongerReceivesAndTheOthersGoOn) {
  RawClient a, b;
  ASSERT_TRUE(a.open(port(), "/broadcast"));
  ASSERT_TRUE(b.open(port(), "/broadcast"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(b.send_close(1000));
  ASSERT_TRUE(b.expect_close(1000));
  ASSERT_TRUE(a.send_text("still here"));
  ASSERT_TRUE(a.expect_text("still here"));
  ASSERT_TRUE(a.expect_nothing(50ms));
}

}  // namespace
}  // namespace wstest
