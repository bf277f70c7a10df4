#include "tools/wscat_output.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/wscat_format.hpp"

namespace wscat {
namespace {

constexpr std::string_view green = "\033[32m";
constexpr std::string_view yellow = "\033[33m";
constexpr std::string_view red = "\033[31m";
constexpr std::string_view bold = "\033[1m";
constexpr std::string_view reset = "\033[0m";
constexpr std::string_view erase_line = "\r\033[K";

// https://no-color.org: NO_COLOR set to anything but "" turns colors off.
bool colors_allowed(bool no_color, int fd) {
  const char* env = std::getenv("NO_COLOR");
  return !no_color && (env == nullptr || *env == '\0') && ::isatty(fd) == 1;
}

void write(std::FILE* f, std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); }

}  // namespace

Output::Output(bool prompting, bool no_color)
    : prompting_(prompting),
      stdout_color_(prompting && colors_allowed(no_color, STDOUT_FILENO)),
      stderr_color_(colors_allowed(no_color, STDERR_FILENO)) {}

void Output::message(const ws::Message& m) {
  const std::string body = m.is_text() ? std::string(m.text()) : hex_preview(m.payload);
  if (!prompting_) {
    write(stdout, body);
    write(stdout, "\n");
    std::fflush(stdout);
    return;
  }
  erase_prompt();
  if (stdout_color_) write(stdout, green);
  write(stdout, "< ");
  if (stdout_color_) write(stdout, reset);
  write(stdout, for_terminal(body));
  write(stdout, "\n");
  prompt();
}

void Output::event(std::string_view text) { to_stderr(yellow, text); }

void Output::error(std::string_view text) { to_stderr(red, text); }

void Output::info(std::string_view text) {
  erase_prompt();
  write(stdout, text);
  prompt();
}

void Output::prompt() {
  if (!prompting_ || stopped_) {
    std::fflush(stdout);
    return;
  }
  if (!prompt_shown_) {
    write(stdout, stdout_color_ ? std::string(bold) + "> " + std::string(reset) : "> ");
    prompt_shown_ = true;
  }
  std::fflush(stdout);
}

void Output::stop_prompting() {
  erase_prompt();
  stopped_ = true;
  std::fflush(stdout);
}

void Output::erase_prompt() {
  if (!prompt_shown_) return;
  write(stdout, erase_line);
  prompt_shown_ = false;
}

// Both streams may be the same terminal: stdout's prompt goes first, and
// comes back after the line.
void Output::to_stderr(std::string_view color, std::string_view text) {
  const bool had_prompt = prompt_shown_;
  erase_prompt();
  std::fflush(stdout);
  std::string line = "wscat: " + for_terminal(text);
  if (stderr_color_) line = std::string(color) + line + std::string(reset);
  write(stderr, line + "\n");
  std::fflush(stderr);
  if (had_prompt) prompt();
}

}  // namespace wscat
