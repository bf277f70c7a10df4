// A request path to a relative file name (pure), and that name opened
// beneath the served directory (the filesystem). See the header for the rules.
#include "ws/static_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace ws {
namespace {

// pchar (RFC 3986 3.3) apart from letters, digits and "%XX": unreserved
// punctuation, sub-delims, ':' and '@'.
constexpr std::string_view pchar_punctuation = "-._~!$&'()*+,;=:@";

bool is_plain_pchar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         pchar_punctuation.find(c) != std::string_view::npos;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StaticPath refuse(int status, std::string_view reason) { return {status, reason, {}}; }

// Appends the decoded `segment` to `out`; returns why it is malformed, or
// nothing. Decoding happens once: a decoded '%' is a plain byte of the name.
std::string_view decode_segment(std::string_view segment, std::string& out) {
  for (std::size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '%') {
      const int high = i + 2 < segment.size() ? hex_value(segment[i + 1]) : -1;
      const int low = i + 2 < segment.size() ? hex_value(segment[i + 2]) : -1;
      if (high < 0 || low < 0) return "malformed percent-escape in the path";
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (!is_plain_pchar(c)) {
      return "character not allowed in a path";
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\0') return "NUL in the path";
    if (byte == '/') return "encoded slash in the path";
    if (byte == '\\') return "backslash in the path";
    if (byte < 0x20 || byte == 0x7f) return "control character in the path";
    out += c;
  }
  return {};
}

}  // namespace

StaticPath resolve_static_path(std::string_view path) {
  if (!path.starts_with('/')) return refuse(400, "the target must be a path starting with /");
  if (path == "/") return {0, {}, "index.html"};
  std::string relative;
  relative.reserve(path.size());
  // Every segment is checked for malformation (400) before a refusal that
  // is only "nothing to serve here" (404), so the answer does not depend on
  // where in the path the two are.
  bool hidden = false, directory = false;
  std::size_t start = 1;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash - start);
    const bool last = slash == std::string_view::npos;
    if (segment.empty()) {
      if (!last) return refuse(400, "empty segment in the path");
      directory = true;
      break;
    }
    if (!relative.empty()) relative += '/';
    const std::size_t begin = relative.size();
    if (const std::string_view error = decode_segment(segment, relative); !error.empty())
      return refuse(400, error);
    const std::string_view name = std::string_view(relative).substr(begin);
    if (name == "." || name == "..") return refuse(400, "dot segment in the path");
    hidden = hidden || name.front() == '.';
    if (last) break;
    start = slash + 1;
  }
  if (directory) return refuse(404, "a directory, not a file");
  if (hidden) return refuse(404, "dot files are not served");
  return {0, {}, std::move(relative)};
}

namespace {

constexpr int file_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// openat2 (Linux 5.6) confined beneath `root`: a symlink may be followed
// only while it stays below it. EAGAIN means a concurrent rename might have
// let a ".." escape, and asks for a retry. -1 with errno on failure.
int open_beneath(int root, const std::string& relative) noexcept {
  open_how how{};
  how.flags = file_flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = -1;
  for (int attempt = 0; attempt < 3; ++attempt) {
    fd = ::syscall(SYS_openat2, root, relative.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return static_cast<int>(fd);
}

// One component at a time, none of them followed if it is a symlink
// (O_NOFOLLOW: ELOOP for the file, ENOTDIR for a directory on the way).
int open_without_symlinks(int root, const std::string& relative) noexcept {
  net::UniqueFd directory;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = relative.find('/', start);
    const std::string name = relative.substr(start, slash - start);
    const int at = directory ? directory.get() : root;
    if (slash == std::string::npos) return ::openat(at, name.c_str(), file_flags | O_NOFOLLOW);
    const int next = ::openat(at, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -1;
    directory.reset(next);
    start = slash + 1;
  }
}

// What resolve_static_path guarantees, checked again so that a caller that
// skipped it is refused rather than trusted (the component walk below would
// follow a "..").
bool is_confined(std::string_view relative) noexcept {
  if (relative.empty() || relative.find('\0') != std::string_view::npos) return false;
  for (std::size_t start = 0;;) {
    const std::size_t slash = relative.find('/', start);
    const std::string_view name = relative.substr(start, slash - start);
    if (name.empty() || name == "." || name == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

StaticFile failed(int status, std::string_view reason) {
  StaticFile file;
  file.status = status;
  file.reason = reason;
  return file;
}

StaticFile failed_with(int error) {
  switch (error) {
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return failed(503, "the server is out of file descriptors or memory");
    case ENOENT:
    case ENOTDIR:
    case ELOOP:  // a symlink refused
    case EXDEV:  // a symlink out of the directory (RESOLVE_BENEATH)
    case EACCES:
    case EPERM:
    case ENAMETOOLONG:
    case ENXIO:  // a socket
    case ENODEV:
      return failed(404, "no such file");
    default:
      return failed(500, "the file could not be opened");
  }
}

}  // namespace

StaticFile open_static_file(int root, const std::string& relative, Symlinks symlinks) {
  if (!is_confined(relative)) return failed(404, "no such file");
  int fd = -1;
  if (symlinks == Symlinks::inside_root) {
    fd = open_beneath(root, relative);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) symlinks = Symlinks::refused;
  }
  if (symlinks == Symlinks::refused) fd = open_without_symlinks(root, relative);
  if (fd < 0) return failed_with(errno);
  StaticFile file;
  file.fd.reset(fd);
  struct stat status;
  if (::fstat(fd, &status) != 0) return failed(500, "the file could not be read");
  if (!S_ISREG(status.st_mode)) return failed(404, "not a file");
  file.size = static_cast<std::uint64_t>(status.st_size);
  file.modified = status.st_mtime;
  return file;
}

}  // namespace ws
