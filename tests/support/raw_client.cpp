// tests/support/raw_client.cpp: the raw-byte client: non-blocking socket, bounded waits;
// over TLS in TLS mode (tests/support/tls_client.hpp).
#include "tests/support/raw_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "tests/support/tls_client.hpp"
#include "tests/support/utf8.hpp"

namespace wstest {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using Clock = std::chrono::steady_clock;

std::string read_status_name(ReadStatus status) {
  switch (status) {
    case ReadStatus::kFrame:
      return "frame";
    case ReadStatus::kTimeout:
      return "timeout";
    case ReadStatus::kEof:
      return "connection closed (EOF)";
    case ReadStatus::kReset:
      return "connection reset";
    case ReadStatus::kError:
      return "socket error";
    case ReadStatus::kMalformed:
      return "malformed frame";
  }
  return "?";
}

namespace {

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

RawClient::RawClient() = default;

RawClient::~RawClient() { close(); }

RawClient::RawClient(RawClient&& other) noexcept { *this = std::move(other); }

RawClient& RawClient::operator=(RawClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
    tls_ = std::move(other.tls_);
    rx_ = std::move(other.rx_);
    rx_pos_ = other.rx_pos_;
    eof_ = other.eof_;
    reset_ = other.reset_;
    error_ = std::move(other.error_);
  }
  return *this;
}

void RawClient::close() {
  tls_.reset();  // no close_notify: as a plain client's close, only the TCP end
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawClient::reset() {
  if (fd_ < 0) return;
  const linger hard{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  close();
}

void RawClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

AssertionResult RawClient::connect(std::uint16_t port) {
  close();
  rx_.clear();
  rx_pos_ = 0;
  eof_ = reset_ = false;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return AssertionFailure() << "socket: " << std::strerror(errno);
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS)
      return AssertionFailure() << "connect to port " << port << ": " << std::strerror(errno);
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(kTimeout.count())) != 1) {
      return AssertionFailure() << "connect to port " << port << " timed out";
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      return AssertionFailure() << "connect to port " << port << ": " << std::strerror(err);
  }
  if (tls_mode()) {
    if (auto r = TlsStream::attach(fd_, tls_); !r) return r;
    if (auto r = tls_->handshake(Clock::now() + kTimeout); !r) return r << " (port " << port << ")";
  }
  return AssertionSuccess();
}

void RawClient::make_room() {
  if (rx_pos_ > (1u << 20) && rx_pos_ * 2 > rx_.size()) {
    rx_.erase(0, rx_pos_);
    rx_pos_ = 0;
  }
}

