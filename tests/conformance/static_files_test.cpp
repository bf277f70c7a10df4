// tests/conformance/static_files_test.cpp: plain HTTP on the WebSocket port
// (--static-dir, ws/static_files.hpp), against the real server with raw
// bytes. The server serves a temporary directory this file fills, beside a
// secret file it must never give out. RFC 9110: GET and HEAD (9.3.1, 9.3.2),
// Content-Type, Content-Length, Last-Modified (8.8.2), If-Modified-Since
// and 304 (13.1.3, 15.4.5), 404, 405 with Allow (15.5.6), 400; RFC 9112:
// persistent connections and pipelining (9.3), Connection: close (9.6).
// Then what stays as it was: a WebSocket route's path, and upgrades.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_handshake.hpp"
#include "tests/support/raw_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"

namespace wstest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "SECRET-OUTSIDE-THE-ROOT";
constexpr std::time_t kModified = 1577836800;  // Wed, 01 Jan 2020 00:00:00 GMT
constexpr const char* kModifiedText = "Wed, 01 Jan 2020 00:00:00 GMT";

// base/secret.txt, and base/root, the served directory: pages of each type,
// a binary file, a 1 MiB file, a sparse file over the 16 MiB bound, a dot
// file, a FIFO, a subdirectory, and symlinks inside and out.
class StaticTree {
 public:
  StaticTree() {
    char pattern[] = "/tmp/static_files_test.XXXXXX";
    if (!::mkdtemp(pattern)) std::abort();
    base_ = pattern;
    root_ = base_ + "/root";
    std::filesystem::create_directories(root_ + "/sub");
    write(base_ + "/secret.txt", kSecret);
    for (const auto& [name, body] : files()) write(root_ + "/" + name, body);
    write(root_ + "/.hidden", kSecret);
    write(root_ + "/huge.bin", "");
    std::filesystem::resize_file(root_ + "/huge.bin", 16 * 1024 * 1024 + 1);  // sparse
    if (::mkfifo((root_ + "/fifo").c_str(), 0644) != 0) std::abort();
    link("../secret.txt", "escape");
    link(base_ + "/secret.txt", "absolute_escape");
    link("..", "parent");
    link(base_, "absolute_parent");
    link("sub/page.txt", "inside");
    for (const auto& [name, body] : files()) {
      const timeval times[2] = {{kModified, 0}, {kModified, 0}};
      if (::utimes((root_ + "/" + name).c_str(), times) != 0) std::abort();
    }
  }
  ~StaticTree() { std::filesystem::remove_all(base_); }

  const std::string& root() const { return root_; }

  // name → content of every regular file served.
  static const std::vector<std::pair<std::string, std::string>>& files() {
    static const std::vector<std::pair<std::string, std::string>> list = [] {
      std::vector<std::pair<std::string, std::string>> l = {
          {"index.html", "<!doctype html><p>index</p>\n"},
          {"app.js", "console.log('hi');\n"},
          {"mod.mjs", "export const x = 1;\n"},
          {"style.css", "p { color: red }\n"},
          {"data.json", "{\"a\": 1}\n"},
          {"logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"},
          {"notes.txt", "notes\n"},
          {"app.js.map", "{}\n"},
          {"code.wasm", std::string("\0asm\1\0\0\0", 8)},
          {"logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)},
          {"photo.jpg", std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10)},
          {"favicon.ico", std::string("\0\0\1\0\1\0", 6)},
          {"noext", "plain bytes"},
          {"empty.txt", ""},
          {"my page.html", "<p>spaced</p>"},
          {"sub/page.txt", "page in sub\n"},
      };
      std::string big(1024 * 1024, '\0');
      for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
      l.emplace_back("big.bin", std::move(big));
      return l;
    }();
    return list;
  }
  static const std::string& content(const std::string& name) {
    for (const auto& [n, body] : files())
      if (n == name) return body;
    std::abort();
  }

 private:
  static void write(const std::string& path, const std::string& body) {
    std::ofstream(path, std::ios::binary) << body;
  }
  void link(const std::string& target, const std::string& name) {
    std::filesystem::create_symlink(target, root_ + "/" + name);
  }

