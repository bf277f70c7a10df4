// Tests for ws/http_request: field extraction, every-byte-boundary replay of
// valid and malformed heads into a growing buffer, header limits, the hint.
#include "ws/http_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::string_view_literals;

namespace {

constexpr std::string_view browser_request =
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

int parse_once(std::string_view buffer, ws::HttpRequest& out) {
  std::size_t scanned = 0;
  return ws::parse_http_request(buffer, out, scanned);
}

int parse_once(std::string_view buffer) {
  ws::HttpRequest request;
  return parse_once(buffer, request);
}

std::string make_request_with_headers(std::size_t count) {
  std::string head = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i < count; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
  return head + "\r\n";
}

void expect_same(const ws::HttpRequest& a, const ws::HttpRequest& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.version_minor, b.version_minor);
  ASSERT_EQ(a.header_count, b.header_count);
  for (std::size_t i = 0; i < a.header_count; ++i) {
    EXPECT_EQ(a.headers[i].name, b.headers[i].name);
    EXPECT_EQ(a.headers[i].value, b.headers[i].value);
  }
}

// Feeds `input` one byte at a time into a growing buffer with one hint
// variable: every call before `expected_end` bytes must return 0, and every
// call from then on must return `expected_result`.
void replay_byte_by_byte(std::string_view input, std::size_t expected_end, int expected_result) {
  std::size_t scanned = 0;
  for (std::size_t n = 0; n <= input.size(); ++n) {
    ws::HttpRequest request;
    int r = ws::parse_http_request(input.substr(0, n), request, scanned);
    if (n < expected_end) {
      ASSERT_EQ(r, 0) << "prefix of " << n << " bytes";
      ASSERT_EQ(scanned, n);
    } else {
      ASSERT_EQ(r, expected_result) << "prefix of " << n << " bytes";
    }
  }
}

// Grows the buffer in two steps (k bytes, then all), for every k, and checks
// that the hint left by the first step never hides the end.
void replay_two_steps(std::string_view input, int expected_result) {
  ws::HttpRequest reference;
  ASSERT_EQ(parse_once(input, reference), expected_result);
  for (std::size_t k = 0; k < input.size(); ++k) {
    std::size_t scanned = 0;
    ws::HttpRequest request;
    int first = ws::parse_http_request(input.substr(0, k), request, scanned);
    if (first != 0) continue;  // the head was already complete at k bytes
    ASSERT_EQ(ws::parse_http_request(input, request, scanned), expected_result) << "split at " << k;
    if (expected_result > 0) expect_same(request, reference);
  }
}

TEST(HttpRequest, ParsesBrowserHandshake) {
  ws::HttpRequest r;
  ASSERT_EQ(parse_once(browser_request, r), static_cast<int>(browser_request.size()));
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/chat?room=1");
  EXPECT_EQ(r.path(), "/chat");
  EXPECT_EQ(r.version_minor, 1);
  ASSERT_EQ(r.header_count, 7u);
  EXPECT_EQ(r.headers[0].name, "Host");
  EXPECT_EQ(r.headers[0].value, "server.example.com");
  EXPECT_EQ(r.headers[6].name, "Sec-WebSocket-Version");
  EXPECT_EQ(r.headers[6].value, "13");
  EXPECT_EQ(r.header("connection"), "keep-alive, Upgrade");
  EXPECT_EQ(r.header("SEC-WEBSOCKET-KEY"), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(r.header("Cookie").empty());
  EXPECT_EQ(r.header("Cookie").data(), nullptr);
}

TEST(HttpRequest, ViewsPointIntoTheBuffer) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once(browser_request, r), 0);
  const char* begin = browser_request.data();
  const char* end = begin + browser_request.size();
  EXPECT_EQ(r.method.data(), begin);
  for (std::size_t i = 0; i < r.header_count; ++i) {
    EXPECT_GE(r.headers[i].name.data(), begin);
    EXPECT_LE(r.headers[i].value.data() + r.headers[i].value.size(), end);
  }
}

