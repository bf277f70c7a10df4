// From a request's path to an open file under the served directory, in two
// steps, so that the first can be fuzzed alone:
//
//   resolve_static_path   pure: the path of the target (HttpRequest::path(),
//                         no query) to a relative file name that cannot
//                         leave the directory, or a refusal;
//   open_static_file      the filesystem: opens that name beneath the
//                         directory's descriptor, never following a symlink
//                         out of it, and says what it opened.
//
// The rules of the first step (RFC 3986 3.3, RFC 9112 3.2.1):
//   - the path starts with '/'; "/" is "index.html";
//   - every byte is a pchar or '/' (unreserved, sub-delims, ':', '@', or a
//     "%XX" escape): anything else, a backslash, a NUL, '#', a space, a
//     control or a non-ASCII byte among them, is 400;
//   - segments are decoded once: "%2e%2e" is "..", "%252e" the file
//     "%2e". A decoded segment that is empty (a "//"), "." or "..", or that
//     holds '/', '\', NUL or another control (0x00-0x1f, 0x7f) is 400;
//   - a path ending in '/' (other than "/") names a directory: 404, as a
//     segment starting with '.' does (dot files, such as .git, are not
//     served).
// So a relative name has no leading '/', no empty, "." or ".." segment, no
// NUL and no backslash: it cannot name anything above the directory except
// through a symlink, which the second step refuses.
//
// Thread safety: both functions are reentrant.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "net/unique_fd.hpp"

namespace ws {

struct StaticPath {
  int status = 0;           // 0: `relative` names the file; else 400 or 404
  std::string_view reason;  // static, one line, for the error body
  std::string relative;     // "index.html", "css/site.css"
};

StaticPath resolve_static_path(std::string_view path);

// How the second step treats symlinks: `inside_root` follows those that stay
// beneath the directory (openat2 with RESOLVE_BENEATH: an absolute link, or
// one whose ".." climbs above the directory, fails); `refused` follows none
// (each component opened with O_NOFOLLOW). `inside_root` falls back to
// `refused` on a kernel without openat2 (before Linux 5.6, or a seccomp
// filter that forbids it), so it is never less safe, only stricter there.
enum class Symlinks : std::uint8_t { inside_root, refused };

struct StaticFile {
  int status = 0;  // 0: `fd` is an open regular file; else 404, 500 or 503
  std::string_view reason;
  net::UniqueFd fd;
  std::uint64_t size = 0;
  std::time_t modified = 0;  // st_mtime, whole seconds
};

// Opens `relative` (from resolve_static_path) for reading beneath `root`, a
// directory descriptor (O_PATH is enough). Missing, a directory, anything
// but a regular file (a FIFO is opened non-blocking, so it cannot hang the
// loop, and then refused), unreadable, or reached through a refused symlink:
// 404. Out of descriptors or memory: 503; any other error: 500.
StaticFile open_static_file(int root, const std::string& relative,
                            Symlinks symlinks = Symlinks::inside_root);

}  // namespace ws
