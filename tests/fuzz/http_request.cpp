// Fuzz harness: the request-head parser (ws/http_request.hpp, RFC 9112) and
// the opening handshake on what it parses (ws/upgrade.hpp, RFC 6455 4.2).
//
// Checks, on the input taken as a request head:
// - parse_http_request returns 0 exactly while the head has not ended (its
//   first empty line after the CRLF empty lines that may come before the
//   request line, RFC 9112 2.2: CRLF, or a bare LF, to be refused), then -1,
//   -2 or the length up to that end; every non-empty view lies inside the
//   head; the method is a token, the target has no whitespace,
//   header names are tokens, values hold no CR, LF or NUL and no OWS at
//   either end (RFC 9110 5.5); header() finds the first header of a name in
//   any case, path() of an origin-form target is the target before '?';
// - parsing the buffer in two steps, cut where the input says, with the
//   `scanned` hint carried from the first call to the second, gives the same
//   result and the same views as parsing it whole (and a first step that
//   already has a verdict has the whole's verdict);
// - on a parsed head, check_upgrade_request answers 0, 400, 403 or 426 with
//   a one-line reason; an accepted (or only Origin-refused) request is a GET
//   of HTTP/1.1 or later with one non-empty Host, one Sec-WebSocket-Key of
//   base64 of 16 bytes and one Sec-WebSocket-Version of 13; the 101 is
//   well-formed lines of CRLF carrying compute_accept_key(key) and the
//   chosen subprotocol (one the server offered) or none; an error response
//   carries its status, the reason as its body and the right Content-Length.
//
// Input:
//   bytes 0-1  the cut, little-endian, modulo the head size + 1
//   byte 2     bit 0: the server offers subprotocols "chat" and "superchat";
//              bit 1: extra response headers; bit 2: an Origin policy that
//              allows only http://example.com
//   the rest   the request head
#include "ws/http_request.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_support.hpp"
#include "ws/upgrade.hpp"

namespace {

using namespace std::string_view_literals;

bool is_tchar(char c) {  // RFC 9110 5.6.2
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         "!#$%&'*+-.^_`|~"sv.find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}
bool has_any_of(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Where the head ends, from the rule stated line by line: the empty lines
// that are CRLF before the request line are skipped (RFC 9112 2.2); after
// them, the first empty line ("" before its LF: a bare LF, to be refused;
// or "\r") ends the head. 0: it has not ended.
std::size_t end_of_head(std::string_view buffer) {
  std::size_t line_start = 0;
  while (buffer.substr(line_start, 2) == "\r\n") line_start += 2;
  for (std::size_t lf = buffer.find('\n', line_start); lf != std::string_view::npos;
       lf = buffer.find('\n', line_start)) {
    const std::string_view line = buffer.substr(line_start, lf - line_start);
    if (line.empty() || line == "\r") return lf + 1;
    line_start = lf + 1;
  }
  return 0;
}

// For failure messages: the bytes, as hex.
std::string where(std::string_view bytes) {
  return " in " +
         fuzz::hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, 200);
}

bool same_view(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || a.data() == b.data());
}
bool same_request(const ws::HttpRequest& a, const ws::HttpRequest& b) {
  if (!same_view(a.method, b.method) || !same_view(a.target, b.target) ||
      a.version_minor != b.version_minor || a.header_count != b.header_count)
    return false;
  for (std::size_t i = 0; i < a.header_count; ++i)
    if (!same_view(a.headers[i].name, b.headers[i].name) ||
        !same_view(a.headers[i].value, b.headers[i].value))
      return false;
  return true;
}

void check_parsed(std::string_view head, const ws::HttpRequest& r) {
  auto inside = [&](std::string_view v) {
    return v.empty() ||
           (v.data() >= head.data() && v.data() + v.size() <= head.data() + head.size());
  };
  FUZZ_CHECK(is_token(r.method) && inside(r.method), "method" + where(head));
  FUZZ_CHECK(!r.target.empty() && inside(r.target) && !has_any_of(r.target, " \t\r\n"sv),
             "target" + where(head));
  FUZZ_CHECK(r.version_minor >= 0 && r.version_minor <= 9, "version" + where(head));
  FUZZ_CHECK(r.header_count <= ws::max_request_headers, "header_count" + where(head));
  if (r.target.starts_with('/'))  // origin-form (RFC 9112 3.2.1)
    FUZZ_CHECK(r.path() == r.target.substr(0, r.target.find('?')), "path()" + where(head));
  for (std::size_t i = 0; i < r.header_count; ++i) {
    const ws::HttpHeader& h = r.headers[i];
    FUZZ_CHECK(is_token(h.name) && inside(h.name),
               "header name " + std::to_string(i) + where(head));
    FUZZ_CHECK(inside(h.value) && !has_any_of(h.value, "\r\n\0"sv) &&
                   (h.value.empty() || (h.value.front() != ' ' && h.value.front() != '\t' &&
                                        h.value.back() != ' ' && h.value.back() != '\t')),
               "header value " + std::to_string(i) + where(head));
    std::size_t first = 0;
    while (!same_name(r.headers[first].name, h.name)) ++first;
    FUZZ_CHECK(same_view(r.header(h.name), r.headers[first].value) &&
                   ws::ascii_iequals(h.name, r.headers[first].name),
               "header(" + std::string(h.name) + ")" + where(head));
  }
}

std::size_t count_headers(const ws::HttpRequest& r, std::string_view name) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < r.header_count; ++i) n += same_name(r.headers[i].name, name);
  return n;
}

bool is_base64_of_16_bytes(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22))
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/'))
      return false;
  return true;
}

