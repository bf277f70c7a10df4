// What a line typed at wscat's prompt asks for: a message, or a command.
// Pure: parsing only, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wscat {

struct Command {
  enum class Kind : std::uint8_t {
    message,  // text: the line to send (a leading "//" sent as "/")
    ping,     // text: the payload (0..125 bytes)
    close,    // code and text (the reason)
    binary,   // bytes
    quit,
    help,
    invalid,  // text: what is wrong, for the user
  };
  Kind kind = Kind::message;
  std::string text;
  std::uint16_t code = 1000;
  std::vector<std::uint8_t> bytes;
};

// "/ping [TEXT]", "/close [CODE [REASON]]", "/binary HEX", "/quit", "/help";
// "//TEXT" is the message "/TEXT"; any other line is a message as is.
Command parse_command(std::string_view line);

// The commands, one per line, for /help.
extern const char* const command_help;

}  // namespace wscat