  std::string base_, root_;
};

std::string host_header(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// A request head: the request line, Host (unless `host` is empty), `extra`
// lines (each ending in CRLF), the empty line.
std::string request(const std::string& method, const std::string& target, std::uint16_t port,
                    const std::string& extra = "", const std::string& version = "HTTP/1.1") {
  std::string head = method + " " + target + " " + version + "\r\n";
  head += "Host: " + host_header(port) + "\r\n";
  return head + extra + "\r\n";
}

struct Reply {
  HttpResponse head;
  std::string body;
};

// One response: its head, then Content-Length bytes of body; none after a
// HEAD or a 304 (RFC 9112 6.3 items 1-2), whatever Content-Length says.
::testing::AssertionResult read_reply(RawClient& client, Reply& reply, bool to_head = false) {
  reply = {};
  if (auto r = client.read_http_response(reply.head); !r) return r;
  if (to_head || reply.head.status == 304) return ::testing::AssertionSuccess();
  if (!reply.head.has("Content-Length"))
    return ::testing::AssertionFailure()
           << "HTTP " << reply.head.status << " without Content-Length";
  const std::size_t length = std::stoul(reply.head.get("Content-Length"));
  return client.read_bytes(length, reply.body);
}

class StaticFilesSuite : public ServerSuite {
 public:
  static void SetUpTestSuite() { start_serving({}); }
  static void TearDownTestSuite() {
    stop_server();
    tree_.reset();
  }

 protected:
  // A fresh tree, served with `flags` added.
  static void start_serving(std::vector<std::string> flags) {
    tree_ = std::make_unique<StaticTree>();
    flags.insert(flags.begin(), {"--static-dir", tree_->root()});
    start_server(std::move(flags));
  }
  // Connects `client` and sends `bytes`.
  static ::testing::AssertionResult send(RawClient& client, const std::string& bytes) {
    if (auto r = client.connect(port()); !r) return r;
    return client.send_raw(bytes);
  }
  // A fresh connection, one request, its reply.
  static ::testing::AssertionResult fetch(const std::string& head, Reply& reply,
                                          bool to_head = false) {
    RawClient client;
    if (auto r = send(client, head); !r) return r;
    return read_reply(client, reply, to_head);
  }
  static ::testing::AssertionResult get(const std::string& target, Reply& reply,
                                        const std::string& extra = "") {
    return fetch(request("GET", target, port(), extra), reply);
  }

  static inline std::unique_ptr<StaticTree> tree_;
};

// ---------------------------------------------------------------------------
// GET and HEAD.

TEST_F(StaticFilesSuite, GetServesTheFileWithItsHeaders) {
  Reply reply;
  ASSERT_TRUE(get("/index.html", reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("index.html"));
  EXPECT_EQ(reply.head.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(reply.head.get("Content-Length"), std::to_string(reply.body.size()));
  EXPECT_EQ(reply.head.get("Last-Modified"), kModifiedText);  // RFC 9110 8.8.2, IMF-fixdate
  EXPECT_TRUE(reply.head.get("Date").ends_with(" GMT")) << reply.head.get("Date");
  EXPECT_EQ(reply.head.get("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(header_has_token(reply.head.get("Connection"), "close"));  // HTTP/1.1 persists
}

TEST_F(StaticFilesSuite, RootIsIndexHtml) {
  Reply reply;
  ASSERT_TRUE(get("/", reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("index.html"));
  ASSERT_TRUE(get("/?v=2", reply));  // the query is not part of the file name
  EXPECT_EQ(reply.body, StaticTree::content("index.html"));
}

TEST_F(StaticFilesSuite, ContentTypeByExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"app.js", "text/javascript; charset=utf-8"},
      {"mod.mjs", "text/javascript; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"},
      {"data.json", "application/json"},
      {"logo.svg", "image/svg+xml"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"app.js.map", "application/json"},
      {"code.wasm", "application/wasm"},
      {"logo.png", "image/png"},
      {"photo.jpg", "image/jpeg"},
      {"favicon.ico", "image/vnd.microsoft.icon"},
      {"noext", "application/octet-stream"},
      {"big.bin", "application/octet-stream"},
      {"empty.txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [name, type] : cases) {
    Reply reply;
    ASSERT_TRUE(get(std::string("/") + name, reply)) << name;
    EXPECT_EQ(reply.head.status, 200) << name;
    EXPECT_EQ(reply.head.get("Content-Type"), type) << name;
    EXPECT_EQ(reply.body, StaticTree::content(name)) << name;  // binary bytes intact
  }
}

TEST_F(StaticFilesSuite, EscapedNamesAndSubdirectories) {
  Reply reply;
  ASSERT_TRUE(get("/my%20page.html", reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("my page.html"));
  ASSERT_TRUE(get("/sub/page.txt", reply));
  EXPECT_EQ(reply.body, StaticTree::content("sub/page.txt"));
  ASSERT_TRUE(get("/s%75b/p%61ge.txt", reply));
  EXPECT_EQ(reply.body, StaticTree::content("sub/page.txt"));
  ASSERT_TRUE(get("/inside", reply));  // a symlink that stays inside is followed
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("sub/page.txt"));
}

TEST_F(StaticFilesSuite, AbsoluteFormTargetIsServedByItsPath) {
  Reply reply;
  ASSERT_TRUE(get("http://" + host_header(port()) + "/notes.txt", reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
}

TEST_F(StaticFilesSuite, HeadHasTheHeadersAndNoBody) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  // HEAD then GET on one connection: the GET's head must come right after
  // the HEAD's, so a body sent to HEAD would show as a malformed response.
  ASSERT_TRUE(client.send_raw(request("HEAD", "/app.js", port())));
  Reply head;
  ASSERT_TRUE(read_reply(client, head, /*to_head=*/true));
  EXPECT_EQ(head.head.status, 200);
  EXPECT_EQ(head.head.get("Content-Length"), std::to_string(StaticTree::content("app.js").size()));
  EXPECT_EQ(head.head.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(head.head.get("Last-Modified"), kModifiedText);
  ASSERT_TRUE(client.send_raw(request("HEAD", "/missing", port())));
  ASSERT_TRUE(read_reply(client, head, /*to_head=*/true));
  EXPECT_EQ(head.head.status, 404);
  ASSERT_TRUE(client.send_raw(request("GET", "/notes.txt", port())));
  Reply get;
  ASSERT_TRUE(read_reply(client, get));
  EXPECT_EQ(get.head.status, 200);
  EXPECT_EQ(get.body, StaticTree::content("notes.txt"));
}

// ---------------------------------------------------------------------------
// Conditional requests (RFC 9110 13.1.3, 13.2.2).

TEST_F(StaticFilesSuite, IfModifiedSinceAtOrAfterLastModifiedIs304) {
  for (const char* since : {kModifiedText, "Thu, 02 Jan 2020 00:00:00 GMT"}) {
    Reply reply;
    ASSERT_TRUE(get("/index.html", reply, std::string("If-Modified-Since: ") + since + "\r\n"));
    EXPECT_EQ(reply.head.status, 304) << since;
    EXPECT_EQ(reply.head.get("Last-Modified"), kModifiedText);
    EXPECT_TRUE(reply.head.has("Date"));
  }
}

TEST_F(StaticFilesSuite, IfModifiedSinceBeforeInvalidOrFutureIs200) {
  for (const char* since : {"Tue, 31 Dec 2019 23:59:59 GMT", "yesterday",
                            "Wednesday, 01-Jan-20 00:00:00 GMT",  // RFC 850: not read
                            "Fri, 01 Jan 9999 00:00:00 GMT"}) {   // later than now: invalid
    Reply reply;
    ASSERT_TRUE(get("/index.html", reply, std::string("If-Modified-Since: ") + since + "\r\n"));
    EXPECT_EQ(reply.head.status, 200) << since;
    EXPECT_EQ(reply.body, StaticTree::content("index.html")) << since;
  }
}

TEST_F(StaticFilesSuite, IfNoneMatchComesFirst) {
  Reply reply;
  ASSERT_TRUE(get("/index.html", reply, "If-None-Match: *\r\n"));
  EXPECT_EQ(reply.head.status, 304);
  // A tag (we send none) does not match, and If-Modified-Since is then ignored.
  ASSERT_TRUE(
      get("/index.html", reply,
          std::string("If-None-Match: \"abc\"\r\nIf-Modified-Since: ") + kModifiedText + "\r\n"));
  EXPECT_EQ(reply.head.status, 200);
}

TEST_F(StaticFilesSuite, A304KeepsTheConnection) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/", port(),
                                   std::string("If-Modified-Since: ") + kModifiedText + "\r\n")));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.head.status, 304);
  ASSERT_TRUE(client.send_raw(request("GET", "/notes.txt", port())));
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
}

// ---------------------------------------------------------------------------
// Errors.

TEST_F(StaticFilesSuite, MissingFilesDirectoriesAndSpecialFilesAre404) {
  for (const char* target : {"/missing.html", "/sub", "/sub/", "/sub/missing", "/fifo", "/.hidden",
                             "/index.html/x", "/etc/passwd"}) {
    RawClient client;
    ASSERT_TRUE(send(client, request("GET", target, port())));
    Reply reply;
    ASSERT_TRUE(read_reply(client, reply)) << target;
    EXPECT_EQ(reply.head.status, 404) << target;
    // The connection stays: a page's missing favicon does not cost it.
    ASSERT_TRUE(client.send_raw(request("GET", "/notes.txt", port())));
    ASSERT_TRUE(read_reply(client, reply)) << target;
    EXPECT_EQ(reply.head.status, 200) << target;
  }
}

TEST_F(StaticFilesSuite, OtherMethodsGet405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"}) {
    RawClient client;
    ASSERT_TRUE(send(client, request(method, "/index.html", port())));
    HttpResponse response;
    ASSERT_TRUE(client.expect_http_rejection(405, &response)) << method;
    EXPECT_EQ(response.get("Allow"), "GET, HEAD") << method;
  }
  // With a body, which the server does not read: still 405, then closed.
  RawClient client;
  ASSERT_TRUE(send(client, request("POST", "/", port(), "Content-Length: 5\r\n") + "hello"));
  ASSERT_TRUE(client.expect_http_rejection(405));
}

TEST_F(StaticFilesSuite, MalformedTargetsAre400) {
  for (const char* target : {"/a%zz", "/a%", "/a\\b", "//index.html", "*", "/a%0d%0ab"}) {
    RawClient client;
    ASSERT_TRUE(send(client, request("GET", target, port())));
    ASSERT_TRUE(client.expect_http_rejection(400)) << target;
  }
}

TEST_F(StaticFilesSuite, HostIsRequiredAndChecked) {
  RawClient client;
  ASSERT_TRUE(send(client, "GET / HTTP/1.1\r\n\r\n"));  // RFC 9112 3.2
  ASSERT_TRUE(client.expect_http_rejection(400));
  RawClient twice;
  ASSERT_TRUE(send(twice, request("GET", "/", port(), "Host: 127.0.0.1\r\n")));
  ASSERT_TRUE(twice.expect_http_rejection(400));
  // DNS rebinding: a loopback listener serves only a Host naming loopback.
  RawClient rebound;
  ASSERT_TRUE(send(rebound, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"));
  ASSERT_TRUE(rebound.expect_http_rejection(403));
}

TEST_F(StaticFilesSuite, ABodyOnGetIs400) {
  for (const char* header : {"Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n"}) {
    RawClient client;
    ASSERT_TRUE(send(client, request("GET", "/", port(), header) + "abc"));
    ASSERT_TRUE(client.expect_http_rejection(400)) << header;
  }
  Reply reply;
  ASSERT_TRUE(get("/", reply, "Content-Length: 0\r\n"));  // announces no body: fine
  EXPECT_EQ(reply.head.status, 200);
}

TEST_F(StaticFilesSuite, AFileOverSixteenMebibytesIs500) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/huge.bin", port())));
  ASSERT_TRUE(client.expect_http_rejection(500));
}

// ---------------------------------------------------------------------------
// No way out of the directory.

TEST_F(StaticFilesSuite, TraversalNeverLeavesTheDirectory) {
  const std::string absolute = "http://" + host_header(port());
  for (const std::string& target : std::vector<std::string>{"/../secret.txt",
                                                            "/sub/../../secret.txt",
                                                            "/%2e%2e/secret.txt",
                                                            "/%2E%2E/secret.txt",
                                                            "/.%2e/secret.txt",
                                                            "/%2e%2e%2fsecret.txt",
                                                            "/..%2fsecret.txt",
                                                            "/sub%2f..%2f..%2fsecret.txt",
                                                            "/..%5csecret.txt",
                                                            "/..\\secret.txt",
                                                            "/%5c..%5csecret.txt",
                                                            "/secret.txt%00",
                                                            "/index.html%00/../../secret.txt",
                                                            "//secret.txt",
                                                            "/%2fetc%2fpasswd",
                                                            "/escape",
                                                            "/absolute_escape",
                                                            "/parent/secret.txt",
                                                            "/absolute_parent/secret.txt",
                                                            "/parent",
                                                            "/sub/../index.html",
                                                            absolute + "/../secret.txt",
                                                            absolute + "/%2e%2e/secret.txt",
                                                            "/%252e%252e/secret.txt"}) {
    RawClient client;
    ASSERT_TRUE(send(client, request("GET", target, port())));
    Reply reply;
    ASSERT_TRUE(read_reply(client, reply)) << target;
    EXPECT_TRUE(reply.head.status == 400 || reply.head.status == 404)
        << target << ": " << reply.head.status;
    EXPECT_EQ(reply.body.find(kSecret), std::string::npos) << target;
  }
}

// ---------------------------------------------------------------------------
// Connections (RFC 9112 9).

TEST_F(StaticFilesSuite, PipelinedRequestsInOneWriteAreAnsweredInOrder) {
  RawClient client;
  ASSERT_TRUE(send(
      client, request("GET", "/index.html", port()) + request("HEAD", "/style.css", port()) +
                  request("GET", "/missing", port()) + request("GET", "/sub/page.txt", port())));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("index.html"));
  ASSERT_TRUE(read_reply(client, reply, /*to_head=*/true));
  EXPECT_EQ(reply.head.get("Content-Type"), "text/css; charset=utf-8");
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.head.status, 404);
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("sub/page.txt"));
  ASSERT_TRUE(client.expect_nothing());  // and the connection stays
}