RawClient::Fill RawClient::fill(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Fill::kError;
  if (reset_) return Fill::kReset;
  if (eof_) return Fill::kEof;
  if (tls_) return fill_tls(timeout);
  pollfd p{fd_, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (n < 0 && errno == EINTR);
  if (n == 0) return Fill::kTimeout;
  if (n < 0) {
    error_ = std::string("poll: ") + std::strerror(errno);
    return Fill::kError;
  }
  make_room();
  const std::size_t old = rx_.size();
  rx_.resize(old + 256 * 1024);
  ssize_t got;
  do {
    got = ::recv(fd_, rx_.data() + old, 256 * 1024, 0);
  } while (got < 0 && errno == EINTR);
  rx_.resize(old + (got > 0 ? static_cast<std::size_t>(got) : 0));
  if (got > 0) return Fill::kData;
  if (got == 0) {
    eof_ = true;
    return Fill::kEof;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return Fill::kTimeout;  // spurious wake-up
  if (errno == ECONNRESET) {
    reset_ = true;
    return Fill::kReset;
  }
  error_ = std::string("recv: ") + std::strerror(errno);
  return Fill::kError;
}

// fill() over TLS: what the session holds first, then the socket.
RawClient::Fill RawClient::fill_tls(std::chrono::milliseconds timeout) {
  make_room();
  const std::size_t old = rx_.size();
  rx_.resize(old + 256 * 1024);
  std::size_t got = 0;
  const TlsStream::Io io =
      tls_->read_until(rx_.data() + old, 256 * 1024, got, Clock::now() + timeout);
  rx_.resize(old + (io == TlsStream::Io::kDone ? got : 0));
  switch (io) {
    case TlsStream::Io::kDone:
      return Fill::kData;
    case TlsStream::Io::kEof:
      eof_ = true;
      return Fill::kEof;
    case TlsStream::Io::kReset:
      reset_ = true;
      return Fill::kReset;
    case TlsStream::Io::kError:
      error_ = tls_->error();
      return Fill::kError;
    default:
      return Fill::kTimeout;
  }
}

void RawClient::consume(std::size_t n) {
  rx_pos_ += n;
  if (rx_pos_ == rx_.size()) {
    rx_.clear();
    rx_pos_ = 0;
  }
}

// The socket refused more: waits for `events` (POLLOUT: room), and keeps
// reading meanwhile so a server that answers while we write is never
// blocked by us. Fails once nothing has moved for 3 s.
AssertionResult RawClient::wait_to_send(short events, std::size_t sent, std::size_t total,
                                        Clock::time_point& last_progress) {
  pollfd p{fd_, static_cast<short>(events | (eof_ || reset_ ? 0 : POLLIN)), 0};
  const int left = static_cast<int>(
      3000 -
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_progress).count());
  if (left <= 0)
    return AssertionFailure() << "send stalled for 3 s after " << sent << " of " << total
                              << " bytes";
  if (poll(&p, 1, left) > 0 && (p.revents & POLLIN)) {
    if (fill(0ms) == Fill::kData) last_progress = Clock::now();
  }
  return AssertionSuccess();
}

AssertionResult RawClient::write_all(std::string_view bytes) {
  if (fd_ < 0) return AssertionFailure() << "not connected";
  if (tls_) return write_all_tls(bytes);
  std::size_t sent = 0;
  auto last_progress = Clock::now();
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      last_progress = Clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return AssertionFailure() << "send failed after " << sent << " of " << bytes.size()
                                << " bytes: " << std::strerror(errno);
    }
    if (auto r = wait_to_send(POLLOUT, sent, bytes.size(), last_progress); !r) return r;
  }
  return AssertionSuccess();
}

// write_all() over TLS: SSL_write a record at a time (partial writes), and
// while the socket is full, the same wait as over TCP, reading meanwhile.
AssertionResult RawClient::write_all_tls(std::string_view bytes) {
  std::size_t sent = 0;
  auto last_progress = Clock::now();
  while (sent < bytes.size()) {
    std::size_t put = 0;
    const TlsStream::Io io = tls_->write(bytes.data() + sent, bytes.size() - sent, put);
    if (io == TlsStream::Io::kDone) {
      sent += put;
      last_progress = Clock::now();
      continue;
    }
    if (io != TlsStream::Io::kWantWrite && io != TlsStream::Io::kWantRead) {
      return AssertionFailure() << "send failed after " << sent << " of " << bytes.size()
                                << " bytes: "
                                << (io == TlsStream::Io::kReset ? std::string("connection reset")
                                    : io == TlsStream::Io::kEof ? std::string("connection closed")
                                                                : tls_->error());
    }
    const short want = io == TlsStream::Io::kWantWrite ? POLLOUT : 0;
    if (auto r = wait_to_send(want, sent, bytes.size(), last_progress); !r) return r;
  }
  return AssertionSuccess();
}

AssertionResult RawClient::send_raw(std::string_view bytes) { return write_all(bytes); }

AssertionResult RawClient::send_chunked(std::string_view bytes, std::size_t chunk,
                                        std::chrono::microseconds pause) {
  if (chunk == 0) chunk = 1;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    if (at > 0 && pause.count() > 0) std::this_thread::sleep_for(pause);
    auto r = write_all(bytes.substr(at, chunk));
    if (!r) return r << " (chunk at offset " << at << ")";
  }
  return AssertionSuccess();
}

AssertionResult RawClient::send_split(std::string_view bytes, const std::vector<std::size_t>& cuts,
                                      std::chrono::microseconds pause) {
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut <= at || cut >= bytes.size()) continue;
    auto r = write_all(bytes.substr(at, cut - at));
    if (!r) return r << " (piece at offset " << at << ")";
    std::this_thread::sleep_for(pause);
    at = cut;
  }
  auto r = write_all(bytes.substr(at));
  if (!r) return r << " (piece at offset " << at << ")";
  return AssertionSuccess();
}

AssertionResult RawClient::send_frame(const FrameSpec& spec) {
  return write_all(encode_frame(spec));
}

