// A route's upgrade hook: the application's say on a handshake that passed
// every RFC 6455 check (ws/upgrade.hpp), before the 101 is written.
//
//   route.on_upgrade = [](const ws::UpgradeRequest& request, ws::UpgradeResponse& response) {
//     auto name = request.query("name");
//     if (!name) return response.refuse(400, "a name is required");
//     response.attach<User>(std::move(*name));  // then socket.state<User>() in handlers
//   };
//
// The hook runs on the connection's loop thread. Whatever it attaches lives
// as long as the connection (ws/connection_state.hpp), and is destroyed also
// when the upgrade does not complete (the hook refused it, or the server is
// at its connection limit), so a destructor is where to release what it took.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ws/connection_state.hpp"
#include "ws/http_request.hpp"
#include "ws/request_params.hpp"
#include "ws/upgrade.hpp"

namespace ws {

// The request, read-only. Views point into the receive buffer: valid during
// the hook only.
class UpgradeRequest {
 public:
  explicit UpgradeRequest(const HttpRequest& http) noexcept : http_(http) {}

  std::string_view path() const noexcept { return http_.path(); }
  std::string_view target() const noexcept { return http_.target; }
  // A query parameter, form-decoded (ws/request_params.hpp).
  std::optional<std::string> query(std::string_view name) const {
    return query_parameter(http_.target, name);
  }
  std::string_view header(std::string_view name) const noexcept { return http_.header(name); }
  std::optional<std::string_view> cookie(std::string_view name) const {
    return ws::cookie(http_, name);
  }
  // Whether the client offered this subprotocol (Sec-WebSocket-Protocol).
  bool offers_subprotocol(std::string_view name) const;
  const HttpRequest& http() const noexcept { return http_; }

 private:
  const HttpRequest& http_;
};

// What the hook decides. Untouched, the upgrade goes ahead with the route's
// UpgradeOptions.
class UpgradeResponse {
 public:
  UpgradeResponse(ConnectionState& state, std::string_view subprotocol)
      : state_(state), subprotocol_(subprotocol) {}

  // No upgrade: an HTTP error with this status (400-599; anything else is
  // taken as 400) and `reason` as its text/plain body.
  void refuse(int status, std::string reason);
  // The subprotocol to confirm instead of the route's pick: one the client
  // offered (false, and no change, otherwise), or "" for none.
  bool select_subprotocol(std::string_view name, const UpgradeRequest& request);
  // One more header on the 101 (not on a refusal); false, and not added, for
  // a name that is not an HTTP token or that the handshake writes itself
  // (Upgrade, Connection, Sec-WebSocket-*, Content-Length,
  // Transfer-Encoding), or a value with a control character but HTAB.
  bool add_header(std::string name, std::string value);
  // The connection's state: handlers reach it with WebSocket::state<T>().
  template <class T, class... Args>
  T& attach(Args&&... args) {
    return state_.emplace<T>(std::forward<Args>(args)...);
  }

  bool refused() const noexcept { return status_ != 0; }
  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& subprotocol() const noexcept { return subprotocol_; }
  const HeaderList& headers() const noexcept { return headers_; }

 private:
  ConnectionState& state_;
  int status_ = 0;
  std::string reason_;
  std::string subprotocol_;
  HeaderList headers_;
};

}  // namespace ws
