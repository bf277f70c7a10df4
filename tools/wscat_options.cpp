#include "tools/wscat_options.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <utility>

namespace wscat {
namespace {

constexpr const char* usage_text =
    "usage: wscat [options] URL\n"
    "  URL                     ws://HOST[:PORT][/PATH][?QUERY], or wss:// for TLS\n"
    "  -H, --header 'Name: value'\n"
    "                          an extra request header (repeatable)\n"
    "  --origin ORIGIN         the Origin header\n"
    "  --subprotocol NAME      offer NAME in Sec-WebSocket-Protocol (repeatable, or\n"
    "                          comma-separated; in order of preference)\n"
    "  --ca FILE               wss://: trust the CAs in FILE (PEM), not the system's\n"
    "  --insecure              wss://: accept any certificate and host name\n"
    "  --binary                send input lines as binary messages, not text\n"
    "  --wait SECONDS          piped input: after its end, how long to wait for answers\n"
    "                          before closing (default 2)\n"
    "  --echo                  send every message received back unchanged, until the\n"
    "                          server closes (stdin is not read)\n"
    "  --no-color              no colors on a terminal (NO_COLOR set does the same)\n"
    "  --help                  this text\n"
    "On a terminal: each line typed is sent; /ping [TEXT], /close [CODE [REASON]],\n"
    "/binary HEX, /quit, /help; //TEXT sends /TEXT. Piped: each line is sent, each\n"
    "message received is printed on a line of its own, and at the end of input wscat\n"
    "closes (1000) once as many messages came back as were sent, or after --wait.\n"
    "Exit status: 0 a clean close (1000, 1001, 1005 from the server, or ours\n"
    "answered); 1 the connect or the handshake failed; 2 a bad command line;\n"
    "3 the connection ended abnormally (1006, a protocol error, another code from\n"
    "the server); 130 interrupted before the connection opened, or a second Ctrl-C.\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "wscat: %s\n%s", message.c_str(), usage_text);
  std::exit(2);
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

double parse_seconds(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0 || value > 86400)
    usage_error("bad value for " + flag + ": " + text);
  return value;
}

// Subprotocol names are tokens (RFC 6455 4.1): no commas, so a list splits safely.
void add_subprotocols(Options& o, const std::string& list) {
  std::string_view rest = list;
  while (true) {
    const auto comma = rest.find(',');
    std::string name = trim(rest.substr(0, comma));
    if (name.empty()) usage_error("bad value for --subprotocol: " + list);
    o.subprotocols.push_back(std::move(name));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

// Reads the flags' arguments both as "--flag VALUE" and "--flag=VALUE".
class Args {
 public:
  Args(int argc, char** argv) : argc_(argc), argv_(argv) {}
  bool done() const { return i_ >= argc_; }
  std::string raw() { return argv_[i_++]; }
  // The next word, split at '=' if it is a long flag written with one.
  std::string next_word() {
    std::string word = argv_[i_++];
    inline_value_.reset();
    if (word.rfind("--", 0) == 0) {
      const auto eq = word.find('=');
      if (eq != std::string::npos) {
        inline_value_ = word.substr(eq + 1);
        word.resize(eq);
      }
    }
    return word;
  }
  std::string value(const std::string& flag) {
    if (inline_value_) return *std::exchange(inline_value_, std::nullopt);
    if (i_ >= argc_) usage_error(flag + " needs a value");
    return argv_[i_++];
  }
  bool had_inline_value() const { return inline_value_.has_value(); }

 private:
  int argc_;
  char** argv_;
  int i_ = 1;
  std::optional<std::string> inline_value_;
};

void set_url(Options& o, const std::string& word) {
  if (!o.url.empty()) usage_error("more than one URL: " + o.url + ", " + word);
  o.url = word;
}

void add_header(Options& o, const std::string& text) {
  std::pair<std::string, std::string> header;
  if (!parse_header(text, header)) usage_error("bad header (want 'Name: value'): " + text);
  o.headers.push_back(std::move(header));
}

// One flag with its value, if it takes one; false if `flag` is unknown.
bool apply_flag(Options& o, const std::string& flag, Args& args) {
  if (flag == "-H" || flag == "--header") {
    add_header(o, args.value(flag));
  } else if (flag == "--origin") {
    o.headers.emplace_back("Origin", args.value(flag));
  } else if (flag == "--subprotocol") {
    add_subprotocols(o, args.value(flag));
  } else if (flag == "--ca") {
    o.ca_file = args.value(flag);
  } else if (flag == "--wait") {
    o.wait_s = parse_seconds(flag, args.value(flag));
  } else if (flag == "--insecure" || flag == "--binary" || flag == "--echo" ||
             flag == "--no-color") {
    if (args.had_inline_value()) usage_error(flag + " takes no value");
    bool& on = flag == "--insecure" ? o.insecure
               : flag == "--binary" ? o.binary
               : flag == "--echo"   ? o.echo
                                    : o.no_color;
    on = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool parse_header(const std::string& text, std::pair<std::string, std::string>& out) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  std::string name = trim(std::string_view(text).substr(0, colon));
  if (name.empty() || name.find_first_of(" \t") != std::string::npos) return false;
  out = {std::move(name), trim(std::string_view(text).substr(colon + 1))};
  return true;
}

Options parse_options(int argc, char** argv) {
  Options o;
  Args args(argc, argv);
  bool flags_over = false;  // after "--" a word is the URL even if it starts with '-'
  while (!args.done()) {
    const std::string word = flags_over ? args.raw() : args.next_word();
    if (flags_over || word.empty() || word[0] != '-') {
      set_url(o, word);
    } else if (word == "--") {
      flags_over = true;
    } else if (word == "--help" || word == "-h") {
      std::fputs(usage_text, stdout);
      std::exit(0);
    } else if (!apply_flag(o, word, args)) {
      usage_error("unknown flag " + word);
    }
  }
  if (o.url.empty()) usage_error("no URL");
  return o;
}

}  // namespace wscat