TEST(HttpRequest, BytesAfterTheHeadAreNotConsumed) {
  std::string input = std::string(browser_request) + "\x81\x85\x37\xfa\x21\x3d";
  EXPECT_EQ(parse_once(input), static_cast<int>(browser_request.size()));
}

// The path a request line is routed on, or "(malformed)".
std::string path_of(std::string_view request_line) {
  ws::HttpRequest r;
  const std::string head = std::string(request_line) + "\r\nHost: h\r\n\r\n";
  return parse_once(head, r) > 0 ? std::string(r.path()) : "(malformed)";
}

TEST(HttpRequest, PathWithoutQuery) {
  EXPECT_EQ(path_of("GET /echo HTTP/1.1"), "/echo");
  EXPECT_EQ(path_of("GET /?a HTTP/1.1"), "/");
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET /?a HTTP/1.1\r\n\r\n", r), 0);
  EXPECT_EQ(r.target, "/?a");
}

// ---- absolute-form (RFC 9112 3.2.2) ----

TEST(HttpRequest, AbsoluteFormIsRoutedOnItsPath) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET http://example.com:9001/echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", r), 0);
  EXPECT_EQ(r.target, "http://example.com:9001/echo?x=1");
  EXPECT_EQ(r.path(), "/echo");
  EXPECT_EQ(path_of("GET ws://h/a/b HTTP/1.1"), "/a/b");
  EXPECT_EQ(path_of("GET HTTPS://h/echo HTTP/1.1"), "/echo");  // schemes ignore case
  // RFC 9112 3.2.1: an empty path is "/".
  EXPECT_EQ(path_of("GET http://h HTTP/1.1"), "/");
  EXPECT_EQ(path_of("GET http://h:80?x=1 HTTP/1.1"), "/");
}

TEST(HttpRequest, AuthorityOfTheTargetReplacesHost) {
  // RFC 9112 3.2.2: the target's authority, not the Host header.
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET http://example.com:9001/echo HTTP/1.1\r\nHost: other\r\n\r\n", r), 0);
  EXPECT_EQ(r.authority(), "example.com:9001");
  EXPECT_EQ(r.header("Host"), "other");
  ASSERT_GT(parse_once("GET http://[::1]:9/?q HTTP/1.1\r\n\r\n", r), 0);
  EXPECT_EQ(r.authority(), "[::1]:9");
}

TEST(HttpRequest, OriginFormAuthorityIsTheHostHeader) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET /echo HTTP/1.1\r\nHost: example.com:1\r\n\r\n", r), 0);
  EXPECT_EQ(r.authority(), "example.com:1");
  ASSERT_GT(parse_once("GET /a://b HTTP/1.1\r\nHost: h\r\n\r\n", r), 0);  // a path, not a scheme
  EXPECT_EQ(r.path(), "/a://b");
  EXPECT_EQ(r.authority(), "h");
}

TEST(HttpRequest, AbsoluteFormWithoutHostOrWithUserinfoIsRejected) {
  // RFC 9110 4.2.1: an http URI with an empty host is invalid; RFC 9110
  // 4.2.4: userinfo is to be treated as an error.
  EXPECT_EQ(parse_once("GET http:///echo HTTP/1.1\r\n\r\n"), -1);
  EXPECT_EQ(parse_once("GET http://:80/echo HTTP/1.1\r\n\r\n"), -1);
  EXPECT_EQ(parse_once("GET http://user@h/echo HTTP/1.1\r\n\r\n"), -1);
  EXPECT_EQ(parse_once("GET http://user:pw@h/echo HTTP/1.1\r\n\r\n"), -1);
}

// ---- empty lines before the request line (RFC 9112 2.2) ----

TEST(HttpRequest, LeadingEmptyLinesAreSkippedAndCounted) {
  ws::HttpRequest r;
  constexpr std::string_view head = "\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(parse_once(head, r), static_cast<int>(head.size()));  // the whole consumed head
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path(), "/echo");
  EXPECT_EQ(r.header("Host"), "a");
}