AssertionResult RawClient::send_message(std::uint8_t opcode, std::string_view payload, bool fin) {
  FrameSpec spec;
  spec.opcode = opcode;
  spec.payload = std::string(payload);
  spec.fin = fin;
  return send_frame(spec);
}

AssertionResult RawClient::send_close(std::uint16_t code, std::string_view reason) {
  return send_message(kClose, close_payload(code, reason));
}

ReadStatus RawClient::read_frame(Frame& out, std::string* detail,
                                 std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;  // inactivity deadline, pushed back on progress
  for (;;) {
    const DecodeResult r = decode_frame(pending(), out);
    if (r.status == DecodeStatus::kFrame) {
      consume(r.consumed);
      return ReadStatus::kFrame;
    }
    if (r.status == DecodeStatus::kInvalid) {
      if (detail) *detail = r.error + ": " + hex_preview(pending(), 16);
      return ReadStatus::kMalformed;
    }
    const Fill f = fill(std::chrono::milliseconds(remaining_ms(deadline)));
    switch (f) {
      case Fill::kData:
        deadline = Clock::now() + timeout;
        continue;
      case Fill::kTimeout:
        if (Clock::now() < deadline) continue;
        if (detail) {
          *detail = "no complete frame within " + std::to_string(timeout.count()) + " ms";
          if (!pending().empty()) *detail += " (have " + hex_preview(pending(), 16) + ")";
        }
        return ReadStatus::kTimeout;
      case Fill::kEof:
      case Fill::kReset:
        if (detail) {
          *detail = f == Fill::kEof ? "server closed the TCP connection"
                                    : "server reset the TCP connection";
          if (!pending().empty())
            *detail += " inside a frame (have " + hex_preview(pending(), 16) + ")";
        }
        return f == Fill::kEof ? ReadStatus::kEof : ReadStatus::kReset;
      case Fill::kError:
        if (detail) *detail = error_;
        return ReadStatus::kError;
    }
  }
}

namespace {

AssertionResult check_wire_form(const Frame& f) {
  if (f.masked)
    return AssertionFailure() << "server frame is masked (RFC 6455 5.1): " << describe(f);
  if (f.rsv != 0) return AssertionFailure() << "server frame has RSV bits set: " << describe(f);
  if (!f.minimal_length)
    return AssertionFailure() << "server frame length not minimally encoded (5.2): " << describe(f);
  if (!f.fin) return AssertionFailure() << "server frame is fragmented (FIN = 0): " << describe(f);
  return AssertionSuccess();
}

std::string describe_mismatch(std::string_view got, std::string_view want) {
  if (got.size() != want.size()) {
    return "payload length " + std::to_string(got.size()) + ", expected " +
           std::to_string(want.size()) + "; got [" + hex_preview(got, 24) + "], expected [" +
           hex_preview(want, 24) + "]";
  }
  std::size_t i = 0;
  while (i < got.size() && got[i] == want[i]) ++i;
  const std::size_t from = i > 8 ? i - 8 : 0;
  return "payload differs at offset " + std::to_string(i) + ": got [" +
         hex_preview(got.substr(from), 24) + "], expected [" + hex_preview(want.substr(from), 24) +
         "] (from offset " + std::to_string(from) + ")";
}

}  // namespace

AssertionResult RawClient::expect_frame(std::uint8_t opcode, std::string_view payload,
                                        std::chrono::milliseconds timeout) {
  Frame f;
  std::string detail;
  const ReadStatus s = read_frame(f, &detail, timeout);
  if (s != ReadStatus::kFrame) {
    return AssertionFailure() << "expected " << opcode_name(opcode) << " (" << payload.size()
                              << " bytes), got " << read_status_name(s) << ": " << detail;
  }
  if (f.opcode != opcode) {
    return AssertionFailure() << "expected " << opcode_name(opcode) << " (" << payload.size()
                              << " bytes), got " << describe(f);
  }
  if (auto wire = check_wire_form(f); !wire) return wire;
  if (f.payload != payload) {
    return AssertionFailure() << opcode_name(opcode) << ": "
                              << describe_mismatch(f.payload, payload);
  }
  return AssertionSuccess();
}

AssertionResult RawClient::echo(std::uint8_t opcode, std::string_view payload) {
  if (auto r = send_message(opcode, payload); !r) return r;
  return expect_frame(opcode, payload);
}

