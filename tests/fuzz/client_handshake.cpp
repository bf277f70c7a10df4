// Fuzz harness: the client's judgement of the server's upgrade response
// (ws::check_upgrade_response, ws/client_handshake.hpp; RFC 6455 4.1, "the
// client MUST validate the server's response"), on arbitrary bytes, with
// and without offered subprotocols.
//
// Checks, with rules written here from the RFC and the header's contract
// (nothing shared with ws/ but compute_accept_key's SHA-1, whose own unit
// test pins it to the RFC's example):
// - result is 0 (need more) exactly while no CRLF CRLF has come and the
//   bytes fit in max_response_head; else -1 with a reason, or the length
//   of the head up to its first CRLF CRLF (never past max_response_head);
// - every view (status_line, subprotocol, location) is empty or inside the
//   input; status_line holds no CRLF; a parsed status is the status line's
//   three digits after "HTTP/1.1 "; a location comes only with a redirect;
// - accepted only when necessary: status 101, exactly one
//   Sec-WebSocket-Accept equal to base64(SHA-1(key + GUID)), an Upgrade of
//   websocket, a Connection with the token upgrade, no
//   Sec-WebSocket-Extensions, and no Sec-WebSocket-Protocol unless one was
//   offered, then exactly one, among those offered, reported as subprotocol;
// - and accepted when sufficient: a head of strictly well-formed lines
//   (RFC 9112 status line, token names, field values of VCHAR/SP/HTAB/
//   obs-text) with exactly one of each required header, valid as above,
//   must not be refused;
// - a prefix cut where the input says is judged "need more" until it holds
//   the head's end (or is too large), and then exactly as the whole;
// - no sanitizer report (the input is in a block of its exact size).
//
// Input:
//   byte 0     bit 0: offer the subprotocols "chat" and "superchat"
//   bytes 1-2  the cut, little-endian, modulo the size + 1
//   the rest   the response bytes, for the request whose key is the RFC's
//              example "dGhlIHNhbXBsZSBub25jZQ==" (its accept,
//              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", is in the dictionary)
#include "ws/client_handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "ws/upgrade.hpp"

