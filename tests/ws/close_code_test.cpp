// tests/ws/close_code_test.cpp: the whole 16-bit close code space against the
// rule of RFC 6455 7.4 written out a second way, as a list.
#include "ws/close_code.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <set>
#include <string>

namespace {

// The codes 1000-2999 a peer may send: RFC 6455 7.4.1 plus the IANA
// "WebSocket Close Code Number Registry" entries 1012-1014. Everything else in
// that range is reserved (1004), API-only (1005, 1006, 1015) or unassigned.
const std::set<int> kSendableProtocolCodes = {1000, 1001, 1002, 1003, 1007, 1008,
                                              1009, 1010, 1011, 1012, 1013, 1014};

bool independently_valid(int code) {
  const bool application_range = code >= 3000 && code < 5000;  // 7.4.2
  return application_range || kSendableProtocolCodes.count(code) == 1;
}

TEST(CloseCodeTable, EveryCodeFrom0To65535) {
  int mismatches = 0;
  for (int code = 0; code <= 0xFFFF; ++code) {
    const bool got = ws::is_valid_wire_close_code(static_cast<std::uint16_t>(code));
    if (got != independently_valid(code) && ++mismatches <= 5)
      ADD_FAILURE() << "code " << code << ": got " << got;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(CloseCodeTable, EdgesSpelledOut) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    EXPECT_FALSE(ws::is_valid_wire_close_code(static_cast<std::uint16_t>(code))) << code;
  for (int code : {1000, 1003, 1007, 1011, 1014, 3000, 3999, 4000, 4999})
    EXPECT_TRUE(ws::is_valid_wire_close_code(static_cast<std::uint16_t>(code))) << code;
}

TEST(CloseCodeTable, EnumValuesMatchTheRfc) {
  EXPECT_EQ(static_cast<int>(ws::CloseCode::normal), 1000);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::protocol_error), 1002);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::no_status), 1005);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::abnormal), 1006);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::invalid_payload), 1007);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::message_too_big), 1009);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::mandatory_extension), 1010);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::internal_error), 1011);
  EXPECT_EQ(static_cast<int>(ws::CloseCode::tls_handshake), 1015);
}

TEST(CloseCodeTable, EveryEnumeratorHasItsOwnName) {
  const ws::CloseCode all[] = {ws::CloseCode::none,
                               ws::CloseCode::normal,
                               ws::CloseCode::going_away,
                               ws::CloseCode::protocol_error,
                               ws::CloseCode::unsupported_data,
                               ws::CloseCode::no_status,
                               ws::CloseCode::abnormal,
                               ws::CloseCode::invalid_payload,
                               ws::CloseCode::policy_violation,
                               ws::CloseCode::message_too_big,
                               ws::CloseCode::mandatory_extension,
                               ws::CloseCode::internal_error,
                               ws::CloseCode::service_restart,
                               ws::CloseCode::try_again_later,
                               ws::CloseCode::bad_gateway,
                               ws::CloseCode::tls_handshake};
  std::set<std::string> names;
  for (ws::CloseCode c : all) {
    const std::string name(ws::describe(c));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown") << static_cast<int>(c);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(ws::describe(ws::CloseCode::protocol_error), "protocol error");
}

TEST(CloseCodeTable, CodesOutsideTheEnumAreNamedByRange) {
  auto describe_raw = [](int code) { return ws::describe(static_cast<ws::CloseCode>(code)); };
  EXPECT_EQ(describe_raw(3000), "registered");
  EXPECT_EQ(describe_raw(3999), "registered");
  EXPECT_EQ(describe_raw(4000), "private use");
  EXPECT_EQ(describe_raw(4999), "private use");
  EXPECT_EQ(describe_raw(1004), "unknown");
  EXPECT_EQ(describe_raw(2999), "unknown");
  EXPECT_EQ(describe_raw(5000), "unknown");
}

}  // namespace
