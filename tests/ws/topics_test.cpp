// Topics on a real server in this process with four loops, and raw clients
// on loopback: a subscriber on any loop receives every message published on
// any other, exactly once and in order per publisher; the publisher does not
// hear itself; unsubscribing and closing stop delivery and release the
// topic; Server::publish works from a thread that is not a loop; a
// subscriber that reads nothing is closed 1008 at the bound while the others
// keep receiving. The route speaks a tiny text protocol: "sub T", "unsub T",
// "pub T text".
#include "ws/topics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/frame_codec.hpp"
#include "tests/support/raw_client.hpp"
#include "ws/server.hpp"
#include "ws/websocket.hpp"

namespace {

using namespace std::chrono_literals;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::atomic<int> after_runs{0};  // the "after" verb's callbacks that ran

void obey(ws::WebSocket& socket, std::string_view command) {
  const std::size_t space = command.find(' ');
  const std::string_view verb = command.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : command.substr(space + 1);
  const std::size_t second = rest.find(' ');
  const std::string_view topic = rest.substr(0, second);
  if (verb == "sub") {
    socket.send_text(socket.subscribe(topic) ? "ok" : "refused");
  } else if (verb == "unsub") {
    socket.send_text(socket.unsubscribe(topic) ? "ok" : "refused");
  } else if (verb == "pub" && second != std::string_view::npos) {
    socket.publish(topic, bytes_of(rest.substr(second + 1)), ws::Opcode::text);
  } else if (verb == "after") {
    socket.after_deliveries([] { ++after_runs; });
  }
}

struct TopicServer {
  explicit TopicServer(std::size_t max_backpressure = 1 << 20,
                       std::chrono::milliseconds close_timeout = 500ms)
      : server(options(max_backpressure, close_timeout)) {
    ws::Handlers handlers;
    handlers.on_message = [](ws::WebSocket& socket, const ws::Message& message) {
      obey(socket, message.text());
    };
    server.route(ws::Route{"/topics", {}, std::move(handlers)});
    server.start();
  }
  static ws::ServerOptions options(std::size_t max_backpressure,
                                   std::chrono::milliseconds close_timeout) {
    ws::ServerOptions o;
    o.port = 0;
    o.threads = 4;
    o.max_backpressure = max_backpressure;
    o.close_timeout = close_timeout;
    o.shutdown_timeout = 500ms;
    return o;
  }
  std::uint16_t port() const { return server.port(); }
  ws::Server server;
};

::testing::AssertionResult subscribe(wstest::RawClient& client, std::string_view topic) {
  if (auto sent = client.send_text("sub " + std::string(topic)); !sent) return sent;
  return client.expect_text("ok");
}

std::vector<wstest::RawClient> clients(std::uint16_t port, int n) {
  std::vector<wstest::RawClient> out(static_cast<std::size_t>(n));
  for (auto& client : out) EXPECT_TRUE(client.open(port, "/topics"));
  return out;
}

TEST(Topics, EverySubscriberOnEveryLoopGetsEveryMessageOnceAndInOrder) {
  TopicServer test;
  auto subscribers = clients(test.port(), 12);  // spread over the four loops by the kernel
  for (auto& s : subscribers) ASSERT_TRUE(subscribe(s, "news"));
  auto publishers = clients(test.port(), 3);
  constexpr int per_publisher = 200;
  for (int i = 0; i < per_publisher; ++i)
    for (std::size_t p = 0; p < publishers.size(); ++p)
      ASSERT_TRUE(
          publishers[p].send_text("pub news " + std::to_string(p) + ":" + std::to_string(i)));
  for (auto& s : subscribers) {
    std::vector<int> next(publishers.size(), 0);
    for (int k = 0; k < per_publisher * static_cast<int>(publishers.size()); ++k) {
      wstest::Frame frame;
      ASSERT_EQ(s.read_frame(frame), wstest::ReadStatus::kFrame) << "after " << k << " messages";
      const std::size_t colon = frame.payload.find(':');
      const std::size_t p = std::stoul(frame.payload.substr(0, colon));
      ASSERT_EQ(std::stoi(frame.payload.substr(colon + 1)), next[p]++) << "publisher " << p;
    }
    ASSERT_TRUE(s.expect_nothing(50ms)) << "a message arrived twice";
  }
  for (auto& p : publishers) ASSERT_TRUE(p.expect_nothing(50ms)) << "a publisher heard itself";
}

TEST(Topics, APublisherThatIsAlsoASubscriberDoesNotHearItself) {
  TopicServer test;
  auto both = clients(test.port(), 2);
  for (auto& c : both) ASSERT_TRUE(subscribe(c, "room"));
  ASSERT_TRUE(both[0].send_text("pub room hello"));
  ASSERT_TRUE(both[1].expect_text("hello"));
  ASSERT_TRUE(both[0].expect_nothing(100ms));
}

TEST(Topics, UnsubscribingStopsDelivery) {
  TopicServer test;
  auto c = clients(test.port(), 3);
  ASSERT_TRUE(subscribe(c[0], "t"));
  ASSERT_TRUE(subscribe(c[0], "t")) << "twice is a no-op, not an error";
  ASSERT_TRUE(subscribe(c[1], "t"));
  ASSERT_TRUE(c[2].send_text("pub t one"));
  ASSERT_TRUE(c[0].expect_text("one"));
  ASSERT_TRUE(c[0].expect_nothing(50ms)) << "subscribed twice, delivered twice";
  ASSERT_TRUE(c[1].expect_text("one"));
  ASSERT_TRUE(c[0].send_text("unsub t"));
  ASSERT_TRUE(c[0].expect_text("ok"));
  ASSERT_TRUE(c[2].send_text("pub t two"));
  ASSERT_TRUE(c[1].expect_text("two"));
  ASSERT_TRUE(c[0].expect_nothing(100ms));
}

TEST(Topics, ServerPublishFromAnyThreadReachesEveryLoop) {
  TopicServer test;
  auto subscribers = clients(test.port(), 8);
  for (auto& s : subscribers) ASSERT_TRUE(subscribe(s, "alerts"));
  std::thread outsider([&] {
    for (int i = 0; i < 50; ++i)
      test.server.publish("alerts", bytes_of("alert " + std::to_string(i)), ws::Opcode::text);
  });
  outsider.join();
  for (auto& s : subscribers)
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(s.expect_text("alert " + std::to_string(i)));
}

TEST(Topics, AfterDeliveriesRunsOnceBehindWhatWasPublished) {
  TopicServer test;
  auto subscribers = clients(test.port(), 8);
  for (auto& s : subscribers) ASSERT_TRUE(subscribe(s, "news"));
  wstest::RawClient publisher;
  ASSERT_TRUE(publisher.open(test.port(), "/topics"));
  after_runs = 0;
  ASSERT_TRUE(publisher.send_text("pub news first"));
  ASSERT_TRUE(publisher.send_text("after"));
  for (auto& s : subscribers) ASSERT_TRUE(s.expect_text("first"));
  EXPECT_TRUE(wstest::eventually([] { return after_runs == 1; }, 2000ms));
  EXPECT_TRUE(publisher.expect_nothing(100ms));
  EXPECT_EQ(after_runs, 1) << "ran more than once";
}

TEST(Topics, ClosedConnectionsLeaveTheirTopics) {
  TopicServer test;
  for (int round = 0; round < 20; ++round) {
    auto c = clients(test.port(), 4);
    for (auto& s : c) {
      ASSERT_TRUE(subscribe(s, "churn-" + std::to_string(round % 3)));
      ASSERT_TRUE(subscribe(s, "shared"));
    }
    for (auto& s : c) s.close();
  }
  EXPECT_TRUE(wstest::eventually([&] { return test.server.topic_count() == 0; }, 2000ms))
      << test.server.topic_count() << " topics left";
}

TEST(Topics, NamesAreBoundedAndNotEmpty) {
  TopicServer test;
  auto c = clients(test.port(), 1);
  ASSERT_TRUE(c[0].send_text("sub " + std::string(ws::max_topic_name + 1, 'n')));
  ASSERT_TRUE(c[0].expect_text("refused"));
  ASSERT_TRUE(subscribe(c[0], std::string(ws::max_topic_name, 'n')));
}

TEST(Topics, ASubscriberThatReadsNothingIsClosed1008WhileOthersKeepReceiving) {
  // The close 1008 waits behind the frame being sent until the stuck client
  // reads; the close timeout (a reset when it passes) must outlast the
  // publishing, which under ThreadSanitizer takes seconds.
  TopicServer test(256 * 1024, 60s);
  auto c = clients(test.port(), 3);  // stuck, reader, publisher
  ASSERT_TRUE(subscribe(c[0], "firehose"));
  ASSERT_TRUE(subscribe(c[1], "firehose"));
  const std::string chunk(64 * 1024, 'f');
  constexpr int messages = 400;  // 25 MiB: far past the bound and every socket buffer
  for (int i = 0; i < messages; ++i) {
    ASSERT_TRUE(c[2].send_text("pub firehose " + chunk));
    ASSERT_TRUE(c[1].expect_text(chunk)) << "the reader fell behind at " << i;
  }
  // The stuck subscriber: whatever got through, then a close 1008.
  wstest::Frame frame;
  int delivered = 0;
  // Generous waits: under ThreadSanitizer the server is many times slower.
  while (c[0].read_frame(frame, nullptr, 10s) == wstest::ReadStatus::kFrame &&
         frame.opcode == wstest::kText)
    ++delivered;
  EXPECT_EQ(frame.opcode, wstest::kClose) << describe(frame);
  EXPECT_EQ(frame.payload.substr(0, 2), std::string("\x03\xf0", 2));  // 1008
  EXPECT_LT(delivered, messages);
  // Counters are readable while the server runs.
  EXPECT_TRUE(
      wstest::eventually([&] { return test.server.counters().slow_consumers == 1; }, 1000ms));
}

// The copy line (ws/websocket.cpp send_frame): a small published frame is
// copied into each subscriber's queue, its payload counted once per
// subscriber; a large one is queued by reference and copies nothing.
TEST(Topics, SmallPublishedFramesAreCopiedPerSubscriberLargeOnesAreShared) {
  TopicServer test;
  constexpr int k = 5;
  auto subscribers = clients(test.port(), k);
  for (auto& s : subscribers) ASSERT_TRUE(subscribe(s, "copies"));
  auto publisher = clients(test.port(), 1);
  const auto copied = [&] { return test.server.counters().publish_copied.load(); };

  const std::string small(20, 's');
  ASSERT_TRUE(publisher[0].send_text("pub copies " + small));
  for (auto& s : subscribers) ASSERT_TRUE(s.expect_text(small));
  EXPECT_TRUE(wstest::eventually([&] { return copied() == 20u * k; }, 1000ms)) << copied();

  const std::string large(16 * 1024, 'l');
  ASSERT_TRUE(publisher[0].send_text("pub copies " + large));
  for (auto& s : subscribers) ASSERT_TRUE(s.expect_text(large));
  EXPECT_EQ(copied(), 20u * k) << "a 16 KiB frame must be shared, not copied";
}

}  // namespace
