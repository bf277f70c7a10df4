// Fuzz harness: the chat protocol's JSON (tools/chat/protocol.hpp).
//
// Checks, on the input taken as a client's message:
// - parse_request returns, whatever the bytes (no crash, no throw, no
//   stack overflow on deep nesting);
// - a refusal has a code and a message, and its error() is JSON that reads
//   back to the same code;
// - an accepted request has a valid name as its target, text within 4 KiB
//   (and text only for say and whisper), and the same request written back
//   as JSON parses to the same request;
// - every server message built from the request's fields (and from the raw
//   input as text, which may be invalid UTF-8) is one JSON object that
//   reads back to those fields, or to their replacement characters.
//
// Input: the message, all of it.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "tests/fuzz/fuzz_support.hpp"
#include "tools/chat/protocol.hpp"

namespace {

using nlohmann::json;

constexpr const char* type_names[] = {"join", "leave", "say", "whisper", "who"};

json read_back(const std::string& written) {
  json value = json::parse(written, nullptr, false);
  FUZZ_CHECK(value.is_object(), "a server message is not a JSON object: " + written);
  return value;
}

void check_refusal(const chat::Refusal& refusal) {
  FUZZ_CHECK(!refusal.code.empty() && !refusal.message.empty(), "a refusal without words");
  const json error = read_back(chat::error(refusal));
  FUZZ_CHECK(error["type"] == "error" && error["code"] == refusal.code, "error() lost its code");
}

void check_request(const chat::Request& request) {
  FUZZ_CHECK(chat::valid_name(request.target), "accepted an invalid name: " + request.target);
  FUZZ_CHECK(request.text.size() <= chat::max_text_bytes, "accepted text over 4 KiB");
  const bool has_text =
      request.type == chat::RequestType::say || request.type == chat::RequestType::whisper;
  FUZZ_CHECK(has_text || request.text.empty(), "text on a request that has none");

  json again = {{"type", type_names[static_cast<int>(request.type)]}};
  again[request.type == chat::RequestType::whisper ? "to" : "room"] = request.target;
  if (has_text) again["text"] = request.text;
  const auto reparsed = chat::parse_request(again.dump());
  const auto* same = std::get_if<chat::Request>(&reparsed);
  FUZZ_CHECK(same && same->type == request.type && same->target == request.target &&
                 same->text == request.text,
             "the request written back does not parse the same: " + again.dump());

  const json message =
      read_back(chat::room_message(request.target, request.target, request.text, 1));
  FUZZ_CHECK(message["text"] == request.text && message["room"] == request.target,
             "room_message did not keep its fields");
  const json whisper = read_back(chat::private_message("a", request.target, request.text, 1));
  FUZZ_CHECK(whisper["to"] == request.target && whisper["text"] == request.text,
             "private_message did not keep its fields");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto result = chat::parse_request(input);
  if (const auto* refusal = std::get_if<chat::Refusal>(&result))
    check_refusal(*refusal);
  else
    check_request(std::get<chat::Request>(result));
  // Raw bytes as text: the writer replaces what is not UTF-8, never throws.
  const json raw = read_back(chat::room_message("r", "n", input, 0));
  FUZZ_CHECK(raw["text"].is_string(), "room_message with raw text lost it");
  return 0;
}
