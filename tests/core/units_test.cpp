#include "core/units.hpp"

#include <gtest/gtest.h>

namespace {

using std::chrono::milliseconds;

TEST(ParseSize, PlainBytesAndSuffixes) {
  EXPECT_EQ(core::parse_size("0"), 0u);
  EXPECT_EQ(core::parse_size("65536"), 65536u);
  EXPECT_EQ(core::parse_size("64K"), 65536u);
  EXPECT_EQ(core::parse_size("64k"), 65536u);
  EXPECT_EQ(core::parse_size("1M"), 1u << 20);
  EXPECT_EQ(core::parse_size("2G"), 2ull << 30);
}

TEST(ParseSize, RejectsMalformedAndHuge) {
  for (const char* bad : {"", "K", "1.5M", "-1", "1T", "12 ", " 1", "1KK", "99999999999999999"})
    EXPECT_FALSE(core::parse_size(bad)) << bad;
  EXPECT_FALSE(core::parse_size("2000000G"));
}

TEST(ParseSeconds, WholeAndFractional) {
  EXPECT_EQ(core::parse_seconds("10"), milliseconds(10000));
  EXPECT_EQ(core::parse_seconds("0"), milliseconds(0));
  EXPECT_EQ(core::parse_seconds("0.5"), milliseconds(500));
  EXPECT_EQ(core::parse_seconds(".25"), milliseconds(250));
  EXPECT_EQ(core::parse_seconds("2.125"), milliseconds(2125));
  EXPECT_EQ(core::parse_seconds("1.0000"), milliseconds(1000));
}

TEST(ParseSeconds, SubMillisecondRoundsUp) {
  EXPECT_EQ(core::parse_seconds("0.0001"), milliseconds(1));
  EXPECT_EQ(core::parse_seconds("0.0015"), milliseconds(2));
}

TEST(ParseSeconds, RejectsMalformed) {
  for (const char* bad : {"", ".", "1.", "-1", "1s", "1e3", "0.5.5", "a", "99999999"})
    EXPECT_FALSE(core::parse_seconds(bad)) << bad;
}

}  // namespace
