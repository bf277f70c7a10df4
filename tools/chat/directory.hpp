// ChatDirectory: who is on the chat server and which rooms they are in, for
// every loop at once. The one piece of chat state shared across threads, so
// it sits behind one mutex; it is touched on a nick's arrival and departure,
// on join and leave, and by who and whisper: never per delivered message
// (deliveries go through the server's topics).
//
// NickClaim owns a nick in the directory: made by claim(), it releases the
// nick when destroyed (or on release()), so a connection's state holding it frees the nick
// however the connection ends.
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

class NickClaim {
 public:
  NickClaim(ChatDirectory& directory, std::string nick) noexcept
      : directory_(&directory), nick_(std::move(nick)) {}
  NickClaim(NickClaim&& other) noexcept;
  NickClaim& operator=(NickClaim&&) = delete;
  ~NickClaim();

  const std::string& nick() const noexcept { return nick_; }
  // Frees the nick now (the destructor then does nothing); nick() stays.
  void release() noexcept;

 private:
  ChatDirectory* directory_;  // null once moved from
  std::string nick_;
};

class ChatDirectory {
 public:
  // The nick, now this caller's; nullopt if someone holds it.
  std::optional<NickClaim> claim(std::string_view nick);
  bool is_online(std::string_view nick) const;

  // Membership of rooms by nick. join: false if already a member.
  bool join(std::string_view room, std::string_view nick);
  void leave(std::string_view room, std::string_view nick);
  // The room's members, sorted; empty for a room nobody is in.
  std::vector<std::string> members(std::string_view room) const;

  std::size_t online_count() const;
  std::size_t room_count() const;  // rooms with a member

 private:
  friend class NickClaim;
  void release(const std::string& nick);

  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> nicks_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> rooms_;
};

}  // namespace chat
