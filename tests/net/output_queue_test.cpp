// net::OutputQueue: owned bytes and shared frames in one ordered byte
// stream; gather/consume as a sendmsg would use them, partial sends across
// a shared segment, truncate (a slow consumer's discard), references
// released when consumed or dropped, and owned memory accounted; pin() and
// unpin() (what a send in flight reads stays where it is).
#include "net/output_queue.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

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

// ---- pin() / unpin(): a send in flight (io_uring) reads the queue's front
// from where it was when the send began, so nothing queued then may move
// until the send completes, whatever is appended or truncated meanwhile.

// The first pieces gather() describes: where each starts, and its bytes.
struct Piece {
  const void* at;
  std::string bytes;
};
std::vector<Piece> pieces_of(const OutputQueue& queue) {
  iovec pieces[64];
  const std::size_t n = queue.gather(pieces, 64, SIZE_MAX);
  std::vector<Piece> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({pieces[i].iov_base,
                   std::string(static_cast<const char*>(pieces[i].iov_base), pieces[i].iov_len)});
  return out;
}

// What was pinned is still at the front, at the same addresses, with the
// same bytes (the last piece may have grown only if it was appended to in
// place, which a pin forbids, so the bytes must match exactly too).
void expect_held_in_place(const std::vector<Piece>& pinned, const OutputQueue& queue) {
  const std::vector<Piece> now = pieces_of(queue);
  ASSERT_GE(now.size(), pinned.size());
  for (std::size_t i = 0; i < pinned.size(); ++i) {
    EXPECT_EQ(now[i].at, pinned[i].at) << "piece " << i << " moved";
    EXPECT_EQ(now[i].bytes, pinned[i].bytes) << "piece " << i << " changed";
  }
}

// `count` appends of owned bytes (copied in, and built in place), with a
// shared frame now and then; 200 make any buffer they went into reallocate
// many times.
void append_a_lot(OutputQueue& queue, std::string& expected, int count = 200) {
  for (int i = 0; i < count; ++i) {
    const std::string owned(4000 + i, static_cast<char>('a' + i % 26));
    queue.append(bytes_of(owned));
    expected += owned;
    if (i % 5 == 2) {
      const std::string frame = "<shared " + std::to_string(i) + ">";
      queue.append_shared(shared(frame));
      expected += frame;
    }
    std::uint8_t* room = queue.prepare(3);
    std::memcpy(room, "|p|", 3);
    queue.commit(3);
    expected += "|p|";
  }
}

TEST(OutputQueuePin, OwnedBytesAloneStayPutWhileMoreIsAppended) {
  OutputQueue queue;
  std::string expected(1000, 'h');
  queue.append(bytes_of(expected));
  queue.pin();
  const std::vector<Piece> pinned = pieces_of(queue);
  ASSERT_EQ(pinned.size(), 1u);
  append_a_lot(queue, expected);
  expect_held_in_place(pinned, queue);
  EXPECT_EQ(queue.size(), expected.size());
  queue.unpin();
  EXPECT_EQ(drain(queue, 7777), expected);
}

// Pinned with segments already queued (a shared frame, owned bytes behind
// it): the owned segment at the back must not be appended to in place.
TEST(OutputQueuePin, SegmentsQueuedBeforeThePinStayPut) {
  OutputQueue queue;
  std::string expected = std::string(500, 'h') + "SHARED" + std::string(300, 'o');
  queue.append(bytes_of(std::string(500, 'h')));
  queue.append_shared(shared("SHARED"));
  queue.append(bytes_of(std::string(300, 'o')));
  queue.pin();
  const std::vector<Piece> pinned = pieces_of(queue);
  ASSERT_EQ(pinned.size(), 3u);
  append_a_lot(queue, expected);
  expect_held_in_place(pinned, queue);
  queue.unpin();
  EXPECT_EQ(drain(queue, 1000), expected);
}

// A send completes, the queue is consumed, the next send pins again: each
// round's pinned bytes stay put, and the stream is the writes in order.
TEST(OutputQueuePin, RoundsOfPinSendUnpinKeepTheStreamInOrder) {
  OutputQueue queue;
  std::string expected, sent;
  queue.append(bytes_of("start"));
  expected = "start";
  for (int round = 0; round < 50; ++round) {
    queue.pin();
    const std::vector<Piece> pinned = pieces_of(queue);
    const std::string in_flight = gathered(queue, 256 * 1024);
    std::string appended;
    append_a_lot(queue, appended, 1 + round % 7);
    expected += appended;
    expect_held_in_place(pinned, queue);
    queue.unpin();
    queue.consume(in_flight.size());  // the send took what it was given
    sent += in_flight;
  }
  sent += drain(queue, 65536);
  EXPECT_EQ(sent, expected);
}