TEST(HttpRequest, OnlyEmptyLinesNeedMore) {
  // Not the end of a head: the caller's size limit bounds how many arrive.
  EXPECT_EQ(parse_once("\r\n"), 0);
  EXPECT_EQ(parse_once("\r\n\r\n"), 0);
  EXPECT_EQ(parse_once("\r\n\r\n\r\n\r"), 0);
  std::size_t scanned = 0;
  ws::HttpRequest r;
  std::string crlfs;
  for (int i = 0; i < 4096; ++i) crlfs += "\r\n";
  EXPECT_EQ(ws::parse_http_request(crlfs, r, scanned), 0);
  EXPECT_EQ(scanned, crlfs.size());
}

TEST(HttpRequest, VersionMinor) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET / HTTP/1.0\r\n\r\n", r), 0);
  EXPECT_EQ(r.version_minor, 0);
  ASSERT_GT(parse_once("GET / HTTP/1.9\r\n\r\n", r), 0);
  EXPECT_EQ(r.version_minor, 9);
}

TEST(HttpRequest, OtherMethodTokensParse) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("M-SEARCH * HTTP/1.1\r\n\r\n", r), 0);
  EXPECT_EQ(r.method, "M-SEARCH");
  EXPECT_EQ(r.target, "*");
}

TEST(HttpRequest, ValuesAreTrimmedOfOws) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET / HTTP/1.1\r\n"
                       "A:  \t a  b \t \r\n"
                       "B:x\r\n"
                       "C:\r\n"
                       "D: \t \r\n"
                       "\r\n",
                       r),
            0);
  ASSERT_EQ(r.header_count, 4u);
  EXPECT_EQ(r.headers[0].value, "a  b");
  EXPECT_EQ(r.headers[1].value, "x");
  EXPECT_EQ(r.headers[2].value, "");
  EXPECT_EQ(r.headers[3].value, "");
}

TEST(HttpRequest, ObsTextInValueIsKept) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n", r), 0);
  EXPECT_EQ(r.header("x-name"), "caf\xc3\xa9");
}

TEST(HttpRequest, DuplicatesAreKeptInOrder) {
  ws::HttpRequest r;
  ASSERT_GT(parse_once("GET / HTTP/1.1\r\n"
                       "Sec-WebSocket-Protocol: a\r\n"
                       "X: y\r\n"
                       "sec-websocket-protocol: b\r\n"
                       "\r\n",
                       r),
            0);
  ASSERT_EQ(r.header_count, 3u);
  EXPECT_EQ(r.headers[0].value, "a");
  EXPECT_EQ(r.headers[2].value, "b");
  EXPECT_EQ(r.header("Sec-WebSocket-Protocol"), "a");
}

TEST(HttpRequest, ValidRequestsAtEveryByteBoundary) {
  const std::string with_trailer = std::string(browser_request) + "\x81\x80garbage\r\n\r\n";
  const std::string many_headers = make_request_with_headers(ws::max_request_headers);
  const std::vector<std::string_view> inputs = {
      browser_request,
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nA:\r\n\r\n",
      "GET /x HTTP/1.0\r\nA: \r\nB:\t\r\n\r\n",
      with_trailer,
      many_headers,
      "\r\nGET / HTTP/1.1\r\n\r\n",  // leading empty lines (RFC 9112 2.2)
      "\r\n\r\n\r\nGET /x HTTP/1.1\r\nA: b\r\n\r\n",
      "GET http://h:1/x?q HTTP/1.1\r\nHost: h:1\r\n\r\n",  // absolute-form (RFC 9112 3.2.2)
  };
  for (std::string_view input : inputs) {
    SCOPED_TRACE(std::string(input));
    ws::HttpRequest reference;
    int head_length = parse_once(input, reference);
    ASSERT_GT(head_length, 0);
    replay_byte_by_byte(input, static_cast<std::size_t>(head_length), head_length);
    replay_two_steps(input, head_length);

    // Every prefix parsed from scratch agrees too (no hint at all).
    for (std::size_t n = 0; n < static_cast<std::size_t>(head_length); ++n)
      ASSERT_EQ(parse_once(input.substr(0, n)), 0) << n;
    ws::HttpRequest again;
    std::size_t scanned = 0;
    for (std::size_t n = 0; n < input.size(); ++n)
      (void)ws::parse_http_request(input.substr(0, n), again, scanned);
    ASSERT_EQ(ws::parse_http_request(input, again, scanned), head_length);
    expect_same(again, reference);
  }
}