// Every line ends in CRLF and holds no other CR or LF; the last one is empty.
bool well_formed_lines(std::string_view s) {
  if (!s.ends_with("\r\n\r\n")) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

void check_upgrade(const ws::HttpRequest& r, const ws::UpgradeOptions& options,
                   std::string_view head) {
  const ws::UpgradeRejection rejection = ws::check_upgrade_request(r, options);
  const int status = rejection.status;
  FUZZ_CHECK(status == 0 || status == 400 || status == 403 || status == 426,
             "status " + std::to_string(status) + where(head));
  if (status == 0 || status == 403) {
    FUZZ_CHECK(r.method == "GET" && r.version_minor >= 1,
               "accepted a non-GET or HTTP/1.0" + where(head));
    FUZZ_CHECK(count_headers(r, "Host") == 1 && !r.header("Host").empty(), "Host" + where(head));
    FUZZ_CHECK(count_headers(r, "Sec-WebSocket-Key") == 1 &&
                   is_base64_of_16_bytes(r.header("Sec-WebSocket-Key")),
               "Sec-WebSocket-Key" + where(head));
    FUZZ_CHECK(
        count_headers(r, "Sec-WebSocket-Version") == 1 && r.header("Sec-WebSocket-Version") == "13",
        "Sec-WebSocket-Version" + where(head));
    FUZZ_CHECK(count_headers(r, "Upgrade") > 0 && count_headers(r, "Connection") > 0,
               "Upgrade/Connection" + where(head));
  }
  if (status != 0) {
    FUZZ_CHECK(!rejection.reason.empty() && !has_any_of(rejection.reason, "\r\n"sv),
               "reason" + where(head));
    std::string response;
    ws::append_error_response(response, status, rejection.reason);
    const std::string body = std::string(rejection.reason) + "\n";
    FUZZ_CHECK(response.starts_with("HTTP/1.1 " + std::to_string(status) + " ") &&
                   response.ends_with("\r\n\r\n" + body) &&
                   response.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") !=
                       std::string::npos &&
                   well_formed_lines(response.substr(0, response.size() - body.size())),
               "error response: " + response);
    return;
  }
  std::string response;
  ws::append_upgrade_response(response, r, options);
  const std::string accept = ws::compute_accept_key(r.header("Sec-WebSocket-Key"));
  FUZZ_CHECK(accept.size() == 28, "accept key " + accept);
  FUZZ_CHECK(response.starts_with("HTTP/1.1 101 ") && well_formed_lines(response) &&
                 response.find("\r\nSec-WebSocket-Accept: " + accept + "\r\n") != std::string::npos,
             "101: " + response);
  const std::string_view protocol = ws::select_subprotocol(r, options);
  bool offered = protocol.empty();
  for (const std::string& p : options.subprotocols) offered = offered || p == protocol;
  FUZZ_CHECK(offered, "picked a subprotocol the server does not speak: " + std::string(protocol));
  const bool sent = response.find("\r\nSec-WebSocket-Protocol: ") != std::string::npos;
  FUZZ_CHECK(protocol.empty()
                 ? !sent
                 : response.find("\r\nSec-WebSocket-Protocol: " + std::string(protocol) + "\r\n") !=
                       std::string::npos,
             "101 and select_subprotocol disagree: " + response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  const std::uint16_t cut_seed = in.u16();
  const std::uint8_t flags = in.byte();
  const std::span<const std::uint8_t> rest = in.rest();
  // An exact-size block: a read past the head is an AddressSanitizer report.
  fuzz::ExactCopy block(rest);
  const std::string_view buffer(reinterpret_cast<const char*>(block.data()), block.size());

  ws::HttpRequest whole;
  std::size_t scanned = 0;
  const int result = ws::parse_http_request(buffer, whole, scanned);
  // Need more exactly while the head has not ended; then malformed, or a
  // head of exactly that length.
  const std::size_t end = end_of_head(buffer);
  FUZZ_CHECK(end == 0 ? result == 0 : result < 0 || static_cast<std::size_t>(result) == end,
             "parse returned " + std::to_string(result) + ", the head ends at " +
                 std::to_string(end) + where(buffer));
  if (result == 0) FUZZ_CHECK(scanned <= buffer.size(), "scanned past the buffer" + where(buffer));

  // In two steps, with the hint carried over.
  const std::size_t cut = cut_seed % (buffer.size() + 1);
  ws::HttpRequest split;
  std::size_t split_scanned = 0;
  int first = ws::parse_http_request(buffer.substr(0, cut), split, split_scanned);
  if (first == 0) {
    FUZZ_CHECK(split_scanned <= cut, "scanned past the first piece" + where(buffer));
    first = ws::parse_http_request(buffer, split, split_scanned);
  }
  FUZZ_CHECK(first == result, "cut at " + std::to_string(cut) + ": " + std::to_string(first) +
                                  ", whole: " + std::to_string(result) + where(buffer));
  if (result <= 0) return 0;
  FUZZ_CHECK(same_request(split, whole),
             "cut at " + std::to_string(cut) + ": other views" + where(buffer));

  const std::string_view head = buffer.substr(0, static_cast<std::size_t>(result));
  check_parsed(head, whole);

  ws::UpgradeOptions options;
  if (flags & 1) options.subprotocols = {"chat", "superchat"};
  if (flags & 2) options.response_headers = {{"Server", "wsserver"}, {"X-Trace", "42"}};
  if (flags & 4)
    options.check_origin = [](std::string_view origin, const ws::HttpRequest&) {
      return origin == "http://example.com";
    };
  check_upgrade(whole, options, head);
  return 0;
}