AssertionResult RawClient::check_close_frame(const Frame& f, std::optional<std::uint16_t> code) {
  if (f.opcode != kClose) {
    return AssertionFailure() << "expected close"
                              << (code ? " " + std::to_string(*code) : " (empty)") << ", got "
                              << describe(f);
  }
  if (auto wire = check_wire_form(f); !wire) return wire;
  if (f.payload.size() == 1 || f.payload.size() > 125) {
    return AssertionFailure() << "server close payload has invalid length " << f.payload.size();
  }
  if (!code) {
    if (!f.payload.empty())
      return AssertionFailure() << "expected an empty close, got " << describe(f);
    return AssertionSuccess();
  }
  if (f.payload.empty())
    return AssertionFailure() << "expected close " << *code << ", got an empty close";
  const unsigned got =
      (static_cast<std::uint8_t>(f.payload[0]) << 8) | static_cast<std::uint8_t>(f.payload[1]);
  if (got != *code)
    return AssertionFailure() << "expected close " << *code << ", got " << describe(f);
  if (!utf8_valid(std::string_view(f.payload).substr(2))) {
    return AssertionFailure() << "server close reason is not valid UTF-8: " << describe(f);
  }
  return AssertionSuccess();
}

AssertionResult RawClient::expect_close(std::uint16_t code, bool reply) {
  Frame f;
  std::string detail;
  const ReadStatus s = read_frame(f, &detail);
  if (s != ReadStatus::kFrame) {
    return AssertionFailure() << "expected close " << code << ", got " << read_status_name(s)
                              << ": " << detail;
  }
  if (auto r = check_close_frame(f, code); !r) return r;
  if (reply) (void)send_close(code);
  if (auto r = expect_tcp_end(); !r) return r << " (after close " << code << ")";
  return AssertionSuccess();
}

AssertionResult RawClient::expect_close_empty() {
  Frame f;
  std::string detail;
  const ReadStatus s = read_frame(f, &detail);
  if (s != ReadStatus::kFrame) {
    return AssertionFailure() << "expected an empty close, got " << read_status_name(s) << ": "
                              << detail;
  }
  if (auto r = check_close_frame(f, std::nullopt); !r) return r;
  if (auto r = expect_tcp_end(); !r) return r << " (after the empty close)";
  return AssertionSuccess();
}

AssertionResult RawClient::expect_tcp_end(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!pending().empty()) {
      Frame f;
      const DecodeResult r = decode_frame(pending(), f);
      return AssertionFailure()
             << "expected the server to end the TCP connection, but it sent more bytes: "
             << (r.status == DecodeStatus::kFrame ? describe(f) : hex_preview(pending()));
    }
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::kData:
        continue;
      case Fill::kEof:
      case Fill::kReset:
        return AssertionSuccess();
      case Fill::kTimeout:
        if (Clock::now() < deadline) continue;
        return AssertionFailure() << "the server did not end the TCP connection within "
                                  << timeout.count() << " ms";
      case Fill::kError:
        return AssertionFailure() << error_;
    }
  }
}

AssertionResult RawClient::expect_nothing(std::chrono::milliseconds quiet) {
  const auto deadline = Clock::now() + quiet;
  for (;;) {
    if (!pending().empty()) {
      Frame f;
      const DecodeResult r = decode_frame(pending(), f);
      return AssertionFailure() << "expected silence, got "
                                << (r.status == DecodeStatus::kFrame ? describe(f)
                                                                     : hex_preview(pending()));
    }
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::kData:
        continue;
      case Fill::kTimeout:
        if (Clock::now() < deadline) continue;
        return AssertionSuccess();
      case Fill::kEof:
        return AssertionFailure() << "expected silence, but the server closed the TCP connection";
      case Fill::kReset:
        return AssertionFailure() << "expected silence, but the server reset the TCP connection";
      case Fill::kError:
        return AssertionFailure() << error_;
    }
  }
}

