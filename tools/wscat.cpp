// wscat: a command-line WebSocket client, on the project's own client
// (ws::Client on a net::EventLoop).
//
//   build/wscat [options] URL          URL: ws://HOST[:PORT][/PATH] or wss://
//   echo hello | build/wscat ws://127.0.0.1:9001/echo     # prints "hello", exits 0
//
// Modes, chosen by what stdin is:
// - A terminal: a prompt ("> "); each line typed is sent as a text message
//   (binary with --binary); messages print as they arrive, "< TEXT", or
//   for binary a hex preview with the length ("< [binary, 3 bytes] 01 02
//   ff", the first 32 bytes shown). Commands: /ping [TEXT] (the pong shows
//   when it comes), /close [CODE [REASON]] (wscat ends when the server
//   answers), /binary HEX, /quit (close 1000), /help; //TEXT sends /TEXT.
//   Ctrl-D closes with 1000. Text from the server is shown with control
//   characters escaped (\x1b), so that it cannot drive the terminal.
// - Piped: each input line is sent as it is (no commands); each message
//   received is written to stdout as it is, text or hex preview, on a line
//   of its own and flushed at once. At the end of input wscat closes with
//   1000 as soon as it has received at least as many messages as it sent,
//   or after --wait SECONDS (default 2) at the latest.
// - --echo: stdin is not read; every message received is sent back with
//   the same opcode and payload, until the server closes.
// Events (connected, the subprotocol, pongs, the close and its code, dial
// failures) go to stderr as "wscat: ..." lines, whatever the mode. Colors
// only on a terminal, and not with --no-color or NO_COLOR set.
//
// Flags: -H/--header 'Name: value' (repeatable), --origin ORIGIN,
// --subprotocol NAME (repeatable or comma-separated), --ca FILE, --insecure,
// --binary, --wait SECONDS, --echo, --no-color, --help.
//
// Exit status:
//   0    a clean end: the server closed with 1000, 1001 or none (1005), or
//        answered the close we started (/close, /quit, Ctrl-C, end of input)
//   1    the connect, the TLS handshake or the upgrade failed; the reason on
//        stderr ("HTTP/1.1 404 Not Found", the TLS verification error, ...)
//   2    a bad command line (or a URL, header or --ca file that cannot work)
//   3    an abnormal end: TCP ended without a close (1006, our close not
//        answered in time included), the client failed the connection
//        (a protocol error by the server: 1002, 1007, ...), or the server
//        closed with any other code
//   130  interrupted before the connection opened, or a second Ctrl-C
//        while the close handshake was still going on
//
// Threads: the event loop runs on the main thread and owns everything
// above. stdin is read by a thread of its own (std::getline), which hands
// each line, and the end of input, to the loop with EventLoop::defer; a
// second thread waits for SIGINT/SIGTERM (blocked everywhere else) and
// defers the first one as a close 1000. Neither can be joined (a read of
// stdin does not wake up), so main ends with std::_Exit and destroys
// nothing that they may still touch.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "net/event_loop.hpp"
#include "tools/wscat_input.hpp"
#include "tools/wscat_options.hpp"
#include "tools/wscat_output.hpp"
#include "tools/wscat_session.hpp"
#include "ws/url.hpp"

namespace {

[[noreturn]] void exit_now(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

// A URL wscat could never dial is a usage error, said before any thread starts.
void check_url(const std::string& url) {
  ws::WsUrl parsed;
  std::string error;
  if (ws::parse_ws_url(url, parsed, error)) return;
  std::fprintf(stderr, "wscat: bad URL %s: %s\n", url.c_str(), error.c_str());
  exit_now(wscat::exit_usage);
}

}  // namespace

int main(int argc, char** argv) {
  const wscat::Options options = wscat::parse_options(argc, argv);
  check_url(options.url);
  std::ios::sync_with_stdio(false);  // std::cin is only read by the reader thread
  wscat::block_interrupts();

  const bool interactive = ::isatty(STDIN_FILENO) == 1 && !options.echo;
  net::EventLoop loop(net::UniqueFd{}, nullptr, {});
  wscat::Output output(interactive && ::isatty(STDOUT_FILENO) == 1, options.no_color);
  wscat::Session session(loop, options, output, interactive);
  try {
    session.start();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "wscat: %s\n", e.what());
    exit_now(wscat::exit_usage);
  }

  wscat::start_interrupt_thread(loop, [&session] { session.interrupt(); });
  wscat::LineReader reader(
      loop, [&session](std::string line) { session.line(std::move(line)); },
      [&session] { session.end_of_input(); });
  session.on_consumed([&reader] { reader.consumed(); });
  if (!options.echo) reader.start();

  loop.run();
  exit_now(session.exit_status());
}
