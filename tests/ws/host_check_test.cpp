// Tests for ws/host_check: which listeners count as loopback, which Host
// values each policy accepts (the DNS-rebinding defence), and the
// --allowed-hosts list syntax.
#include "ws/host_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Names = std::vector<std::string>;

TEST(HostPolicy, DefaultAllowsAnyHost) {
  const ws::HostPolicy any;
  for (const char* host : {"evil.example", "127.0.0.1", "", "not a host:x"}) {
    SCOPED_TRACE(host);
    EXPECT_TRUE(any.allows(host));
  }
}

TEST(HostPolicy, LoopbackListenersAllowOnlyLoopbackNames) {
  for (const char* listener : {"127.0.0.1", "127.0.0.53", "::1", "localhost", "LOCALHOST"}) {
    SCOPED_TRACE(listener);
    const ws::HostPolicy policy = ws::HostPolicy::for_listener(listener, {});
    for (const char* host : {"localhost", "LOCALHOST:1", "127.0.0.1", "127.255.255.254:65535",
                             "[::1]", "[::1]:9001", "localhost:"}) {
      SCOPED_TRACE(host);
      EXPECT_TRUE(policy.allows(host));
    }
    for (const char* host :
         {"evil.example", "evil.example:9001", "localhost.evil.example", "127.0.0.1.evil.example",
          "127.0.0.1.", "128.0.0.1", "10.0.0.1", "0.0.0.0", "[::2]", "::1", "[::1", "[::1]x",
          "localhost:80x", "127.1", "0x7f.0.0.1", "", ":9001"}) {
      SCOPED_TRACE(host);
      EXPECT_FALSE(policy.allows(host));
    }
  }
}

TEST(HostPolicy, OtherListenersAllowAnyHost) {
  for (const char* listener : {"0.0.0.0", "::", "192.0.2.7", "2001:db8::1", "example.com"}) {
    SCOPED_TRACE(listener);
    EXPECT_TRUE(ws::HostPolicy::for_listener(listener, {}).allows("evil.example:1"));
  }
}

TEST(HostPolicy, AllowedNamesAddToLoopbackOnes) {
  for (const char* listener : {"127.0.0.1", "0.0.0.0"}) {
    SCOPED_TRACE(listener);
    const ws::HostPolicy policy =
        ws::HostPolicy::for_listener(listener, Names{"app.example", "[2001:db8::1]"});
    for (const char* host : {"app.example", "APP.Example:8080", "[2001:db8::1]:1", "localhost",
                             "127.0.0.1:9001", "[::1]"}) {
      SCOPED_TRACE(host);
      EXPECT_TRUE(policy.allows(host));
    }
    for (const char* host : {"evil.example", "app.example.evil", "sub.app.example", "[2001:db8::2]",
                             "app.example:x"}) {
      SCOPED_TRACE(host);
      EXPECT_FALSE(policy.allows(host));
    }
  }
}

TEST(HostPolicy, StarAllowsAnyHost) {
  const ws::HostPolicy policy = ws::HostPolicy::for_listener("127.0.0.1", Names{"a.example", "*"});
  EXPECT_TRUE(policy.allows("evil.example:9001"));
}

TEST(ParseHostList, SplitsTrimsAndKeepsOrder) {
  EXPECT_EQ(ws::parse_host_list("a.example"), (Names{"a.example"}));
  EXPECT_EQ(ws::parse_host_list("a.example, B.example ,*"), (Names{"a.example", "B.example", "*"}));
  EXPECT_EQ(ws::parse_host_list("[::1],192.0.2.7"), (Names{"[::1]", "192.0.2.7"}));
}

TEST(ParseHostList, RefusesEmptyNamesAndPorts) {
  for (const char* text : {"", ",", "a.example,", ",a.example", "a.example,,b", " ",
                           "a.example:80", "[::1]:80", "a b", "::1"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ws::parse_host_list(text).has_value());
  }
}

}  // namespace