const std::vector<std::string_view> malformed_heads = {
    // Request line.
    "GET  / HTTP/1.1\r\n\r\n"sv,            // two spaces
    "GET / HTTP/1.1 \r\n\r\n"sv,            // trailing space
    " GET / HTTP/1.1\r\n\r\n"sv,            // leading space
    "GET /\r\n\r\n"sv,                      // HTTP/0.9 form
    "GET / HTTP/2.0\r\n\r\n"sv,             // not 1.x
    "GET / HTTP/1.10\r\n\r\n"sv,            // two-digit minor
    "GET / HTTP/1.\r\n\r\n"sv,              // no minor
    "GET / HTTP/1.x\r\n\r\n"sv,             // non-digit minor
    "GET / http/1.1\r\n\r\n"sv,             // HTTP-name is case-sensitive
    "G(T / HTTP/1.1\r\n\r\n"sv,             // method not a token
    " / HTTP/1.1\r\n\r\n"sv,                // empty method
    "GET /a\tb HTTP/1.1\r\n\r\n"sv,         // CTL in target
    "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"sv,  // non-ASCII target
    "GET /\x7f HTTP/1.1\r\n\r\n"sv,         // DEL in target
    "GET / HTTP/1.1\r\r\n\r\n"sv,           // bare CR in request line
    "GET / HT\rTP/1.1\r\n\r\n"sv,           // bare CR inside the version
    "\r\n \r\nGET / HTTP/1.1\r\n\r\n"sv,    // nor is a line of whitespace
    // Line endings.
    "GET / HTTP/1.1\n\n"sv,                    // bare LF throughout
    "GET / HTTP/1.1\n\r\n"sv,                  // bare LF ends the request line
    "GET / HTTP/1.1\r\nHost: a\n\r\n"sv,       // bare LF ends a header
    "GET / HTTP/1.1\r\nHost: a\n\n"sv,         // bare LF ends the head
    "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"sv,  // bare CR in a value
    "GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n"sv,   // bare CR in a name
    // Header syntax.
    "GET / HTTP/1.1\r\nHost : a\r\n\r\n"sv,   // SP before the colon (RFC 9112 5.1)
    "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"sv,  // HTAB before the colon
    "GET / HTTP/1.1\r\nNoColon\r\n\r\n"sv, "GET / HTTP/1.1\r\n: empty-name\r\n\r\n"sv,
    "GET / HTTP/1.1\r\nBad[Name]: x\r\n\r\n"sv,
    "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"sv,           // NUL in a value
    "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"sv,          // DEL in a value
    "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n"sv,          // CTL in a value
    "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n"sv,   // obs-fold (RFC 9112 5.2)
    "GET / HTTP/1.1\r\nX: a\r\n\tfolded\r\n\r\n"sv,  // obs-fold with HTAB
    "GET / HTTP/1.1\r\n Host: a\r\n\r\n"sv,  // whitespace after the start line (RFC 9112 2.2)
};

TEST(HttpRequest, MalformedHeadsAreRejected) {
  for (std::string_view input : malformed_heads) {
    SCOPED_TRACE(testing::PrintToString(std::string(input)));
    EXPECT_EQ(parse_once(input), -1);
  }
}

