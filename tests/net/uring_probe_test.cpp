// tests/net/uring_probe_test.cpp: the io_uring feature probe. What the
// kernel offers differs between machines (and containers forbid rings), so
// the checks are of consistency, and of what this kind of machine (Linux
// 6.x, io_uring allowed) must report; the report is printed for the log.
#include "net/uring_probe.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace net {
namespace {

TEST(UringProbe, ReportIsConsistent) {
  const UringSupport support = probe_uring();
  std::printf(
      "uring probe: available %d (%s), single_issuer %d, defer_taskrun %d, buffer_ring %d, "
      "multishot_recv %d, send_zc %d, msg_ring %d\n",
      support.available, support.unavailable_reason.c_str(), support.single_issuer,
      support.defer_taskrun, support.buffer_ring, support.multishot_recv, support.send_zc,
      support.msg_ring);
  std::string why;
  if (!support.available) {
    EXPECT_FALSE(support.unavailable_reason.empty());
    EXPECT_FALSE(support.buffer_ring || support.multishot_recv || support.single_issuer);
    EXPECT_FALSE(support.usable(why));
    EXPECT_EQ(why, support.unavailable_reason);
    return;
  }
  EXPECT_TRUE(support.unavailable_reason.empty());
  // Multishot receives (6.0) came after provided buffer rings (5.19), and
  // need them.
  if (support.multishot_recv) {
    EXPECT_TRUE(support.buffer_ring);
  }
  EXPECT_EQ(support.usable(why), support.buffer_ring && support.multishot_recv) << why;
}

TEST(UringProbe, DisabledByTheSysctlSaysSo) {
  std::ifstream disabled("/proc/sys/kernel/io_uring_disabled");
  int level = 0;
  if (!(disabled >> level) || level != 2) GTEST_SKIP() << "io_uring is not disabled here";
  const UringSupport support = probe_uring();
  EXPECT_FALSE(support.available);
  EXPECT_NE(support.unavailable_reason.find("io_uring_disabled"), std::string::npos);
}

TEST(UringProbe, ProbingTwiceGivesTheSameAnswer) {
  const UringSupport a = probe_uring(), b = probe_uring();
  EXPECT_EQ(a.available, b.available);
  EXPECT_EQ(a.buffer_ring, b.buffer_ring);
  EXPECT_EQ(a.multishot_recv, b.multishot_recv);
  EXPECT_EQ(a.single_issuer, b.single_issuer);
}

}  // namespace
}  // namespace net