TEST_F(StaticFilesSuite, PipelinedRequestsBehindLargeAnswersWaitAndAreAllAnswered) {
  // Twenty 1 MiB answers far exceed what one connection may queue: the
  // requests behind wait for the peer to read, and none is lost.
  constexpr int count = 20;
  std::string burst;
  for (int i = 0; i < count; ++i) burst += request("GET", "/big.bin", port());
  RawClient client;
  ASSERT_TRUE(send(client, burst + request("GET", "/notes.txt", port())));
  for (int i = 0; i < count; ++i) {
    Reply reply;
    ASSERT_TRUE(read_reply(client, reply)) << i;
    ASSERT_EQ(reply.head.status, 200) << i;
    ASSERT_TRUE(reply.body == StaticTree::content("big.bin")) << i;
  }
  Reply last;
  ASSERT_TRUE(read_reply(client, last));
  EXPECT_EQ(last.body, StaticTree::content("notes.txt"));
}

TEST_F(StaticFilesSuite, RequestSplitAcrossWritesIsAnswered) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  const std::string two = request("GET", "/notes.txt", port()) + request("GET", "/app.js", port());
  ASSERT_TRUE(client.send_split(two, {3, 20, two.size() / 2, two.size() / 2 + 5}));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("app.js"));
}

TEST_F(StaticFilesSuite, ConnectionCloseIsHonoured) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  // The request after the one that says close is not answered.
  ASSERT_TRUE(client.send_raw(request("GET", "/notes.txt", port(), "Connection: close\r\n") +
                              request("GET", "/app.js", port())));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
  EXPECT_TRUE(header_has_token(reply.head.get("Connection"), "close"));
  ASSERT_TRUE(client.expect_tcp_end());
}

