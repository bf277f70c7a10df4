// tests/ws/static_files_test.cpp: the pure parts of ws/static_files.hpp:
// Content-Type by extension, and the IMF-fixdate of Last-Modified and
// If-Modified-Since (RFC 9110 5.6.7). What the server answers is tested
// against the real server in tests/conformance/static_files_test.cpp.
#include "ws/static_files.hpp"

#include <gtest/gtest.h>

#include <system_error>

namespace {

TEST(StaticFiles, ContentTypeByExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"index.html", "text/html; charset=utf-8"},
      {"a/b/site.css", "text/css; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"module.mjs", "text/javascript; charset=utf-8"},
      {"data.json", "application/json"},
      {"logo.svg", "image/svg+xml"},
      {"logo.png", "image/png"},
      {"photo.jpg", "image/jpeg"},
      {"favicon.ico", "image/vnd.microsoft.icon"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"code.wasm", "application/wasm"},
      {"app.js.map", "application/json"},
      {"INDEX.HTML", "text/html; charset=utf-8"},
      {"Photo.JpG", "image/jpeg"},
      {"archive.tar.gz", "application/octet-stream"},
      {"README", "application/octet-stream"},
      {"html", "application/octet-stream"},
      {"dir.html/file", "application/octet-stream"},
      {"trailing.", "application/octet-stream"},
      {"x.htmlx", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) EXPECT_EQ(ws::content_type_for(name), type) << name;
}

TEST(StaticFiles, FormatsImfFixdate) {
  EXPECT_EQ(ws::format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's
  EXPECT_EQ(ws::format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(ws::format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(StaticFiles, ParsesImfFixdate) {
  EXPECT_EQ(ws::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ws::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ws::parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
  // The day name is checked to be one, not to be the right one.
  EXPECT_EQ(ws::parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), 784111777);
  for (std::time_t t : {0L, 1L, 784111777L, 1700000000L, 4102444799L})
    EXPECT_EQ(ws::parse_http_date(ws::format_http_date(t)), t) << t;
}

TEST(StaticFiles, RefusesOtherDates) {
  for (const char* text : {"",
                           "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850: obsolete, not read
                           "Sun Nov  6 08:49:37 1994",        // asctime: obsolete, not read
                           "Sun, 06 Nov 1994 08:49:37 UTC",
                           "sun, 06 Nov 1994 08:49:37 GMT",
                           "Sun, 06 nov 1994 08:49:37 GMT",
                           "Sun, 6 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 8:49:37 GMT",
                           "Sun, 06 Nov 1994 08:49:37 GMT ",
                           " Sun, 06 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 24:00:00 GMT",
                           "Sun, 06 Nov 1994 08:60:00 GMT",
                           "Sun, 06 Nov 1994 08:49:61 GMT",
                           "Sun, 00 Nov 1994 08:49:37 GMT",
                           "Sun, 32 Nov 1994 08:49:37 GMT",
                           "Sun, 31 Nov 1994 08:49:37 GMT",  // November has 30 days
                           "Sun, 29 Feb 1900 08:49:37 GMT",  // 1900 is no leap year
                           "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
                           "Xyz, 06 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 19a4 08:49:37 GMT",
                           "Sun, 06 Nov -994 08:49:37 GMT",
                           "Sun; 06 Nov 1994 08:49:37 GMT"})
    EXPECT_FALSE(ws::parse_http_date(text).has_value()) << text;
}

TEST(StaticFiles, DirectoryThatIsNotOneThrows) {
  EXPECT_THROW(ws::StaticFiles("/nonexistent/static/dir"), std::system_error);
  EXPECT_THROW(ws::StaticFiles("/etc/passwd"), std::system_error);
  EXPECT_NO_THROW(ws::StaticFiles("/tmp"));
}

}  // namespace
