// tests/client_conformance/crafted_server.cpp: see crafted_server.hpp.
#include "tests/client_conformance/crafted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "tests/support/frame_codec.hpp"

namespace wstest {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Decodes standard base64 with padding; nullopt if it is not canonical
// base64 (4.1 item 7 wants exactly "a randomly selected 16-byte value that
// has been base64-encoded").
std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t group = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      std::uint32_t value = 0;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
      } else {
        const std::size_t at = alphabet.find(c);
        if (at == std::string_view::npos || pad > 0) return std::nullopt;
        value = static_cast<std::uint32_t>(at);
      }
      group = group << 6 | value;
    }
    out.push_back(static_cast<char>(group >> 16));
    if (pad < 2) out.push_back(static_cast<char>(group >> 8 & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(group & 0xFF));
    // Canonical: the bits the padding leaves over are zero.
    if ((pad == 2 && (group & 0xFFFF) != 0) || (pad == 1 && (group & 0xFF) != 0))
      return std::nullopt;
  }
  return out;
}

// A client frame header and payload from the front of `input`: the frame,
// or nullopt while incomplete. Lengths are taken as sent (a client that
// sent a 64-bit length with the top bit set would simply never complete).
std::optional<ClientFrame> decode_client_frame(std::string_view input, std::size_t& consumed) {
  if (input.size() < 2) return std::nullopt;
  const auto b0 = static_cast<std::uint8_t>(input[0]);
  const auto b1 = static_cast<std::uint8_t>(input[1]);
  ClientFrame frame;
  frame.fin = (b0 & 0x80) != 0;
  frame.rsv = (b0 >> 4) & 7;
  frame.opcode = b0 & 0x0F;
  frame.masked = (b1 & 0x80) != 0;
  std::uint64_t length = b1 & 0x7F;
  std::size_t pos = 2;
  if (length == 126 || length == 127) {
    const std::size_t bytes = length == 126 ? 2 : 8;
    if (input.size() < pos + bytes) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < bytes; ++i)
      length = length << 8 | static_cast<std::uint8_t>(input[pos + i]);
    pos += bytes;
  }
  if (frame.masked) {
    if (input.size() < pos + 4) return std::nullopt;
    for (std::size_t i = 0; i < 4; ++i) frame.key[i] = static_cast<std::uint8_t>(input[pos + i]);
    pos += 4;
  }
  if (input.size() - pos < length) return std::nullopt;
  frame.payload.assign(input.substr(pos, static_cast<std::size_t>(length)));
  if (frame.masked) apply_mask(frame.payload, frame.key);
  consumed = pos + static_cast<std::size_t>(length);
  return frame;
}

}  // namespace

std::string SeenRequest::get(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

std::size_t SeenRequest::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& header : headers) n += iequals(header.first, name);
  return n;
}

::testing::AssertionResult check_client_request(const SeenRequest& r, std::string_view host) {
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure() << what << " in the request:\n" << r.raw;
  };
  if (r.method != "GET") return fail("4.1 item 2: method is not GET");
  if (r.version != "HTTP/1.1") return fail("4.1 item 2: version is not HTTP/1.1");
  if (r.target.empty() || r.target[0] != '/') return fail("4.1 item 3: target is not a path");
  if (r.count("Host") != 1 || r.get("Host") != host)
    return fail("4.1 item 4: Host is not \"" + std::string(host) + "\" (once)");
  if (!iequals(r.get("Upgrade"), "websocket")) return fail("4.1 item 5: Upgrade: websocket");
  if (!header_has_token(r.get("Connection"), "Upgrade"))
    return fail("4.1 item 6: Connection lacks Upgrade");
  const std::string key = r.get("Sec-WebSocket-Key");
  const std::optional<std::string> raw = base64_decode(key);
  if (r.count("Sec-WebSocket-Key") != 1 || !raw || raw->size() != 16)
    return fail("4.1 item 7: Sec-WebSocket-Key is not base64 of 16 bytes");
  if (r.count("Sec-WebSocket-Version") != 1 || r.get("Sec-WebSocket-Version") != "13")
    return fail("4.1 item 9: Sec-WebSocket-Version is not 13");
  if (r.count("Sec-WebSocket-Extensions") != 0)
    return fail("the client offers no extension, yet sent Sec-WebSocket-Extensions");
  return ::testing::AssertionSuccess();
}

