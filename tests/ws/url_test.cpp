// tests/ws/url_test.cpp: WebSocket URIs (RFC 6455 3) as a client dials them,
// and a redirect's Location resolved against the URL requested.
#include "ws/url.hpp"

#include <gtest/gtest.h>

namespace ws {
namespace {

WsUrl parsed(std::string_view text) {
  WsUrl url;
  std::string error;
  EXPECT_TRUE(parse_ws_url(text, url, error)) << text << ": " << error;
  return url;
}

std::string refusal(std::string_view text) {
  WsUrl url;
  std::string error;
  EXPECT_FALSE(parse_ws_url(text, url, error)) << text;
  return error;
}

TEST(WsUrl, DefaultsPortAndResourceByScheme) {
  const WsUrl plain = parsed("ws://example.test");
  EXPECT_FALSE(plain.secure);
  EXPECT_EQ(plain.host, "example.test");
  EXPECT_EQ(plain.port, 80);
  EXPECT_EQ(plain.resource, "/");
  EXPECT_EQ(plain.host_header(), "example.test");
  const WsUrl secure = parsed("WSS://example.test/chat?room=1");
  EXPECT_TRUE(secure.secure);
  EXPECT_EQ(secure.port, 443);
  EXPECT_EQ(secure.resource, "/chat?room=1");
}

TEST(WsUrl, ExplicitPortGoesInTheHostHeaderUnlessDefault) {
  EXPECT_EQ(parsed("ws://127.0.0.1:9001/echo").host_header(), "127.0.0.1:9001");
  EXPECT_EQ(parsed("ws://h:80/").host_header(), "h");
  EXPECT_EQ(parsed("wss://h:443/").host_header(), "h");
  EXPECT_EQ(parsed("ws://h?x=1").resource, "/?x=1");
}

TEST(WsUrl, Ipv6LiteralsAreBracketed) {
  const WsUrl url = parsed("ws://[::1]:9001/echo");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9001);
  EXPECT_EQ(url.host_header(), "[::1]:9001");
  EXPECT_EQ(url.text(), "ws://[::1]:9001/echo");
}

TEST(WsUrl, HttpSchemesMapToWs) {
  EXPECT_FALSE(parsed("http://h/x").secure);
  EXPECT_TRUE(parsed("https://h/x").secure);
}

TEST(WsUrl, WhatCannotBeDialedIsRefusedWithAReason) {
  EXPECT_NE(refusal("ftp://h/"), "");
  EXPECT_NE(refusal("h:9001/echo"), "");
  EXPECT_NE(refusal("ws://h/x#frag"), "");  // 3: no fragment
  EXPECT_NE(refusal("ws://:9001/"), "");
  EXPECT_NE(refusal("ws://h:0/"), "");
  EXPECT_NE(refusal("ws://h:65536/"), "");
  EXPECT_NE(refusal("ws://h:/"), "");
  EXPECT_NE(refusal("ws://h:9x/"), "");
  EXPECT_NE(refusal("ws://[::1/"), "");
  EXPECT_NE(refusal("ws://user@h/"), "");
  EXPECT_NE(refusal("ws://h/a b"), "");
}

TEST(WsUrl, LocationIsAbsoluteOrAPathOnTheSameServer) {
  const WsUrl base = parsed("wss://a.test:8443/old?q=1");
  WsUrl out;
  std::string error;
  ASSERT_TRUE(resolve_location(base, "/new?r=2", out, error)) << error;
  EXPECT_EQ(out.text(), "wss://a.test:8443/new?r=2");
  ASSERT_TRUE(resolve_location(base, "http://b.test/x", out, error)) << error;
  EXPECT_EQ(out.text(), "ws://b.test/x");
  EXPECT_FALSE(resolve_location(base, "relative/path", out, error));
  EXPECT_FALSE(resolve_location(base, "//b.test/x", out, error));
}

}  // namespace
}  // namespace ws
