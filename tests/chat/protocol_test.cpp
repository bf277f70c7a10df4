// tests/chat/protocol_test.cpp: the chat protocol's reading and writing
// (tools/chat/protocol.hpp): every request type, every refusal, and the
// server messages' exact JSON (fields in order, text escaped).
#include "tools/chat/protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace std::string_view_literals;

chat::Request parsed(std::string_view json) {
  auto result = chat::parse_request(json);
  EXPECT_TRUE(std::holds_alternative<chat::Request>(result)) << json;
  return std::holds_alternative<chat::Request>(result) ? std::get<chat::Request>(result)
                                                       : chat::Request{};
}

std::string refusal_code(std::string_view json) {
  auto result = chat::parse_request(json);
  if (auto* refusal = std::get_if<chat::Refusal>(&result)) return std::string(refusal->code);
  return "accepted";
}

TEST(ChatNames, LettersDigitsUnderscoreAndDashUpTo32) {
  EXPECT_TRUE(chat::valid_name("alice"));
  EXPECT_TRUE(chat::valid_name("A_b-9"));
  EXPECT_TRUE(chat::valid_name(std::string(32, 'x')));
  EXPECT_FALSE(chat::valid_name(""));
  EXPECT_FALSE(chat::valid_name(std::string(33, 'x')));
  for (std::string_view bad : {"a b"sv, "a.b"sv, "a/b"sv, "é"sv, "a\0b"sv, "a:b"sv, "<a>"sv})
    EXPECT_FALSE(chat::valid_name(bad)) << bad;
}

TEST(ChatRequests, EveryTypeParses) {
  const chat::Request join = parsed(R"({"type":"join","room":"dev"})");
  EXPECT_EQ(join.type, chat::RequestType::join);
  EXPECT_EQ(join.target, "dev");
  EXPECT_EQ(parsed(R"({"type":"leave","room":"dev"})").type, chat::RequestType::leave);
  EXPECT_EQ(parsed(R"({"type":"who","room":"dev"})").type, chat::RequestType::who);
  const chat::Request say = parsed(R"({"room":"dev","text":"h\u00e9 \"x\"","type":"say"})");
  EXPECT_EQ(say.type, chat::RequestType::say);
  EXPECT_EQ(say.text, "h\xc3\xa9 \"x\"");
  const chat::Request whisper = parsed(R"({"type":"whisper","to":"bob","text":"psst","x":[1]})");
  EXPECT_EQ(whisper.type, chat::RequestType::whisper);
  EXPECT_EQ(whisper.target, "bob");
  EXPECT_EQ(whisper.text, "psst");
}

TEST(ChatRequests, EveryRefusalHasItsCode) {
  EXPECT_EQ(refusal_code("hello"), "bad_json");
  EXPECT_EQ(refusal_code(R"({"type":"say")"), "bad_json");
  EXPECT_EQ(refusal_code("[1,2]"), "bad_request");
  EXPECT_EQ(refusal_code(R"({"room":"dev"})"), "bad_request");
  EXPECT_EQ(refusal_code(R"({"type":7})"), "bad_request");
  EXPECT_EQ(refusal_code(R"({"type":"dance"})"), "unknown_type");
  EXPECT_EQ(refusal_code(R"({"type":"join"})"), "bad_request");
  EXPECT_EQ(refusal_code(R"({"type":"join","room":"a b"})"), "bad_room");
  EXPECT_EQ(refusal_code(R"({"type":"whisper","to":"","text":"x"})"), "bad_nick");
  EXPECT_EQ(refusal_code(R"({"type":"say","room":"dev"})"), "bad_request");
  EXPECT_EQ(refusal_code(R"({"type":"say","room":"dev","text":5})"), "bad_request");
}

TEST(ChatRequests, TextIsLimitedTo4KiBAfterUnescaping) {
  const std::string at_limit(4096, 'x');
  EXPECT_EQ(refusal_code(R"({"type":"say","room":"r","text":")" + at_limit + "\"}"), "accepted");
  EXPECT_EQ(refusal_code(R"({"type":"say","room":"r","text":")" + at_limit + "x\"}"),
            "text_too_long");
  std::string escaped;  // 1366 x "é" as \u00e9: 2732 bytes of UTF-8, 8196 of JSON
  for (int i = 0; i < 1366; ++i) escaped += "\\u00e9";
  EXPECT_EQ(refusal_code(R"({"type":"say","room":"r","text":")" + escaped + "\"}"), "accepted");
}

TEST(ChatRequests, DeepNestingIsRefusedNotACrash) {
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  EXPECT_EQ(refusal_code(deep), "bad_request");
  EXPECT_EQ(refusal_code(std::string(30000, '[')), "bad_json");
}

TEST(ChatMessages, ExactJson) {
  const std::string rooms[] = {"lobby"};
  EXPECT_EQ(chat::welcome("alice", rooms),
            R"({"type":"welcome","name":"alice","rooms":["lobby"]})");
  EXPECT_EQ(chat::room_message("dev", "alice", "a\"b\n", 1700000000123),
            R"({"type":"message","room":"dev","from":"alice","text":"a\"b\n","ts":1700000000123})");
  EXPECT_EQ(chat::private_message("alice", "bob", "hi", 5),
            R"({"type":"private","from":"alice","to":"bob","text":"hi","ts":5})");
  EXPECT_EQ(chat::joined("dev", "bob"), R"({"type":"joined","room":"dev","name":"bob"})");
  EXPECT_EQ(chat::left("dev", "bob"), R"({"type":"left","room":"dev","name":"bob"})");
  const std::string names[] = {"alice", "bob"};
  EXPECT_EQ(chat::members("dev", names),
            R"({"type":"members","room":"dev","names":["alice","bob"]})");
  EXPECT_EQ(chat::members("dev", {}), R"({"type":"members","room":"dev","names":[]})");
  EXPECT_EQ(chat::error({"not_in_room", "not in room dev"}),
            R"({"type":"error","code":"not_in_room","message":"not in room dev"})");
}

TEST(ChatMessages, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_EQ(chat::error({"x", "a\xff"}),
            "{\"type\":\"error\",\"code\":\"x\",\"message\":\"a\xef\xbf\xbd\"}");
}

}  // namespace