std::string response_101(std::string_view key, std::string_view extra) {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         websocket_accept(key) + "\r\n" + std::string(extra) + "\r\n";
}

std::string server_frame(std::uint8_t opcode, std::string_view payload, bool fin,
                         std::uint8_t rsv) {
  FrameSpec spec;
  spec.fin = fin;
  spec.rsv = rsv;
  spec.opcode = opcode;
  spec.payload = std::string(payload);
  spec.masked = false;
  return encode_frame(spec);
}

// ---- PeerConnection --------------------------------------------------------

PeerConnection::PeerConnection(net::UniqueFd fd) : fd_(std::move(fd)) {
  const int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

PeerConnection::Fill PeerConnection::fill(std::chrono::milliseconds timeout) {
  pollfd p{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) return Fill::timeout;
  if (ready < 0) return Fill::error;
  char buffer[64 * 1024];
  const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
  if (n == 0) return Fill::eof;
  if (n < 0) return errno == ECONNRESET ? Fill::eof : Fill::error;
  rx_.append(buffer, static_cast<std::size_t>(n));
  return Fill::data;
}

::testing::AssertionResult PeerConnection::read_request(SeenRequest& out,
                                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = rx_.find("\r\n\r\n")) == std::string::npos) {
    if (rx_.size() > 64 * 1024) return ::testing::AssertionFailure() << "request head too large";
    const Fill f = fill(std::chrono::milliseconds(remaining_ms(deadline)));
    if (f != Fill::data)
      return ::testing::AssertionFailure()
             << "no whole request head (" << rx_.size() << " bytes: " << hex_preview(rx_) << ")";
  }
  out = SeenRequest{};
  out.raw = rx_.substr(0, end + 4);
  rx_.erase(0, end + 4);
  std::string_view head(out.raw);
  std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1)
    return ::testing::AssertionFailure() << "malformed request line: " << line;
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.version = line.substr(sp2 + 1);
  head.remove_prefix(eol + 2);
  while ((eol = head.find("\r\n")) != 0) {
    const std::string_view header = head.substr(0, eol);
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return ::testing::AssertionFailure() << "malformed header line: " << header;
    out.headers.emplace_back(std::string(header.substr(0, colon)), trim(header.substr(colon + 1)));
    head.remove_prefix(eol + 2);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PeerConnection::send_raw(std::string_view bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ::testing::AssertionFailure()
             << "send: " << std::strerror(errno) << " after " << sent << " of " << bytes.size();
    }
    sent += static_cast<std::size_t>(n);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PeerConnection::send_split(std::string_view bytes, std::size_t cut,
                                                      std::chrono::microseconds pause) {
  if (auto first = send_raw(bytes.substr(0, cut)); !first) return first;
  std::this_thread::sleep_for(pause);
  return send_raw(bytes.substr(cut));
}

void PeerConnection::shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

::testing::AssertionResult PeerConnection::read_frame(ClientFrame& out,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t consumed = 0;
    if (std::optional<ClientFrame> frame = decode_client_frame(rx_, consumed)) {
      rx_.erase(0, consumed);
      out = std::move(*frame);
      if (!out.masked)
        return ::testing::AssertionFailure()
               << "5.3: the client sent an unmasked frame (opcode " << int(out.opcode) << ")";
      return ::testing::AssertionSuccess();
    }
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::data:
        continue;
      case Fill::timeout:
        return ::testing::AssertionFailure()
               << "no frame from the client within " << timeout.count() << " ms (" << rx_.size()
               << " bytes pending: " << hex_preview(rx_) << ")";
      case Fill::eof:
        return ::testing::AssertionFailure() << "the client ended TCP (" << rx_.size()
                                             << " bytes pending: " << hex_preview(rx_) << ")";
      case Fill::error:
        return ::testing::AssertionFailure() << "recv/poll: " << std::strerror(errno);
    }
  }
}

