// Request-head parsing: find the end of the head (resuming from the hint),
// then validate and split the complete head in one pass.
#include "ws/http_request.hpp"

#include <climits>
#include <cstring>

namespace ws {
namespace {

// tchar (RFC 9110 5.6.2): the characters of methods and header names.
constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) table[c] = true;
  return table;
}
constexpr std::array<bool, 256> tchar_table = make_tchar_table();

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!tchar_table[c]) return false;
  return true;
}

// The request-target is a URI form (RFC 9112 3.2): visible ASCII only, so
// SP, every CTL (including a bare CR) and non-ASCII bytes are rejected.
bool is_target(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

bool is_scheme_char(char c, bool first) noexcept {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return alpha || (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
}

// Where the authority of an absolute-form target starts, just past
// "scheme://" (RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" /
// "." ), any scheme), or 0 for any other form: an origin-form target starts
// with '/', which no scheme does.
std::size_t authority_offset(std::string_view target) noexcept {
  std::size_t i = 0;
  while (i < target.size() && is_scheme_char(target[i], i == 0)) ++i;
  if (i == 0 || !target.substr(i).starts_with("://")) return 0;
  return i + 3;
}

struct TargetParts {
  std::string_view authority;  // empty unless absolute-form
  std::string_view path;       // without the query
};

TargetParts split_target(std::string_view target) noexcept {
  const std::string_view no_query = target.substr(0, target.find('?'));
  const std::size_t start = authority_offset(no_query);
  if (start == 0) return {{}, no_query};
  const std::string_view rest = no_query.substr(start);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {rest, "/"};  // RFC 9112 3.2.1: empty path is "/"
  return {rest.substr(0, slash), rest.substr(slash)};
}

// An absolute-form target must name a host (RFC 9110 4.2.1: an http URI with
// an empty host is invalid) and carry no userinfo (RFC 9110 4.2.4: to be
// treated as an error, it is a phishing device). Other forms pass here.
bool has_valid_authority(std::string_view target) noexcept {
  if (authority_offset(target) == 0) return true;
  const std::string_view authority = split_target(target).authority;
  return !authority.empty() && authority.front() != ':' &&
         authority.find('@') == std::string_view::npos;
}

// field-value (RFC 9110 5.5): VCHAR, obs-text, SP and HTAB. Every other CTL
// is refused; for NUL, CR and LF the RFC requires it, and the rest are
// "invalid" too, so keeping them would only forward trouble.
bool is_field_value(std::string_view s) noexcept {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// Whether the line that the LF at `lf` ends is empty: "\r\n", or a bare "\n"
// (to be rejected by the parser). Looks back at most two bytes.
bool ends_empty_line(const char* data, std::size_t lf) noexcept {
  if (lf == 0 || data[lf - 1] == '\n') return true;
  return data[lf - 1] == '\r' && (lf == 1 || data[lf - 2] == '\n');
}

// Whether the LF at `lf` ends the head: it ends an empty line that follows a
// line that is not empty. CRLF empty lines with no line before them, or only
// empty ones, come before the request line, and are skipped (RFC 9112 2.2).
// A bare-LF empty line ends the head wherever it is, so that the parser
// refuses it at once rather than waiting for the size limit.
bool ends_head(const char* data, std::size_t lf) noexcept {
  if (!ends_empty_line(data, lf)) return false;
  if (lf == 0 || data[lf - 1] != '\r') return true;  // bare LF
  const std::size_t line_start = lf - 1;             // at its CR
  return line_start > 0 && !ends_empty_line(data, line_start - 1);
}

// Offset just past the head's last LF, or 0 if the head has not ended.
// The head ends at an empty line after the request line: LF CR LF, or LF LF
// (a bare-LF client, to be rejected by the parser). Whether an LF ends the
// head depends only on the few bytes before it, so LFs below `scanned` never
// need a second look, and a run of empty lines before the request line is
// scanned once however it arrives.
std::size_t find_head_end(std::string_view buffer, std::size_t& scanned) noexcept {
  const char* data = buffer.data();
  std::size_t i = scanned < buffer.size() ? scanned : buffer.size();
  while (i < buffer.size()) {
    const void* lf = std::memchr(data + i, '\n', buffer.size() - i);
    if (lf == nullptr) break;
    i = static_cast<std::size_t>(static_cast<const char*>(lf) - data);
    if (ends_head(data, i)) return i + 1;
    ++i;
  }
  scanned = buffer.size();
  return 0;
}

// Splits off the next line, which must end in CRLF (a bare LF is refused,
// see the header). Returns false if the line is not CRLF-terminated.
bool next_line(std::string_view& rest, std::string_view& line) noexcept {
  std::size_t lf = rest.find('\n');
  if (lf == std::string_view::npos || lf == 0 || rest[lf - 1] != '\r') return false;
  line = rest.substr(0, lf - 1);
  rest.remove_prefix(lf + 1);
  return true;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 3).
// Exactly one SP between elements: RFC 9112 3 allows lenient splitting on
// whitespace runs, but nobody legitimate needs it.
bool parse_request_line(std::string_view line, HttpRequest& out) noexcept {
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  out.method = line.substr(0, sp1);
  std::string_view rest = line.substr(sp1 + 1);
  std::size_t sp2 = rest.find(' ');
  if (sp2 == std::string_view::npos) return false;
  out.target = rest.substr(0, sp2);
  std::string_view version = rest.substr(sp2 + 1);
  if (!is_token(out.method) || !is_target(out.target) || !has_valid_authority(out.target))
    return false;
  // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); we speak 1.x only.
  constexpr std::string_view prefix = "HTTP/1.";
  if (version.size() != prefix.size() + 1 || !version.starts_with(prefix)) return false;
  char minor = version.back();
  if (minor < '0' || minor > '9') return false;
  out.version_minor = minor - '0';
  return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 5). A name that
// is not a token covers two MUST-rejects at once: whitespace before the colon
// (RFC 9112 5.1) and obs-fold, a line starting with SP/HTAB (RFC 9112 5.2).
bool parse_header_line(std::string_view line, HttpHeader& out) noexcept {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  out.name = line.substr(0, colon);
  out.value = trim_ows(line.substr(colon + 1));
  return is_token(out.name) && is_field_value(out.value);
}

// Parses a complete head: empty lines, request line, header lines, empty
// line. The empty lines (CRLF) before the request line are skipped, as RFC
// 9112 2.2 says a server SHOULD (a client may end an earlier body with a
// stray CRLF); find_head_end did not take them for the end, and the caller's
// head size limit bounds how many may come.
// Returns 0 on success, else the parse_http_request error (-1 or -2).
int parse_head(std::string_view head, HttpRequest& out) noexcept {
  while (head.starts_with("\r\n")) head.remove_prefix(2);
  std::string_view line;
  if (!next_line(head, line) || !parse_request_line(line, out)) return -1;
  while (next_line(head, line)) {
    if (line.empty()) return head.empty() ? 0 : -1;
    if (out.header_count == max_request_headers) return -2;
    if (!parse_header_line(line, out.headers[out.header_count])) return -1;
    ++out.header_count;
  }
  return -1;  // a line ended in a bare LF
}

}  // namespace

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view HttpRequest::header(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < header_count; ++i)
    if (ascii_iequals(headers[i].name, name)) return headers[i].value;
  return {};
}

std::size_t HttpRequest::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < header_count; ++i)
    if (ascii_iequals(headers[i].name, name)) ++n;
  return n;
}

bool HttpRequest::has_token(std::string_view name, std::string_view token) const noexcept {
  return any_element(name, [token](std::string_view e) { return ascii_iequals(e, token); });
}

bool HttpRequest::has_body() const noexcept {
  if (count("Transfer-Encoding") != 0) return true;
  const std::size_t lengths = count("Content-Length");
  return lengths > 1 || (lengths == 1 && header("Content-Length") != "0");
}

std::string_view HttpRequest::path() const noexcept { return split_target(target).path; }

std::string_view HttpRequest::authority() const noexcept {
  const std::string_view from_target = split_target(target).authority;
  return from_target.empty() ? header("Host") : from_target;
}

int parse_http_request(std::string_view buffer, HttpRequest& out, std::size_t& scanned) noexcept {
  std::size_t end = find_head_end(buffer, scanned);
  if (end == 0) return 0;
  if (end > static_cast<std::size_t>(INT_MAX)) return -1;  // unreportable length
  out.method = out.target = {};
  out.version_minor = -1;
  out.header_count = 0;
  if (const int error = parse_head(buffer.substr(0, end), out); error != 0) return error;
  return static_cast<int>(end);
}

}  // namespace ws