AssertionResult RawClient::read_http_response(HttpResponse& out,
                                              std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto end = pending().find("\r\n\r\n");
    if (end != std::string_view::npos) {
      const std::string_view head = pending().substr(0, end + 4);
      if (!parse_response_head(head, out)) {
        return AssertionFailure() << "malformed HTTP response head: \""
                                  << std::string(head.substr(0, 200)) << "\"";
      }
      consume(end + 4);
      return AssertionSuccess();
    }
    if (pending().size() > 64 * 1024) return AssertionFailure() << "HTTP response head over 64 KiB";
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::kData:
        continue;
      case Fill::kTimeout:
        if (Clock::now() < deadline) continue;
        return AssertionFailure() << "no complete HTTP response within " << timeout.count()
                                  << " ms (have \"" << std::string(pending().substr(0, 200))
                                  << "\")";
      case Fill::kEof:
      case Fill::kReset:
        return AssertionFailure() << "connection ended before a complete HTTP response (have \""
                                  << std::string(pending().substr(0, 200)) << "\")";
      case Fill::kError:
        return AssertionFailure() << error_;
    }
  }
}

AssertionResult RawClient::read_bytes(std::size_t n, std::string& out,
                                      std::chrono::milliseconds timeout) {
  while (pending().size() < n) {
    switch (fill(timeout)) {
      case Fill::kData:
        continue;
      case Fill::kTimeout:
        return AssertionFailure() << "only " << pending().size() << " of " << n
                                  << " bytes arrived within " << timeout.count() << " ms";
      case Fill::kEof:
      case Fill::kReset:
        return AssertionFailure() << "connection ended after " << pending().size() << " of " << n
                                  << " bytes";
      case Fill::kError:
        return AssertionFailure() << error_;
    }
  }
  out.assign(pending().substr(0, n));
  consume(n);
  return AssertionSuccess();
}

AssertionResult RawClient::expect_http_rejection(int status, HttpResponse* out) {
  HttpResponse response;
  if (auto r = read_http_response(response); !r) return r;
  if (out) *out = response;
  if (response.status != status) {
    return AssertionFailure() << "expected HTTP " << status << ", got " << response.status << " "
                              << response.reason;
  }
  // Skip any body, then the connection must end.
  const auto deadline = Clock::now() + kTimeout;
  for (;;) {
    consume(pending().size());
    switch (fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      case Fill::kData:
        continue;
      case Fill::kEof:
      case Fill::kReset:
        return AssertionSuccess();
      case Fill::kTimeout:
        if (Clock::now() < deadline) continue;
        return AssertionFailure() << "HTTP " << status
                                  << " sent, but the connection stayed open for "
                                  << kTimeout.count() << " ms";
      case Fill::kError:
        return AssertionFailure() << error_;
    }
  }
}

AssertionResult RawClient::handshake(const UpgradeRequest& request) {
  if (auto r = write_all(request.render()); !r) return r;
  HttpResponse response;
  if (auto r = read_http_response(response); !r) return r;
  if (response.status != 101) {
    return AssertionFailure() << "handshake: expected 101, got " << response.status << " "
                              << response.reason;
  }
  if (!header_has_token(response.get("Upgrade"), "websocket")) {
    return AssertionFailure() << "101 without Upgrade: websocket (got \"" << response.get("Upgrade")
                              << "\")";
  }
  if (!header_has_token(response.get("Connection"), "upgrade")) {
    return AssertionFailure() << "101 without Connection: Upgrade (got \""
                              << response.get("Connection") << "\")";
  }
  const std::string want = websocket_accept(request.get("Sec-WebSocket-Key"));
  if (response.get("Sec-WebSocket-Accept") != want) {
    return AssertionFailure() << "Sec-WebSocket-Accept \"" << response.get("Sec-WebSocket-Accept")
                              << "\", expected \"" << want << "\"";
  }
  if (request.get("Sec-WebSocket-Extensions").empty() && response.has("Sec-WebSocket-Extensions")) {
    return AssertionFailure() << "101 accepts an extension the client did not offer: "
                              << response.get("Sec-WebSocket-Extensions");
  }
  if (request.get("Sec-WebSocket-Protocol").empty() && response.has("Sec-WebSocket-Protocol")) {
    return AssertionFailure() << "101 selects a subprotocol the client did not offer: "
                              << response.get("Sec-WebSocket-Protocol");
  }
  return AssertionSuccess();
}

AssertionResult RawClient::open(std::uint16_t port, const std::string& path) {
  if (auto r = connect(port); !r) return r;
  UpgradeRequest request = UpgradeRequest::standard("127.0.0.1:" + std::to_string(port));
  request.target = path;
  return handshake(request);
}

}  // namespace wstest
