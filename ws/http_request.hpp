// HTTP/1.1 request-head parser with picohttpparser's contract: stateless,
// never allocates, every string_view points into the caller's buffer (so the
// buffer must outlive the HttpRequest and must not move).
//
// Line endings: CRLF only. RFC 9112 2.2 lets a recipient accept a bare LF, but
// every WebSocket client sends CRLF, and accepting mixed endings is a classic
// request-smuggling disagreement with proxies in front of us. A bare LF still
// ends the head (LF LF or LF CR LF, and a bare-LF empty line before the
// request line too), so such a request is rejected at once with -1 instead
// of stalling until the size limit. Only CRLF empty lines before the request
// line are skipped (RFC 9112 2.2).
//
// Thread safety: parse_http_request is reentrant; HttpRequest is a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ws {

struct HttpHeader {
  std::string_view name, value;  // value trimmed of OWS (RFC 9112 5.1)
};

constexpr std::size_t max_request_headers = 64;

struct HttpRequest {
  std::string_view method, target;  // as sent ("/echo?x=1", "http://h:1/echo?x=1")
  int version_minor = -1;           // HTTP/1.<minor>; only "HTTP/1.x" parses
  std::array<HttpHeader, max_request_headers> headers{};
  std::size_t header_count = 0;  // duplicates are kept, in order

  // First header with this name, compared case-insensitively; empty if absent.
  std::string_view header(std::string_view name) const noexcept;
  // What the server routes on: the target up to (not including) the first
  // '?'. Of the absolute-form "scheme://authority/path" (RFC 9112 3.2.2,
  // which a server must accept) only the path, "/" if it is empty (RFC 9112
  // 3.2.1); that "/" is a static string, not a view into the buffer.
  std::string_view path() const noexcept;
  // The host[:port] the request is for: the target's authority in the
  // absolute-form (RFC 9112 3.2.2: it replaces the Host header, which is
  // still required, RFC 9112 3.2), else the first Host header.
  std::string_view authority() const noexcept;

  // How many header fields are named `name` (case-insensitive).
  std::size_t count(std::string_view name) const noexcept;
  // Calls `match` on each element of the comma-separated lists in every
  // `name` header, until it returns true; says whether one did. A list may
  // be split over several header lines (RFC 9110 5.3), and empty elements
  // are skipped (RFC 9110 5.6.1).
  template <class Match>
  bool any_element(std::string_view name, Match match) const;
  // Whether a `name` header lists `token`, case-insensitively: "Connection:
  // keep-alive, Upgrade" lists "upgrade".
  bool has_token(std::string_view name, std::string_view token) const noexcept;
  // RFC 9112 6.3: whether the request announces a body: any
  // Transfer-Encoding, or a Content-Length other than one "0" (sent twice it
  // is a framing disagreement, RFC 9112 6.3 item 5). The server reads no
  // request body, so such a request is refused: its body would be misread
  // as what follows.
  bool has_body() const noexcept;
};

// ASCII case-insensitive equality: the comparison rule for header names
// (RFC 9110 5.1) and for the case-insensitive tokens of the handshake.
bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

// `s` without the optional whitespace (SP, HTAB) at either end (RFC 9110 5.6.3).
std::string_view trim_ows(std::string_view s) noexcept;

template <class Match>
bool HttpRequest::any_element(std::string_view name, Match match) const {
  for (std::size_t i = 0; i < header_count; ++i) {
    if (!ascii_iequals(headers[i].name, name)) continue;
    std::string_view list = headers[i].value;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view element = trim_ows(list.substr(0, comma));
      if (!element.empty() && match(element)) return true;
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
  }
  return false;
}

// Parses a request head at the start of `buffer`. Empty lines (CRLF) before
// the request line are skipped (RFC 9112 2.2); a buffer of nothing else
// needs more, so the caller's size limit bounds them.
// Returns: > 0  the head's length including the final CRLF CRLF and any
//               skipped empty lines: what the head consumed (complete);
//          0    need more bytes (the end of the head has not arrived);
//         -1    malformed (bad request line, an absolute-form target with
//               no host or with userinfo, bad header syntax, obs-fold,
//               bare CR or LF, or a head too long for an int);
//         -2    more than max_request_headers header fields (HTTP 431).
// Malformation is reported once the end of the head is present: the end is
// found first, then the head is parsed in one pass. The caller bounds the
// head size (431) so a client that never ends its head cannot stall us.
// `scanned` is the hint: bytes at the start of `buffer` already known not to
// hold the end of the head. Start at 0 and pass the same variable on every
// call for one growing buffer; it is updated when 0 is returned, so each byte
// is searched once. On > 0 or -1 `out` is filled as far as parsing got
// (complete only on > 0).
int parse_http_request(std::string_view buffer, HttpRequest& out, std::size_t& scanned) noexcept;

}  // namespace ws
