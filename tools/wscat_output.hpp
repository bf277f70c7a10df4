// wscat's output: messages on stdout, events (connected, closed, pongs,
// errors) on stderr, and on a terminal the prompt. Loop thread only, so
// lines never interleave.
//
// On a terminal (stdin and stdout both ttys) a message or an event first
// erases the prompt, prints its line, then puts the prompt back: what the
// user has half-typed stays in the terminal's line buffer (sent on Enter)
// but is no longer shown. Messages are "< TEXT", made safe for the
// terminal (tools/wscat_format.hpp). Elsewhere a message is its text, or
// its hex preview, and a newline, flushed at once.
#pragma once

#include <string_view>

#include "ws/message.hpp"

namespace wscat {

class Output {
 public:
  // prompting: the terminal style above; no_color: --no-color.
  Output(bool prompting, bool no_color);

  void message(const ws::Message& message);
  // "wscat: TEXT" on stderr.
  void event(std::string_view text);
  void error(std::string_view text);
  // Verbatim on stdout (/help).
  void info(std::string_view text);
  // Shows the prompt, if prompting (from open until the end).
  void prompt();
  // The user pressed Enter: the cursor is on a fresh line, no prompt shown.
  void line_entered() noexcept { prompt_shown_ = false; }
  // The connection is over: no prompt any more.
  void stop_prompting();

 private:
  void erase_prompt();
  void to_stderr(std::string_view color, std::string_view text);

  const bool prompting_;
  const bool stdout_color_;
  const bool stderr_color_;
  bool prompt_shown_ = false;
  bool stopped_ = false;
};

}  // namespace wscat
