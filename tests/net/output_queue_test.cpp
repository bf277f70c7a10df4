// net::OutputQueue: owned bytes and shared frames in one ordered byte
// stream; gather/consume as a sendmsg would use them, partial sends across
// a shared segment, truncate (a slow consumer's discard), references
// released when consumed or dropped, and owned memory accounted.
#include "net/output_queue.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using net::OutputQueue;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

net::SharedBytesRef shared(std::string_view text, core::MemoryBudget* budget = nullptr) {
  return std::make_shared<const net::SharedBytes>(
      std::vector<std::uint8_t>(text.begin(), text.end()), budget);
}

// Everything gather() describes, as one string (at most `limit` bytes).
std::string gathered(const OutputQueue& queue, std::size_t limit = SIZE_MAX,
                     std::size_t max_pieces = 64) {
  iovec pieces[64];
  const std::size_t n = queue.gather(pieces, max_pieces, limit);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out.append(static_cast<const char*>(pieces[i].iov_base), pieces[i].iov_len);
  return out;
}

// Drains the queue `step` bytes at a time, as partial sends would.
std::string drain(OutputQueue& queue, std::size_t step) {
  std::string out;
  while (!queue.empty()) {
    const std::string front = gathered(queue, step);
    out += front;
    queue.consume(front.size());
  }
  return out;
}

TEST(OutputQueue, OwnedBytesAloneStayInOneBuffer) {
  OutputQueue queue;
  queue.append(bytes_of("hello "));
  std::uint8_t* room = queue.prepare(5);
  std::memcpy(room, "world", 5);
  queue.commit(5);
  EXPECT_EQ(queue.size(), 11u);
  iovec pieces[4];
  EXPECT_EQ(queue.gather(pieces, 4, SIZE_MAX), 1u) << "one piece while nothing is shared";
  EXPECT_EQ(gathered(queue), "hello world");
}

TEST(OutputQueue, SharedFramesKeepTheOrderOfTheWrites) {
  OutputQueue queue;
  queue.append(bytes_of("a"));
  queue.append_shared(shared("B"));
  queue.append(bytes_of("c"));
  queue.append(bytes_of("d"));
  queue.append_shared(shared("E"));
  queue.append_shared(shared("F"));
  queue.append(bytes_of("g"));
  EXPECT_EQ(gathered(queue), "aBcdEFg");
  EXPECT_EQ(queue.size(), 7u);
}

TEST(OutputQueue, PartialSendsAcrossSharedSegmentsLoseNothing) {
  const std::string frame(1000, 'S');
  for (std::size_t step : {1u, 3u, 7u, 999u, 1000u, 1001u, 4096u}) {
    OutputQueue queue;
    queue.append(bytes_of("head"));
    queue.append_shared(shared(frame));
    queue.append(bytes_of("tail"));
    queue.append_shared(shared(frame));
    EXPECT_EQ(drain(queue, step), "head" + frame + "tail" + frame) << "step " << step;
  }
}

TEST(OutputQueue, GatherStopsAtItsLimitAndPieceCount) {
  OutputQueue queue;
  queue.append(bytes_of("12"));
  queue.append_shared(shared("34"));
  queue.append(bytes_of("56"));
  EXPECT_EQ(gathered(queue, 3), "123");
  EXPECT_EQ(gathered(queue, SIZE_MAX, 2), "1234");
}

TEST(OutputQueue, ReferencesAreReleasedWhenSent) {
  OutputQueue queue;
  auto frame = shared("frame");
  queue.append_shared(frame);
  EXPECT_EQ(frame.use_count(), 2);
  queue.consume(2);
  EXPECT_EQ(frame.use_count(), 2) << "half sent: still needed";
  queue.consume(3);
  EXPECT_EQ(frame.use_count(), 1) << "sent: the queue let go of it";
}

TEST(OutputQueue, TruncateKeepsTheFirstBytesAndDropsTheRest) {
  auto one = shared("11111");
  auto two = shared("22222");
  OutputQueue queue;
  queue.append(bytes_of("hh"));
  queue.append_shared(one);
  queue.append(bytes_of("oo"));
  queue.append_shared(two);
  queue.truncate(4);  // "hh" and two bytes of the first frame (being sent)
  EXPECT_EQ(gathered(queue), "hh11");
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(two.use_count(), 1) << "a dropped frame is released at once";
  queue.append(bytes_of("!"));  // what follows the truncation (a close frame)
  EXPECT_EQ(drain(queue, 2), "hh11!");
  EXPECT_EQ(one.use_count(), 1);
}

// A slow consumer's discard must give its memory back at once, not when
// the connection ends: the frame being sent moves into a buffer its size.
TEST(OutputQueue, TruncateGivesOwnedMemoryBack) {
  OutputQueue queue;
  queue.append(bytes_of(std::string(100000, 'q')));
  ASSERT_GE(queue.owned_capacity(), 100000u);
  queue.truncate(10);
  EXPECT_LE(queue.owned_capacity(), 4096u);
  EXPECT_EQ(gathered(queue), std::string(10, 'q'));
}

// A queue that never quite empties (a subscriber always a frame behind)
// keeps working; its list of segments is compacted as it goes.
TEST(OutputQueue, AQueueThatNeverEmptiesKeepsItsOrder) {
  OutputQueue queue;
  std::string expected, sent;
  for (int i = 0; i < 10000; ++i) {
    const std::string frame = std::to_string(i) + ",";
    queue.append_shared(shared(frame));
    expected += frame;
    const std::string front = gathered(queue, 2);
    sent += front;
    queue.consume(front.size());
  }
  sent += drain(queue, 64);
  EXPECT_EQ(sent, expected);
}

TEST(OutputQueue, TruncateToNothingAndToEverything) {
  OutputQueue queue;
  queue.append(bytes_of("x"));
  queue.append_shared(shared("y"));
  queue.truncate(2);
  EXPECT_EQ(gathered(queue), "xy");
  queue.truncate(0);
  EXPECT_TRUE(queue.empty());
  queue.append(bytes_of("z"));
  EXPECT_EQ(gathered(queue), "z");
}

TEST(OutputQueue, OwnedCapacityIsAccountedAndReleased) {
  OutputQueue queue;
  EXPECT_EQ(queue.growth_for(10), 4096u);
  queue.append(bytes_of("x"));
  EXPECT_EQ(queue.owned_capacity(), 4096u);
  queue.append_shared(shared(std::string(100000, 's')));
  EXPECT_EQ(queue.owned_capacity(), 4096u) << "a shared frame is not this queue's memory";
  EXPECT_EQ(queue.growth_for(10), 4096u) << "bytes after a frame need a segment of their own";
  queue.append(bytes_of("y"));
  EXPECT_EQ(queue.owned_capacity(), 8192u);
  queue.consume(queue.size());
  queue.release();
  EXPECT_EQ(queue.owned_capacity(), 0u);
}

TEST(OutputQueue, ASharedFrameIsChargedOnceWhereItWasBuilt) {
  core::MemoryBudget budget(0);
  {
    auto frame = shared(std::string(1000, 'f'), &budget);
    OutputQueue a, b, c;
    a.append_shared(frame);
    b.append_shared(frame);
    c.append_shared(frame);
    EXPECT_EQ(budget.used(), 1000u);
  }
  EXPECT_EQ(budget.used(), 0u) << "given back when the last reference went";
}

}  // namespace