TEST(HttpRequest, MalformedHeadsAtEveryByteBoundary) {
  // Rejection comes only once the head has ended, whatever the split.
  for (std::string_view input : malformed_heads) {
    SCOPED_TRACE(testing::PrintToString(std::string(input)));
    replay_byte_by_byte(input, input.size(), -1);
    replay_two_steps(input, -1);
  }
}

// Only CRLF empty lines are skipped before the request line; a bare LF
// there is refused on its own byte, not after waiting for the size limit.
TEST(HttpRequest, ALeadingBareLfIsRefusedAtOnce) {
  for (std::string_view input : {"\n"sv, "\r\n\n"sv, "\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"sv}) {
    SCOPED_TRACE(testing::PrintToString(std::string(input)));
    EXPECT_EQ(parse_once(input), -1);
  }
}

TEST(HttpRequest, ExactlyMaxHeadersParse) {
  std::string input = make_request_with_headers(ws::max_request_headers);
  ws::HttpRequest r;
  ASSERT_EQ(parse_once(input, r), static_cast<int>(input.size()));
  EXPECT_EQ(r.header_count, ws::max_request_headers);
  EXPECT_EQ(r.headers[63].name, "X-H63");
}

TEST(HttpRequest, OneHeaderTooManyIsRejected) {
  EXPECT_EQ(parse_once(make_request_with_headers(ws::max_request_headers + 1)), -2);
}

TEST(HttpRequest, IncompleteHeadNeedsMore) {
  EXPECT_EQ(parse_once(""), 0);
  EXPECT_EQ(parse_once("GET / HTTP/1.1\r\n"), 0);
  EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nHost: a\r\n"), 0);
  EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nHost: a\r\n\r"), 0);
  // Garbage that never forms an empty line waits for the caller's size limit.
  EXPECT_EQ(parse_once("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"sv), 0);
}

TEST(HttpRequest, HintAdvancesOnlyWhenIncomplete) {
  std::size_t scanned = 0;
  ws::HttpRequest r;
  EXPECT_EQ(ws::parse_http_request("GET / HTTP/1.1\r\n", r, scanned), 0);
  EXPECT_EQ(scanned, 16u);
  EXPECT_EQ(ws::parse_http_request("GET / HTTP/1.1\r\n\r\n", r, scanned), 18);
  EXPECT_EQ(scanned, 16u);
}

TEST(HttpRequest, HintPastTheBufferIsClamped) {
  std::size_t scanned = 1000;
  ws::HttpRequest r;
  EXPECT_EQ(ws::parse_http_request("GET / HTTP/1.1\r\n", r, scanned), 0);
  EXPECT_EQ(scanned, 16u);
}

TEST(HttpRequest, HintStraddlingTheTerminator) {
  // The end's CR LF CR may be under the hint; only its final LF must be new.
  std::string_view head = "GET / HTTP/1.1\r\nA: b\r\n\r\n";
  for (std::size_t cut = head.size() - 4; cut < head.size(); ++cut) {
    std::size_t scanned = 0;
    ws::HttpRequest r;
    ASSERT_EQ(ws::parse_http_request(head.substr(0, cut), r, scanned), 0);
    ASSERT_EQ(ws::parse_http_request(head, r, scanned), static_cast<int>(head.size()));
    EXPECT_EQ(r.header("a"), "b");
  }
}

TEST(AsciiIequals, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(ws::ascii_iequals("Sec-WebSocket-Key", "sec-websocket-key"));
  EXPECT_TRUE(ws::ascii_iequals("", ""));
  EXPECT_FALSE(ws::ascii_iequals("Host", "Hos"));
  EXPECT_FALSE(ws::ascii_iequals("a", "b"));
  EXPECT_FALSE(ws::ascii_iequals("[", "{"));  // only letters fold
  EXPECT_FALSE(ws::ascii_iequals("\xc3\xa9", "\xc3\x89"));
}

}  // namespace
