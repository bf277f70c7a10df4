// What an application reads from a request besides its path: query
// parameters and cookies. Pure functions over the parsed request; nothing
// here allocates unless it has to decode.
//
// Thread safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ws/http_request.hpp"

namespace ws {

// The value of the first `name` parameter in the target's query (after the
// first '?', up to any '#'), decoded as a browser encodes a form
// (application/x-www-form-urlencoded): "%XX" is the byte XX and '+' a space,
// in names and values alike. nullopt when no parameter has that name, or when
// the first one that does holds a malformed escape ("%4", "%zz"): an
// application should refuse what it cannot read, not guess. A parameter
// without '=' has the empty value.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

// The value of the first cookie named `name` over every Cookie header
// (RFC 6265 5.4: "a=1; b=2"), a view into the request; surrounding double
// quotes are removed (RFC 6265 4.1.1 cookie-value). Names compare exactly.
std::optional<std::string_view> cookie(const HttpRequest& request, std::string_view name);

}  // namespace ws
