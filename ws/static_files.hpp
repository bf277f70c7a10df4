// Plain HTTP on the WebSocket port: GET and HEAD of the files of one
// directory (--static-dir), for the pages that open the WebSockets. A
// request comes here when its path is no WebSocket route and it does not
// ask for an upgrade (ws/websocket.cpp decides, and keeps the connection).
//
// The answer (RFC 9110, RFC 9112), first match wins:
//   400  a Host header sent twice, empty, or missing in HTTP/1.1 (RFC 9112 3.2)
//   403  a Host the DNS-rebinding policy refuses (ws/host_check.hpp)
//   405  a method other than GET and HEAD, with Allow: GET, HEAD
//   400  a body announced (HttpRequest::has_body): bodies are not
//        read, so one would be taken for the next request
//   400  a malformed target; 404 a directory or a dot file (ws/static_path.hpp)
//   404  no such regular file under the directory; 503 out of descriptors
//   500  a file larger than max_static_file_size, or one that fails to read
//   304  If-None-Match: * (the file exists), or else an If-Modified-Since
//        (one valid IMF-fixdate, not in the future) at or after its
//        Last-Modified (RFC 9110 13.1.2, 13.1.3, 13.2.2)
//   200  the file, with Content-Type by its extension, Content-Length,
//        Last-Modified (st_mtime, never later than Date: RFC 9110 8.8.2.1),
//        Date and X-Content-Type-Options: nosniff; to HEAD the same head
//        and no body
//   503  the memory budget (--max-memory) refused the room for the file
// Every response carries Date (RFC 9110 6.6.1); an error's body is its
// one-line reason (none to HEAD, whose Content-Length still says its size).
//
// Keep-alive: after a 200, 304 or 404 the connection stays open for the
// next request, in HTTP/1.1 unless the request said Connection: close;
// HTTP/1.0 always closes (its keep-alive is not spoken). After any other
// status it closes; those responses say Connection: close.
//
// The file is read (pread, on the loop thread: these are small pages) into
// the connection's output queue, behind the head: one copy, and no
// sendfile. A file over 16 MiB is refused, so one response holds at most
// that much of the queue.
//
// Thread safety: StaticFiles is read-only once built, shared by the loops;
// serve_static_request runs on the connection's loop thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "net/connection.hpp"
#include "net/unique_fd.hpp"
#include "ws/host_check.hpp"
#include "ws/http_request.hpp"

namespace ws {

constexpr std::uint64_t max_static_file_size = 16 * 1024 * 1024;

// The served directory, opened once (O_PATH) when the server starts: files
// are opened beneath this descriptor, so renaming or replacing the path
// later does not move what is served.
class StaticFiles {
 public:
  // Throws std::system_error if `directory` is not a directory we can open.
  explicit StaticFiles(std::string directory);

  int root() const noexcept { return root_.get(); }
  const std::string& directory() const noexcept { return directory_; }

 private:
  std::string directory_;
  net::UniqueFd root_;
};

// The Content-Type for a file name, by its extension, case-insensitively
// (html, css, js, mjs, json, svg, png, jpg, ico, txt, wasm, map; text
// types in UTF-8); application/octet-stream for any other.
std::string_view content_type_for(std::string_view name) noexcept;

// IMF-fixdate, the HTTP-date a server sends (RFC 9110 5.6.7):
// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t time);
// The time of an IMF-fixdate, or nothing. The obsolete RFC 850 and asctime
// forms are not read: an If-Modified-Since we cannot read is ignored, which
// sends the file whole, never a wrong 304.
std::optional<std::time_t> parse_http_date(std::string_view text) noexcept;

// Queues the whole response to `request` on `connection` (above). Returns
// whether the connection may read the next request; false: it must close
// once the response is delivered.
bool serve_static_request(const HttpRequest& request, const StaticFiles& files,
                          const HostPolicy& hosts, net::Connection& connection);

}  // namespace ws
