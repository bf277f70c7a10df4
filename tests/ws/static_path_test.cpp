// tests/ws/static_path_test.cpp: ws/static_path.hpp. The resolver on valid
// paths and on every way out of the directory (dot segments raw and
// percent-encoded, encoded slashes and backslashes, NUL, absolute and
// malformed targets); then the filesystem step in a temporary directory:
// files, directories, FIFOs, and symlinks inside and out of it, with both
// symlink policies.
#include "ws/static_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using ws::resolve_static_path;
using ws::Symlinks;

std::string resolved(std::string_view path) {
  const ws::StaticPath result = resolve_static_path(path);
  EXPECT_EQ(result.status, 0) << path << ": " << result.reason;
  return result.relative;
}

int status_of(std::string_view path) {
  const ws::StaticPath result = resolve_static_path(path);
  EXPECT_TRUE(result.status == 0 || !result.reason.empty()) << path;
  EXPECT_TRUE(result.status == 0 || result.relative.empty()) << path;
  return result.status;
}

TEST(StaticPath, RootIsIndexHtml) { EXPECT_EQ(resolved("/"), "index.html"); }

TEST(StaticPath, PlainPathsLoseTheirLeadingSlash) {
  EXPECT_EQ(resolved("/index.html"), "index.html");
  EXPECT_EQ(resolved("/css/site.css"), "css/site.css");
  EXPECT_EQ(resolved("/a/b/c/d.js"), "a/b/c/d.js");
  EXPECT_EQ(resolved("/favicon.ico"), "favicon.ico");
  EXPECT_EQ(resolved("/no-extension"), "no-extension");
  EXPECT_EQ(resolved("/a.b.c"), "a.b.c");
  EXPECT_EQ(resolved("/x..y"), "x..y");  // dots inside a name are only dots
  EXPECT_EQ(resolved("/a../b.."), "a../b..");
}

TEST(StaticPath, EveryPcharIsAllowed) {
  EXPECT_EQ(resolved("/AZaz09-._~!$&'()*+,;=:@"), "AZaz09-._~!$&'()*+,;=:@");
}

TEST(StaticPath, EscapesAreDecodedOnce) {
  EXPECT_EQ(resolved("/my%20page.html"), "my page.html");
  EXPECT_EQ(resolved("/caf%C3%A9.txt"), "caf\xc3\xa9.txt");
  EXPECT_EQ(resolved("/caf%c3%a9.txt"), "caf\xc3\xa9.txt");
  EXPECT_EQ(resolved("/%61%62%63"), "abc");
  EXPECT_EQ(resolved("/%252e%252e"), "%2e%2e");  // a file named "%2e%2e", not ".."
  EXPECT_EQ(resolved("/100%25"), "100%");
  EXPECT_EQ(resolved("/a%3Fb"), "a?b");
}