namespace {

using namespace std::string_view_literals;

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
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
std::string_view trim(std::string_view s) {  // OWS, RFC 9110 5.6.3
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// RFC 9110 5.5 field-content: VCHAR, SP, HTAB, obs-text; no other control.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 ? c != '\t' : u == 0x7F) return false;
  }
  return true;
}
bool list_has_token(std::string_view list, std::string_view token) {
  while (true) {
    const std::size_t comma = list.find(',');
    if (same_name(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

std::string where(std::string_view bytes) {
  return " in " +
         fuzz::hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, 300);
}

struct Line {
  std::string_view name, value;  // value OWS-trimmed
  bool well_formed = false;      // token ":" field-value
};

// The head's header lines (between the status line and the blank line).
std::vector<Line> header_lines(std::string_view head) {
  std::vector<Line> lines;
  std::size_t at = head.find("\r\n") + 2;
  while (at < head.size()) {
    const std::size_t eol = head.find("\r\n", at);
    if (eol == at) break;  // the blank line
    const std::string_view text = head.substr(at, eol - at);
    const std::size_t colon = text.find(':');
    Line line;
    if (colon != std::string_view::npos) {
      line.name = text.substr(0, colon);
      line.value = trim(text.substr(colon + 1));
      line.well_formed = is_token(line.name) && is_field_value(text.substr(colon + 1));
    }
    lines.push_back(line);
    at = eol + 2;
  }
  return lines;
}

std::size_t count(const std::vector<Line>& lines, std::string_view name) {
  std::size_t n = 0;
  for (const Line& l : lines) n += same_name(l.name, name);
  return n;
}
std::string_view first(const std::vector<Line>& lines, std::string_view name) {
  for (const Line& l : lines)
    if (same_name(l.name, name)) return l.value;
  return {};
}

bool offered(const std::vector<std::string>& protocols, std::string_view p) {
  for (const std::string& mine : protocols)
    if (mine == p) return true;
  return false;
}

// What must hold of any head the checker accepts.
void check_accepted(std::string_view head, const ws::HandshakeCheck& check,
                    const std::vector<std::string>& protocols, const std::string& accept) {
  const std::string_view status_line = head.substr(0, head.find("\r\n"));
  FUZZ_CHECK(check.status == 101 && status_line.starts_with("HTTP/1.1 101") &&
                 (status_line.size() == 12 || status_line[12] == ' '),
             "accepted a status line that is not 101" + where(head));
  const std::vector<Line> lines = header_lines(head);
  for (const Line& l : lines)
    FUZZ_CHECK(is_token(l.name), "accepted a header line without a token name" + where(head));
  FUZZ_CHECK(
      count(lines, "Sec-WebSocket-Accept") == 1 && first(lines, "Sec-WebSocket-Accept") == accept,
      "accepted without exactly one matching Sec-WebSocket-Accept" + where(head));
  bool upgrade = false, connection = false;
  for (const Line& l : lines) {
    upgrade = upgrade || (same_name(l.name, "Upgrade") && same_name(l.value, "websocket"));
    connection =
        connection || (same_name(l.name, "Connection") && list_has_token(l.value, "upgrade"));
  }
  FUZZ_CHECK(upgrade, "accepted without Upgrade: websocket" + where(head));
  FUZZ_CHECK(connection, "accepted without Connection: upgrade" + where(head));
  FUZZ_CHECK(count(lines, "Sec-WebSocket-Extensions") == 0,
             "accepted an extension never offered" + where(head));
  const std::size_t protocol_lines = count(lines, "Sec-WebSocket-Protocol");
  if (protocols.empty()) {
    FUZZ_CHECK(protocol_lines == 0 && check.subprotocol.empty(),
               "accepted a subprotocol when none was offered" + where(head));
  } else if (protocol_lines == 0) {
    FUZZ_CHECK(check.subprotocol.empty(), "reported a subprotocol not in the head" + where(head));
  } else {
    FUZZ_CHECK(protocol_lines == 1 && offered(protocols, first(lines, "Sec-WebSocket-Protocol")) &&
                   check.subprotocol == first(lines, "Sec-WebSocket-Protocol"),
               "accepted or reported a subprotocol never offered: \"" +
                   std::string(check.subprotocol) + "\"" + where(head));
  }
}

// A head every correct client accepts: strictly well-formed, nothing doubled.
bool plainly_valid(std::string_view head, const std::vector<std::string>& protocols,
                   const std::string& accept) {
  const std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (!status_line.starts_with("HTTP/1.1 101") ||
      (status_line.size() > 12 &&
       (status_line[12] != ' ' || !is_field_value(status_line.substr(13)))))
    return false;
  const std::vector<Line> lines = header_lines(head);
  for (const Line& l : lines)
    if (!l.well_formed) return false;
  if (count(lines, "Upgrade") != 1 || !same_name(first(lines, "Upgrade"), "websocket"))
    return false;
  if (count(lines, "Connection") != 1 || !list_has_token(first(lines, "Connection"), "upgrade"))
    return false;
  if (count(lines, "Sec-WebSocket-Accept") != 1 || first(lines, "Sec-WebSocket-Accept") != accept)
    return false;
  if (count(lines, "Sec-WebSocket-Extensions") != 0) return false;
  const std::size_t protocol_lines = count(lines, "Sec-WebSocket-Protocol");
  if (protocol_lines == 0) return true;
  return protocol_lines == 1 && offered(protocols, first(lines, "Sec-WebSocket-Protocol"));
}

bool inside(std::string_view view, std::string_view bytes) {
  return view.empty() ||
         (view.data() >= bytes.data() && view.data() + view.size() <= bytes.data() + bytes.size());
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void check_views(std::string_view bytes, const ws::HandshakeCheck& check) {
  FUZZ_CHECK(inside(check.status_line, bytes) && inside(check.subprotocol, bytes) &&
                 inside(check.location, bytes),
             "a view outside the input" + where(bytes));
  FUZZ_CHECK(check.status_line.find("\r\n") == std::string_view::npos,
             "status_line holds a CRLF" + where(bytes));
  if (check.status != 0) {
    // The three digits as a number (RFC 9112 4: status-code = 3DIGIT); one
    // below 100 ("050") is refused like any status but 101, so it is not
    // required to be refused as malformed.
    const std::string_view line = check.status_line;
    bool digits = line.size() >= 12 && line.starts_with("HTTP/1.1 ");
    int status = 0;
    for (std::size_t i = 9; digits && i < 12; ++i) {
      digits = line[i] >= '0' && line[i] <= '9';
      status = status * 10 + (line[i] - '0');
    }
    FUZZ_CHECK(digits && status == check.status, "status " + std::to_string(check.status) +
                                                     " is not the status line's" + where(bytes));
  }
  if (!check.location.empty())
    FUZZ_CHECK(is_redirect(check.status), "a location without a redirect" + where(bytes));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string accept = ws::compute_accept_key(kKey);
  fuzz::InputReader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint16_t cut_seed = in.u16();
  fuzz::ExactCopy block(in.rest());
  const std::string_view bytes(reinterpret_cast<const char*>(block.data()), block.size());
  std::vector<std::string> protocols;
  if (flags & 1) protocols = {"chat", "superchat"};

  const ws::HandshakeCheck check = ws::check_upgrade_response(bytes, kKey, protocols);
  const std::size_t end = bytes.find("\r\n\r\n");
  check_views(bytes, check);
  if (end == std::string_view::npos && bytes.size() <= ws::max_response_head) {
    FUZZ_CHECK(check.result == 0,
               "a verdict before the head ended: " + std::to_string(check.result) + where(bytes));
    return 0;
  }
  FUZZ_CHECK(check.result != 0, "need more after the head ended or grew too large" + where(bytes));
  if (check.result < 0) {
    FUZZ_CHECK(check.result == -1 && !check.reason.empty(),
               "refused without a reason" + where(bytes));
  } else {
    FUZZ_CHECK(end != std::string_view::npos && static_cast<std::size_t>(check.result) == end + 4 &&
                   end + 4 <= ws::max_response_head,
               "accepted a head of " + std::to_string(check.result) + " bytes" + where(bytes));
    FUZZ_CHECK(check.reason.empty(), "accepted with a reason" + where(bytes));
    check_accepted(bytes.substr(0, end + 4), check, protocols, accept);
  }
  if (end != std::string_view::npos && end + 4 <= ws::max_response_head &&
      plainly_valid(bytes.substr(0, end + 4), protocols, accept))
    FUZZ_CHECK(check.result > 0,
               "refused a valid 101 (" + std::string(check.reason) + ")" + where(bytes));

  // Judged again on a prefix, as a client does while the bytes arrive.
  const std::size_t cut = cut_seed % (bytes.size() + 1);
  const std::string_view prefix = bytes.substr(0, cut);
  const ws::HandshakeCheck early = ws::check_upgrade_response(prefix, kKey, protocols);
  check_views(bytes, early);
  const bool prefix_decides =
      prefix.find("\r\n\r\n") != std::string_view::npos || prefix.size() > ws::max_response_head;
  if (!prefix_decides) {
    FUZZ_CHECK(early.result == 0,
               "cut at " + std::to_string(cut) + ": a verdict too early" + where(bytes));
  } else {
    FUZZ_CHECK(early.result == check.result && early.reason == check.reason &&
                   early.status == check.status,
               "cut at " + std::to_string(cut) + ": " + std::to_string(early.result) + " \"" +
                   std::string(early.reason) + "\", whole: " + std::to_string(check.result) +
                   " \"" + std::string(check.reason) + "\"" + where(bytes));
  }
  return 0;
}