// A slow consumer's discard while a send flies: truncate() shortens in
// place, so the bytes the send reads do not move (unpinned, it would copy
// the kept bytes into a buffer of their size).
TEST(OutputQueuePin, TruncateWhilePinnedKeepsTheFrontWhereItIs) {
  OutputQueue queue;
  const std::string head(100000, 'q');
  queue.append(bytes_of(head));
  queue.pin();
  const void* front = queue.front().data();
  queue.truncate(10);
  EXPECT_EQ(queue.front().data(), front) << "the pinned bytes moved";
  EXPECT_EQ(gathered(queue), std::string(10, 'q'));
  queue.append(bytes_of("END"));  // what a discard queues behind (a close frame)
  EXPECT_EQ(queue.front().data(), front);
  queue.unpin();
  EXPECT_EQ(drain(queue, 4), std::string(10, 'q') + "END");
}

// Truncating into segments while pinned: the segments kept stay put, the
// rest (shared references included) are dropped at once.
TEST(OutputQueuePin, TruncateIntoSegmentsWhilePinned) {
  auto dropped = shared("DROPPED");
  OutputQueue queue;
  queue.append(bytes_of("hh"));
  queue.append_shared(shared("11111"));
  queue.append(bytes_of("oooo"));
  queue.append_shared(dropped);
  queue.pin();
  const std::vector<Piece> pinned = pieces_of(queue);
  queue.append(bytes_of("after the pin"));
  queue.truncate(9);  // "hh", "11111", "oo"
  EXPECT_EQ(dropped.use_count(), 1);
  const std::vector<Piece> now = pieces_of(queue);
  ASSERT_EQ(now.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(now[i].at, pinned[i].at) << "piece " << i;
  EXPECT_EQ(gathered(queue), "hh11111oo");
  queue.append(bytes_of("!"));
  queue.unpin();
  EXPECT_EQ(drain(queue, 3), "hh11111oo!");
}

// Connection::prepare_write charges the budget growth_for(n) before it
// calls prepare(n): the two must agree while pinned, where prepare goes to
// a segment of its own rather than to the buffer growth_for would measure
// unpinned. Checked in each state a pin can find the queue in.
void expect_growth_matches_prepare(OutputQueue& queue, std::size_t n, const char* state) {
  const std::size_t predicted = queue.growth_for(n);
  const std::size_t before = queue.owned_capacity();
  std::uint8_t* room = queue.prepare(n);
  std::memset(room, 'g', n);
  queue.commit(n);
  EXPECT_EQ(queue.owned_capacity() - before, predicted) << state << ", n = " << n;
}

TEST(OutputQueuePin, GrowthForAgreesWithPrepareWhilePinned) {
  for (const std::size_t n : {1u, 100u, 4096u, 5000u, 70000u}) {
    {
      OutputQueue queue;  // owned bytes only, with room to spare in head_
      queue.append(bytes_of("x"));
      queue.pin();
      expect_growth_matches_prepare(queue, n, "head with room");
      expect_growth_matches_prepare(queue, n, "then the segment the first prepare made");
      expect_growth_matches_prepare(queue, 3 * n, "then a larger one");
    }
    {
      OutputQueue queue;  // ends in a shared frame
      queue.append(bytes_of("x"));
      queue.append_shared(shared("frame"));
      queue.pin();
      expect_growth_matches_prepare(queue, n, "behind a shared frame");
      expect_growth_matches_prepare(queue, n, "then its own segment");
    }
    {
      OutputQueue queue;  // ends in an owned segment queued before the pin
      queue.append_shared(shared("frame"));
      queue.append(bytes_of("tail"));
      queue.pin();
      expect_growth_matches_prepare(queue, n, "behind a pinned owned segment");
      expect_growth_matches_prepare(queue, n, "then its own segment");
    }
    {
      OutputQueue queue;  // empty when pinned (nothing to hold)
      queue.pin();
      expect_growth_matches_prepare(queue, n, "empty");
    }
  }
}

}  // namespace