TEST(StaticPath, DotSegmentsAreRefused) {
  for (std::string_view path :
       {"/..", "/../etc/passwd", "/a/../../etc/passwd", "/a/..", "/.", "/./index.html", "/a/./b",
        "/%2e%2e", "/%2E%2E/etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.%2e", "/%2e.",
        "/a/%2e%2e/%2e%2e", "/%2e", "/a/%2e/b"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, EncodedSeparatorsAreRefused) {
  for (std::string_view path : {"/..%2fetc%2fpasswd", "/a%2fb", "/a%2Fb", "/%2f", "/%2fetc/passwd",
                                "/..%5c..%5cwindows", "/a%5cb", "/a%5Cb", "/%5c"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, BackslashesAreRefused) {
  for (std::string_view path : {"/a\\b", "/..\\..\\etc\\passwd", "/\\", "/\\etc\\passwd"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, NulIsRefused) {
  using namespace std::string_view_literals;
  for (std::string_view path : {"/a%00b"sv, "/index.html%00.png"sv, "/%00"sv, "/a\0b"sv, "/\0"sv})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, ControlsAndOtherBytesAreRefused) {
  for (std::string_view path :
       {"/a%01b", "/a%1fb", "/a%7fb", "/a%0d%0aSet-Cookie:x", "/a b", "/a\tb", "/a#frag", "/a?b",
        "/a\"b", "/a<b>", "/a|b", "/a^b", "/a`b", "/a{b}", "/a[b]", "/caf\xc3\xa9", "/\x7f"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, MalformedEscapesAreRefused) {
  for (std::string_view path : {"/%", "/a%", "/a%4", "/%zz", "/%4g", "/%g4", "/a%%41", "/%-1"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, TargetsThatAreNotAbsolutePathsAreRefused) {
  for (std::string_view path : {"", "*", "index.html", "etc/passwd", "../etc/passwd",
                                "http://example.com/", "C:\\windows", "\\\\server\\share"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, EmptySegmentsAreRefused) {
  for (std::string_view path : {"//", "//etc/passwd", "/a//b", "///", "/a///b"})
    EXPECT_EQ(status_of(path), 400) << path;
}

TEST(StaticPath, DirectoriesAndDotFilesAreNotServed) {
  for (std::string_view path : {"/a/", "/css/", "/a/b/", "/.git", "/.git/config", "/a/.env",
                                "/.htaccess", "/%2egit", "/...", "/a/..."})
    EXPECT_EQ(status_of(path), 404) << path;
}

TEST(StaticPath, MalformationWinsOverNotFound) {
  // The same answer wherever in the path the two are.
  EXPECT_EQ(status_of("/.git/../x"), 400);
  EXPECT_EQ(status_of("/a/..%2f/"), 400);
  EXPECT_EQ(status_of("/.env/%00"), 400);
}

// ---------------------------------------------------------------------------
// The filesystem step.

class StaticFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/static_path_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_dir_ = base_ + "/root";
    ASSERT_EQ(::mkdir(root_dir_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_dir_ + "/sub").c_str(), 0755), 0);
    write(root_dir_ + "/index.html", "<p>hi</p>");
    write(root_dir_ + "/sub/page.txt", "page");
    write(base_ + "/secret.txt", "outside");
    link("../secret.txt", "up_link");              // leaves by ".."
    link(base_ + "/secret.txt", "absolute_link");  // leaves by an absolute path
    link("sub/page.txt", "inside_link");           // stays inside
    link(base_, "outside_dir_link");               // a directory outside
    link("sub", "inside_dir_link");                // a directory inside
    ASSERT_EQ(::mkfifo((root_dir_ + "/fifo").c_str(), 0644), 0);
    root_ = ::open(root_dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override {
    if (root_ >= 0) ::close(root_);
    if (!base_.empty()) std::filesystem::remove_all(base_);
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (root_dir_ + "/" + name).c_str()), 0) << name;
  }
  // The status open_static_file gives `relative` under `policy`, and, when
  // it opened something, that it is the file with `expected` in it.
  ::testing::AssertionResult opens(const std::string& relative, Symlinks policy,
                                   const std::string& expected) {
    const ws::StaticFile file = ws::open_static_file(root_, relative, policy);
    if (file.status != 0)
      return ::testing::AssertionFailure() << relative << ": " << file.status << " " << file.reason;
    std::string content(file.size, '\0');
    if (::pread(file.fd.get(), content.data(), content.size(), 0) !=
        static_cast<ssize_t>(content.size()))
      return ::testing::AssertionFailure() << relative << ": short read";
    if (content != expected)
      return ::testing::AssertionFailure() << relative << ": opened \"" << content << "\"";
    return ::testing::AssertionSuccess();
  }
  int status(const std::string& relative, Symlinks policy) {
    const ws::StaticFile file = ws::open_static_file(root_, relative, policy);
    EXPECT_EQ(file.fd.valid(), file.status == 0) << relative;
    return file.status;
  }

  std::string base_, root_dir_;
  int root_ = -1;
};

constexpr Symlinks both_policies[] = {Symlinks::inside_root, Symlinks::refused};

TEST_F(StaticFileTest, OpensRegularFiles) {
  for (Symlinks policy : both_policies) {
    EXPECT_TRUE(opens("index.html", policy, "<p>hi</p>"));
    EXPECT_TRUE(opens("sub/page.txt", policy, "page"));
  }
  const ws::StaticFile file = ws::open_static_file(root_, "index.html");
  EXPECT_EQ(file.size, 9u);
  EXPECT_GT(file.modified, 0);
}

TEST_F(StaticFileTest, MissingFilesDirectoriesAndFifosAre404) {
  for (Symlinks policy : both_policies) {
    for (const char* relative :
         {"missing.html", "sub/missing", "missing/x", "sub", "fifo", "index.html/x"})
      EXPECT_EQ(status(relative, policy), 404) << relative;
  }
}

TEST_F(StaticFileTest, SymlinksOutOfTheDirectoryAre404) {
  for (Symlinks policy : both_policies) {
    for (const char* relative :
         {"up_link", "absolute_link", "outside_dir_link/secret.txt", "outside_dir_link"})
      EXPECT_EQ(status(relative, policy), 404) << relative;
  }
}

TEST_F(StaticFileTest, SymlinksInsideAreFollowedOnlyWhenAllowed) {
  EXPECT_TRUE(opens("inside_link", Symlinks::inside_root, "page"));
  EXPECT_TRUE(opens("inside_dir_link/page.txt", Symlinks::inside_root, "page"));
  EXPECT_EQ(status("inside_link", Symlinks::refused), 404);
  EXPECT_EQ(status("inside_dir_link/page.txt", Symlinks::refused), 404);
}

TEST_F(StaticFileTest, NamesTheResolverNeverGivesAreRefused) {
  using namespace std::string_literals;
  for (Symlinks policy : both_policies) {
    for (const std::string& relative :
         {""s, "/etc/passwd"s, "../secret.txt"s, "sub/../../secret.txt"s, "index.html\0x"s})
      EXPECT_EQ(status(relative, policy), 404) << relative;
  }
}

}  // namespace
