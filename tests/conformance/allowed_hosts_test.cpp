// tests/conformance/allowed_hosts_test.cpp: the Host policy against DNS
// rebinding, beside check_origin (ws/host_check.hpp). A server on loopback
// accepts only loopback Host values by default (tests/conformance/
// handshake_test.cpp has those cases); --allowed-hosts adds names
// (case-insensitive, any port), and `*` accepts any Host.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/frame_codec.hpp"
#include "tests/support/http_handshake.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

// What a page served from `host` sends: Host and Origin agree.
UpgradeRequest from_page_on(const std::string& host) {
  UpgradeRequest request = UpgradeRequest::standard(host);
  request.set("Origin", "http://" + host);
  return request;
}

class AllowedHosts : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--allowed-hosts", "app.example,Other.Example"}); }
};

TEST_F(AllowedHosts, ListedNamesAndLoopbackAreAccepted) {
  for (const std::string host :
       {"app.example", "APP.example:9001", "other.example", "127.0.0.1", "localhost:1"}) {
    SCOPED_TRACE(host);
    RawClient client;
    ASSERT_TRUE(client.connect(port()));
    ASSERT_TRUE(client.handshake(from_page_on(host)));
    ASSERT_TRUE(client.echo(kText, host));
  }
}

TEST_F(AllowedHosts, OtherNamesGet403) {
  for (const std::string host : {"evil.example", "app.example.evil", "sub.app.example"}) {
    SCOPED_TRACE(host);
    RawClient client;
    ASSERT_TRUE(client.connect(port()));
    (void)client.send_raw(from_page_on(host).render());
    ASSERT_TRUE(client.expect_http_rejection(403));
  }
}

class AnyHostAllowed : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_server({"--allowed-hosts", "*"}); }
};

TEST_F(AnyHostAllowed, RebindingCheckIsOff) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.handshake(from_page_on("evil.example")));
  ASSERT_TRUE(client.echo(kText, "anything goes"));
}

}  // namespace
}  // namespace wstest