TEST_F(StaticFilesSuite, Http10Closes) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/notes.txt", port(), "", "HTTP/1.0")));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
  EXPECT_TRUE(header_has_token(reply.head.get("Connection"), "close"));
  ASSERT_TRUE(client.expect_tcp_end());
}

TEST_F(StaticFilesSuite, AnswersReachAPeerThatHalfClosesAfterItsRequests) {
  RawClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(
      client.send_raw(request("GET", "/big.bin", port()) + request("GET", "/notes.txt", port())));
  client.shutdown_write();
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_TRUE(reply.body == StaticTree::content("big.bin"));
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
  ASSERT_TRUE(client.expect_tcp_end());
}

// ---------------------------------------------------------------------------
// The WebSocket routes are as they were.

TEST_F(StaticFilesSuite, AnUpgradeMayFollowAPageOnTheSameConnection) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/", port())));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.head.status, 200);
  ASSERT_TRUE(client.handshake(UpgradeRequest::standard(host_header(port()))));
  ASSERT_TRUE(client.echo(kText, "after a page"));
}

TEST_F(StaticFilesSuite, ARoutesPathWithoutUpgradeKeepsTheHandshakeError) {
  // Not a file: /echo is a WebSocket route, whose checks answer a plain GET.
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/echo", port())));
  ASSERT_TRUE(client.expect_http_rejection(400));
}

