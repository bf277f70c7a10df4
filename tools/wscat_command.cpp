#include "tools/wscat_command.hpp"

#include <charconv>

#include "tools/wscat_format.hpp"
#include "ws/close_code.hpp"

namespace wscat {

const char* const command_help =
    "  TEXT                   send TEXT as a message\n"
    "  /ping [TEXT]           ping (the pong shows on arrival)\n"
    "  /close [CODE [REASON]] start the close handshake (default 1000); wscat ends\n"
    "                         when the server answers\n"
    "  /binary HEX            send bytes as a binary message: /binary 0102ff\n"
    "  /quit                  close with 1000 and end (Ctrl-D and Ctrl-C too)\n"
    "  //TEXT                 send /TEXT\n"
    "  /help                  this list\n";

namespace {

Command invalid(std::string why) {
  Command c;
  c.kind = Command::Kind::invalid;
  c.text = std::move(why);
  return c;
}

Command of_kind(Command::Kind kind, std::string_view text = {}) {
  Command c;
  c.kind = kind;
  c.text = std::string(text);
  return c;
}

// "/name rest" -> "rest" (one space after the name, the rest verbatim).
std::string_view argument(std::string_view line, std::string_view name) {
  line.remove_prefix(name.size());
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  return line;
}

Command parse_close(std::string_view args) {
  Command c = of_kind(Command::Kind::close);
  if (args.empty()) return c;
  const auto space = args.find(' ');
  const std::string_view code = args.substr(0, space);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(code.data(), code.data() + code.size(), value);
  if (error != std::errc{} || end != code.data() + code.size() || value > 0xffff ||
      !ws::is_valid_wire_close_code(static_cast<std::uint16_t>(value)))
    return invalid("close code must be 1000-1003, 1007-1014 or 3000-4999: " + std::string(code));
  c.code = static_cast<std::uint16_t>(value);
  if (space != std::string_view::npos) c.text = std::string(args.substr(space + 1));
  if (c.text.size() > 123) return invalid("a close reason is at most 123 bytes");
  return c;
}

Command parse_binary(std::string_view args) {
  Command c = of_kind(Command::Kind::binary);
  if (args.empty() || !parse_hex(args, c.bytes))
    return invalid("/binary wants hex digits, two per byte: /binary 0102ff");
  return c;
}

// The command word: "/ping" of "/ping hi"; the whole line if it has no space.
std::string_view command_word(std::string_view line) { return line.substr(0, line.find(' ')); }

}  // namespace

Command parse_command(std::string_view line) {
  if (line.empty() || line.front() != '/') return of_kind(Command::Kind::message, line);
  if (line.starts_with("//")) return of_kind(Command::Kind::message, line.substr(1));
  const std::string_view word = command_word(line);
  const std::string_view args = argument(line, word);
  if (word == "/ping") {
    if (args.size() > 125) return invalid("a ping carries at most 125 bytes");
    return of_kind(Command::Kind::ping, args);
  }
  if (word == "/close") return parse_close(args);
  if (word == "/binary") return parse_binary(args);
  if (word == "/quit") return of_kind(Command::Kind::quit);
  if (word == "/help") return of_kind(Command::Kind::help);
  return invalid("unknown command " + std::string(word) +
                 " (/help lists them; //TEXT sends /TEXT)");
}

}  // namespace wscat
