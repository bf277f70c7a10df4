// ChatDirectory: who is on the chat server and which rooms they are in, for
// every loop at once. The one piece of chat state shared across threads, so
// it sits behind one mutex; it is touched on a nick's arrival and
// departure, on join and leave, and by who and whisper: never per delivered
// message (deliveries go through the server's topics).
//
// Nicks are unique regardless of ASCII case ("Alice" is taken while "alice"
// is online: no one passes for another by case), and shown as their holder
// wrote them. Room names are compared exactly.
//
// NickClaim owns a nick in the directory: only claim() makes one, and it
// frees the nick when destroyed (or on release()), so a connection's state
// holding it frees the nick however the connection ends.
//
// Thread safety: every member of ChatDirectory may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

class ChatDirectory;

// Orders nicks by their ASCII lower case; transparent, so a string_view
// finds a std::string key without building one.
struct NickLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

class NickClaim {
 public:
  NickClaim(NickClaim&& other) noexcept;
  NickClaim& operator=(NickClaim&&) = delete;
  ~NickClaim();

  const std::string& nick() const noexcept { return nick_; }
  // Frees the nick now (the destructor then does nothing); nick() stays.
  void release() noexcept;

 private:
  friend class ChatDirectory;
  NickClaim(ChatDirectory& directory, std::string nick) noexcept
      : directory_(&directory), nick_(std::move(nick)) {}

  ChatDirectory* directory_;  // null once released or moved from
  std::string nick_;
};

class ChatDirectory {
 public:
  // The nick, now this caller's; nullopt if someone holds it (in any case).
  std::optional<NickClaim> claim(std::string_view nick);
  // The online nick equal to `nick` but for case, as its holder wrote it.
  std::optional<std::string> online_name(std::string_view nick) const;
  bool is_online(std::string_view nick) const { return online_name(nick).has_value(); }

  // Membership of rooms by nick. join: false if already a member.
  bool join(std::string_view room, std::string_view nick);
  void leave(std::string_view room, std::string_view nick);
  // The room's members, sorted; empty for a room nobody is in.
  std::vector<std::string> members(std::string_view room) const;

  std::size_t online_count() const;
  std::size_t room_count() const;  // rooms with a member

 private:
  friend class NickClaim;
  void release(const std::string& nick) noexcept;

  mutable std::mutex mutex_;
  std::set<std::string, NickLess> nicks_;  // as written, unique but for case
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> rooms_;
};

// `nick` in ASCII lower case: what a nick is unique by (and the name of its
// whisper topic).
std::string nick_key(std::string_view nick);

}  // namespace chat