TEST_F(StaticFilesSuite, AnUpgradeToAFilesPathIs404) {
  UpgradeRequest upgrade = UpgradeRequest::standard(host_header(port()));
  upgrade.target = "/index.html";
  RawClient client;
  ASSERT_TRUE(send(client, upgrade.render()));
  ASSERT_TRUE(client.expect_http_rejection(404));
}

// ---------------------------------------------------------------------------
// Bounds: the handshake timeout between requests, and the memory budget.

class StaticFilesTimeout : public StaticFilesSuite {
 public:
  static void SetUpTestSuite() { start_serving({"--handshake-timeout", "0.3"}); }
};

TEST_F(StaticFilesTimeout, AQuietKeptConnectionEndsAtTheHandshakeTimeout) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/", port())));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  std::this_thread::sleep_for(200ms);  // each answer gives a new deadline
  ASSERT_TRUE(client.send_raw(request("GET", "/notes.txt", port())));
  ASSERT_TRUE(read_reply(client, reply));
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
  ASSERT_TRUE(client.expect_nothing(100ms));
  ASSERT_TRUE(client.expect_tcp_end(1000ms));
}

TEST_F(StaticFilesTimeout, AHalfRequestAfterAnAnswerEndsAtTheHandshakeTimeout) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/", port()) + "GET /notes.txt HTTP/1.1\r\n"));
  Reply reply;
  ASSERT_TRUE(read_reply(client, reply));
  ASSERT_TRUE(client.expect_tcp_end(1000ms));
}

