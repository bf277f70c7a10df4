// wscat's command line (tools/wscat.cpp has the contract).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wscat {

struct Options {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // -H and --origin, in order
  std::vector<std::string> subprotocols;                     // in order of preference
  std::string ca_file;
  bool insecure = false;
  bool binary = false;    // input lines go as binary messages
  bool echo = false;      // send back what arrives; stdin is not read
  bool no_color = false;  // --no-color (NO_COLOR in the environment does the same)
  double wait_s = 2;      // piped: after end of input, the longest wait for answers
};

// Parses argv. --help prints the usage and exits 0; a bad command line
// prints what is wrong and the usage on stderr and exits 2.
Options parse_options(int argc, char** argv);

// "Name: value" -> {"Name", "value"} (spaces around the value trimmed);
// false if there is no colon or no name.
bool parse_header(const std::string& text, std::pair<std::string, std::string>& out);

}  // namespace wscat
