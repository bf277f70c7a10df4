// Plain HTTP for the files of the served directory: what to answer, the
// bytes of the head, and the file read into the output queue behind it.
#include "ws/static_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "ws/message.hpp"
#include "ws/static_path.hpp"
#include "ws/upgrade.hpp"

namespace ws {
namespace {

constexpr std::pair<std::string_view, std::string_view> content_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},  // source maps
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"ico", "image/vnd.microsoft.icon"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},  // what WebAssembly.instantiateStreaming requires
};

constexpr std::string_view day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

template <std::size_t N>
int index_of(const std::string_view (&names)[N], std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

// The value of a run of decimal digits, or -1 if any byte is not a digit.
int decimal(std::string_view digits) noexcept {
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

void add_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The status line and what every response carries.
void begin_head(std::string& out, int status, bool keep_alive, std::time_t now) {
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(reason_phrase(status)).append("\r\n");
  add_header(out, "Date", format_http_date(now));
  if (!keep_alive) add_header(out, "Connection", "close");
}

struct Response {
  bool keep_alive = false;
  std::string bytes;  // the head, and an error's body
  StaticFile file;    // open for a 200 to GET: its bytes follow `bytes`
};

// An error: its reason as a text body (none to HEAD, RFC 9110 9.3.2).
Response error_response(int status, std::string_view reason, bool keep_alive, bool head_only,
                        std::time_t now) {
  Response response;
  response.keep_alive = keep_alive;
  std::string& out = response.bytes;
  begin_head(out, status, keep_alive, now);
  if (status == 405) add_header(out, "Allow", "GET, HEAD");  // RFC 9110 15.5.6
  add_header(out, "Content-Type", "text/plain; charset=utf-8");
  add_header(out, "Content-Length", std::to_string(reason.size() + 1));
  out.append("\r\n");
  if (!head_only) out.append(reason).append("\n");
  return response;
}

// RFC 9110 13.2.2: If-None-Match is evaluated first and, when present,
// If-Modified-Since is not. These files have no entity tag, so only "*"
// matches (13.1.2: the file exists). If-Modified-Since (13.1.3) counts only
// as one valid HTTP-date that is not later than now.
bool not_modified(const HttpRequest& request, std::time_t last_modified, std::time_t now) {
  if (request.count("If-None-Match") != 0)
    return request.any_element("If-None-Match", [](std::string_view e) { return e == "*"; });
  if (request.count("If-Modified-Since") != 1) return false;
  const std::optional<std::time_t> since = parse_http_date(request.header("If-Modified-Since"));
  return since && *since <= now && last_modified <= *since;
}

// Every check of the header's table but the memory budget's.
Response answer(const HttpRequest& request, const StaticFiles& files, const HostPolicy& hosts,
                std::time_t now) {
  const bool head_only = request.method == "HEAD";
  const bool keep_alive = request.version_minor >= 1 && !request.has_token("Connection", "close");
  const auto refuse = [&](int status, std::string_view reason) {
    return error_response(status, reason, keep_alive && status == 404, head_only, now);
  };
  const std::size_t hosts_sent = request.count("Host");
  if (hosts_sent > 1 || (hosts_sent == 1 && request.header("Host").empty()) ||
      (hosts_sent == 0 && request.version_minor >= 1))
    return refuse(400, "exactly one non-empty Host header required");
  if (!hosts.allows(request.authority())) return refuse(403, "Host not allowed");
  if (request.method != "GET" && !head_only) return refuse(405, "only GET and HEAD are served");
  if (request.has_body()) return refuse(400, "a GET or HEAD request must not have a body");
  const StaticPath path = resolve_static_path(request.path());
  if (path.status != 0) return refuse(path.status, path.reason);
  StaticFile file = open_static_file(files.root(), path.relative);
  if (file.status != 0) return refuse(file.status, file.reason);
  if (file.size > max_static_file_size)
    return refuse(500, "file larger than the server serves (16 MiB)");

  const std::time_t last_modified = std::min(file.modified, now);
  Response response;
  response.keep_alive = keep_alive;
  std::string& out = response.bytes;
  if (not_modified(request, last_modified, now)) {
    begin_head(out, 304, keep_alive, now);
    add_header(out, "Last-Modified", format_http_date(last_modified));
    out.append("\r\n");
    return response;
  }
  begin_head(out, 200, keep_alive, now);
  add_header(out, "Content-Type", content_type_for(path.relative));
  add_header(out, "Content-Length", std::to_string(file.size));
  add_header(out, "Last-Modified", format_http_date(last_modified));
  add_header(out, "X-Content-Type-Options", "nosniff");
  out.append("\r\n");
  if (!head_only) response.file = std::move(file);
  return response;
}

// Reads exactly `size` bytes from the start of the file; false on an error
// or a file that shrank since its size was taken.
bool read_whole(int fd, std::uint8_t* out, std::uint64_t size) noexcept {
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

StaticFiles::StaticFiles(std::string directory)
    : directory_(std::move(directory)),
      root_(::open(directory_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!root_) throw std::system_error(errno, std::generic_category(), "--static-dir " + directory_);
}

std::string_view content_type_for(std::string_view name) noexcept {
  const std::string_view base = name.substr(name.rfind('/') + 1);  // npos + 1 == 0
  const std::size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot != 0) {
    const std::string_view extension = base.substr(dot + 1);
    for (const auto& [known, type] : content_types)
      if (ascii_iequals(known, extension)) return type;
  }
  return "application/octet-stream";
}

std::string format_http_date(std::time_t time) {
  std::tm t{};
  gmtime_r(&time, &t);
  char text[64];
  std::snprintf(text, sizeof text, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
                day_names[t.tm_wday].data(), t.tm_mday, month_names[t.tm_mon].data(),
                t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return text;
}

// "Sun, 06 Nov 1994 08:49:37 GMT": fixed length, fixed places, case-sensitive
// names (RFC 9110 5.6.7). The day name must be one, not necessarily the
// right one; a day that does not exist (Feb 30) is refused.
std::optional<std::time_t> parse_http_date(std::string_view text) noexcept {
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
    return std::nullopt;
  const int day = decimal(text.substr(5, 2)), month = index_of(month_names, text.substr(8, 3));
  const int year = decimal(text.substr(12, 4)), hour = decimal(text.substr(17, 2));
  const int minute = decimal(text.substr(20, 2)), second = decimal(text.substr(23, 2));
  if (index_of(day_names, text.substr(0, 3)) < 0 || month < 0 || day < 1 || day > 31 || year < 0 ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return std::nullopt;
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  const std::time_t time = timegm(&t);
  if (t.tm_mday != day || t.tm_mon != month) return std::nullopt;  // normalised: no such day
  return time;
}

bool serve_static_request(const HttpRequest& request, const StaticFiles& files,
                          const HostPolicy& hosts, net::Connection& connection) {
  const std::time_t now = std::time(nullptr);
  Response response = answer(request, files, hosts, now);
  if (response.file.fd) {
    const std::size_t head = response.bytes.size();
    const std::uint64_t size = response.file.size;
    std::uint8_t* out = connection.prepare_write(head + size);
    if (!out) {
      response = error_response(503, "server memory limit", false, false, now);
    } else {
      std::memcpy(out, response.bytes.data(), head);
      if (read_whole(response.file.fd.get(), out + head, size)) {
        connection.commit_write(head + size);
        return response.keep_alive;
      }
      response = error_response(500, "the file could not be read", false, false, now);
    }
  }
  connection.write(as_bytes(response.bytes));
  return response.keep_alive;
}

}  // namespace ws