class StaticFilesMemory : public StaticFilesSuite {
 public:
  static void SetUpTestSuite() { start_serving({"--max-memory", "512K"}); }
};

TEST_F(StaticFilesMemory, AFileTheBudgetRefusesIs503AndTheServerGoesOn) {
  RawClient client;
  ASSERT_TRUE(send(client, request("GET", "/big.bin", port())));
  ASSERT_TRUE(client.expect_http_rejection(503));
  Reply reply;
  ASSERT_TRUE(get("/notes.txt", reply));  // small pages still fit
  EXPECT_EQ(reply.head.status, 200);
  EXPECT_EQ(reply.body, StaticTree::content("notes.txt"));
}

// ---------------------------------------------------------------------------
// Start-up.

TEST(StaticFilesStartup, ADirectoryThatCannotBeOpenedFailsTheStart) {
  const ProcessRun run =
      run_to_exit(server_binary_path(), {"--port", "0", "--static-dir", "/nonexistent/static"}, 5s);
  EXPECT_EQ(run.exit_code, 1) << run.describe();
  EXPECT_NE(run.err.find("wsserver: cannot start: --static-dir /nonexistent/static: No such file "
                         "or directory"),
            std::string::npos)
      << run.describe();
}

}  // namespace
}  // namespace wstest
