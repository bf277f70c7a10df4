// Fuzz harness: the path of a plain GET to a file under the served
// directory (ws/static_path.hpp): resolve_static_path, then
// open_static_file in a small tree made at start-up, beside a secret file
// and symlinks that lead to it.
//
// Checks, on the input taken as a request path:
// - the answer is 0 (with a name and no reason), 400 or 404 (with a reason
//   and no name);
// - a name never has a leading '/', an empty, "." or ".." segment, a NUL, a
//   backslash, a control byte, or a segment starting with '.';
// - a name is the input with its escapes decoded once and its leading '/'
//   taken off (the decoding here is written apart from the resolver's):
//   nothing is dropped, collapsed or added; "/" is index.html;
// - the name with every byte of it escaped again resolves to itself;
// - what open_static_file opens for the name, with either symlink policy,
//   is one of the tree's own files, never the secret outside it: only the
//   names of the two files open anything, and the symlink that stays
//   inside when symlinks may be followed; the raw input handed to
//   open_static_file unresolved opens nothing else either.
//
// Input: the path, all of it.
#include "ws/static_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_support.hpp"

namespace {

// base/secret.txt outside, base/root served: index.html, a/b.txt, and
// symlinks out (up, abs, dir_up) and in (in).
struct Tree {
  std::string base;
  int root = -1;
  ino_t secret = 0;
  ino_t inside[2] = {0, 0};
};
Tree tree;

ino_t inode_of(const std::string& path) {
  struct stat status;
  if (::stat(path.c_str(), &status) != 0) std::abort();
  return status.st_ino;
}

void make_tree() {
  char pattern[] = "/tmp/fuzz_static_path.XXXXXX";
  if (!::mkdtemp(pattern)) std::abort();
  tree.base = pattern;
  const std::string root = tree.base + "/root";
  std::filesystem::create_directories(root + "/a");
  std::ofstream(tree.base + "/secret.txt") << "secret";
  std::ofstream(root + "/index.html") << "index";
  std::ofstream(root + "/a/b.txt") << "b";
  std::filesystem::create_symlink("../secret.txt", root + "/up");
  std::filesystem::create_symlink(tree.base + "/secret.txt", root + "/abs");
  std::filesystem::create_symlink("..", root + "/dir_up");
  std::filesystem::create_symlink("a/b.txt", root + "/in");
  tree.secret = inode_of(tree.base + "/secret.txt");
  tree.inside[0] = inode_of(root + "/index.html");
  tree.inside[1] = inode_of(root + "/a/b.txt");
  tree.root = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (tree.root < 0) std::abort();
  std::atexit([] { std::filesystem::remove_all(tree.base); });
}

std::string shown(std::string_view bytes) {
  return fuzz::hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, 200);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Every "%XX" replaced by its byte, once, left to right; false if a '%' is
// not followed by two hex digits.
bool decode_all(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || hex_digit(in[i + 1]) < 0 || hex_digit(in[i + 2]) < 0) return false;
    out += static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2]));
    i += 2;
  }
  return true;
}

void check_name(std::string_view name, std::string_view input) {
  FUZZ_CHECK(!name.empty() && name.front() != '/', "name " + shown(name) + " of " + shown(input));
  for (std::size_t start = 0;;) {
    const std::size_t slash = name.find('/', start);
    const std::string_view segment = name.substr(start, slash - start);
    FUZZ_CHECK(!segment.empty() && segment != "." && segment != ".." && segment.front() != '.',
               "segment " + shown(segment) + " in " + shown(name) + " of " + shown(input));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte != 0x7f && c != '\\',
               "byte " + std::to_string(byte) + " in " + shown(name) + " of " + shown(input));
  }
}

// Opens `name` with `symlinks`; what it opens must be a file of the tree.
void check_open(const std::string& name, ws::Symlinks symlinks, std::string_view input) {
  const ws::StaticFile file = ws::open_static_file(tree.root, name, symlinks);
  FUZZ_CHECK(file.fd.valid() == (file.status == 0),
             "status " + std::to_string(file.status) + " for " + shown(name));
  if (file.status != 0) {
    FUZZ_CHECK(file.status == 404 || file.status == 500 || file.status == 503,
               "open status " + std::to_string(file.status) + " for " + shown(name));
    return;
  }
  struct stat status;
  FUZZ_CHECK(::fstat(file.fd.get(), &status) == 0, "fstat");
  FUZZ_CHECK(status.st_ino != tree.secret,
             "opened the secret outside the root for " + shown(name) + " of " + shown(input));
  FUZZ_CHECK(status.st_ino == tree.inside[0] || status.st_ino == tree.inside[1],
             "opened something else for " + shown(name));
  // The only names that open anything: the two files, and the symlink that
  // stays inside when symlinks may be followed.
  FUZZ_CHECK(name == "index.html" || name == "a/b.txt" ||
                 (symlinks == ws::Symlinks::inside_root && name == "in"),
             "opened " + shown(name) + " of " + shown(input));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_tree();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const ws::StaticPath result = ws::resolve_static_path(input);
  FUZZ_CHECK(result.status == 0 || result.status == 400 || result.status == 404,
             "status " + std::to_string(result.status) + " for " + shown(input));
  FUZZ_CHECK((result.status == 0) == result.reason.empty() &&
                 (result.status == 0) != result.relative.empty(),
             "reason or name out of place for " + shown(input));

  // Unresolved, the input opens nothing outside either.
  check_open(input, ws::Symlinks::inside_root, input);
  check_open(input, ws::Symlinks::refused, input);
  if (result.status != 0) return 0;

  const std::string& name = result.relative;
  check_name(name, input);
  std::string decoded;
  FUZZ_CHECK(decode_all(input, decoded), "accepted a malformed escape: " + shown(input));
  FUZZ_CHECK(name == (input == "/" ? std::string("index.html") : decoded.substr(1)),
             "name " + shown(name) + " is not the decoded " + shown(input));

  std::string escaped = "/";
  for (char c : name) {
    if (c == '/') {
      escaped += '/';
      continue;
    }
    static constexpr char digits[] = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(c);
    escaped += {'%', digits[byte >> 4], digits[byte & 15]};
  }
  const ws::StaticPath again = ws::resolve_static_path(escaped);
  FUZZ_CHECK(again.status == 0 && again.relative == name,
             "escaped again, " + shown(escaped) + " resolves to " + shown(again.relative));

  check_open(name, ws::Symlinks::inside_root, input);
  check_open(name, ws::Symlinks::refused, input);
  return 0;
}
