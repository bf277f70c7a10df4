// tests/ws/reconnect_policy_test.cpp: the backoff between re-dials
// (ws::ReconnectPolicy): doubling from initial_delay, capped at max_delay,
// with jitter over the upper half of each step.
#include <gtest/gtest.h>

#include "ws/client_options.hpp"

namespace ws {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectPolicy, DoublesEachAttemptUpToTheCap) {
  ReconnectPolicy policy;
  policy.initial_delay = milliseconds(100);
  policy.max_delay = milliseconds(1000);
  // unit_random 1.0 (just under) is the top of each step: the full delay.
  EXPECT_EQ(policy.delay(0, 0.999999), milliseconds(99));
  EXPECT_EQ(policy.delay(1, 0.999999), milliseconds(199));
  EXPECT_EQ(policy.delay(2, 0.999999), milliseconds(399));
  EXPECT_EQ(policy.delay(4, 0.999999), milliseconds(999));
  EXPECT_EQ(policy.delay(1000, 0.999999), milliseconds(999));  // no overflow
}

TEST(ReconnectPolicy, JitterSpreadsOverTheUpperHalf) {
  ReconnectPolicy policy;
  policy.initial_delay = milliseconds(400);
  EXPECT_EQ(policy.delay(0, 0.0), milliseconds(200));
  EXPECT_EQ(policy.delay(0, 0.5), milliseconds(300));
  EXPECT_EQ(policy.delay(1, 0.0), milliseconds(400));
}

}  // namespace
}  // namespace ws