::testing::AssertionResult PeerConnection::expect_close(std::uint16_t code,
                                                        std::optional<std::string_view> reason) {
  ClientFrame frame;
  do {
    if (auto got = read_frame(frame); !got) return got << " (expected close " << code << ")";
  } while (frame.opcode == kPong);
  if (frame.opcode != kClose || !frame.fin || frame.rsv != 0)
    return ::testing::AssertionFailure()
           << "expected close " << code << ", got opcode " << int(frame.opcode) << " payload "
           << hex_preview(frame.payload);
  if (frame.payload.size() < 2)
    return ::testing::AssertionFailure() << "expected close " << code << ", got a close with "
                                         << frame.payload.size() << " payload bytes";
  const auto got = static_cast<std::uint16_t>(static_cast<std::uint8_t>(frame.payload[0]) << 8 |
                                              static_cast<std::uint8_t>(frame.payload[1]));
  if (got != code)
    return ::testing::AssertionFailure() << "expected close " << code << ", got close " << got;
  if (reason && frame.payload.substr(2) != *reason)
    return ::testing::AssertionFailure()
           << "close " << code << " with reason \"" << frame.payload.substr(2) << "\", expected \""
           << *reason << "\"";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PeerConnection::expect_close_empty() {
  ClientFrame frame;
  do {
    if (auto got = read_frame(frame); !got) return got << " (expected an empty close)";
  } while (frame.opcode == kPong);
  if (frame.opcode != kClose || !frame.payload.empty())
    return ::testing::AssertionFailure()
           << "expected an empty close, got opcode " << int(frame.opcode) << " payload "
           << hex_preview(frame.payload);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PeerConnection::expect_nothing(std::chrono::milliseconds quiet) {
  if (!rx_.empty())
    return ::testing::AssertionFailure() << "unexpected bytes: " << hex_preview(rx_);
  switch (fill(quiet)) {
    case Fill::timeout:
      return ::testing::AssertionSuccess();
    case Fill::data:
      return ::testing::AssertionFailure() << "unexpected bytes: " << hex_preview(rx_);
    case Fill::eof:
      return ::testing::AssertionFailure() << "the client ended TCP";
    case Fill::error:
      break;
  }
  return ::testing::AssertionFailure() << "recv/poll: " << std::strerror(errno);
}

::testing::AssertionResult PeerConnection::expect_tcp_end(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::eof:
        if (!rx_.empty())
          return ::testing::AssertionFailure()
                 << "bytes before the end of TCP: " << hex_preview(rx_);
        return ::testing::AssertionSuccess();
      case Fill::data:
        continue;
      case Fill::timeout:
        return ::testing::AssertionFailure()
               << "the client did not end TCP within " << timeout.count() << " ms";
      case Fill::error:
        return ::testing::AssertionFailure() << "recv/poll: " << std::strerror(errno);
    }
  }
}

// ---- CraftedServer ---------------------------------------------------------

CraftedServer::CraftedServer()
    : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // ephemeral: never a fixed port
  socklen_t size = sizeof address;
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_.get(), 16) != 0 ||
      ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    listener_.reset();
    return;
  }
  port_ = ntohs(address.sin_port);
}

std::string CraftedServer::host() const { return "127.0.0.1:" + std::to_string(port_); }

std::string CraftedServer::url(std::string_view path) const {
  return "ws://" + host() + std::string(path);
}

::testing::AssertionResult CraftedServer::accept(std::optional<PeerConnection>& out,
                                                 std::chrono::milliseconds timeout) {
  pollfd p{listener_.get(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
    return ::testing::AssertionFailure() << "no connection within " << timeout.count() << " ms";
  net::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) return ::testing::AssertionFailure() << "accept: " << std::strerror(errno);
  out.emplace(std::move(fd));
  return ::testing::AssertionSuccess();
}

}  // namespace wstest
