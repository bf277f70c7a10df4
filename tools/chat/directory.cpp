#include "tools/chat/directory.hpp"

#include <utility>

namespace chat {

NickClaim::NickClaim(NickClaim&& other) noexcept
    : directory_(std::exchange(other.directory_, nullptr)), nick_(std::move(other.nick_)) {}

NickClaim::~NickClaim() { release(); }

void NickClaim::release() noexcept {
  if (directory_) std::exchange(directory_, nullptr)->release(nick_);
}

std::optional<NickClaim> ChatDirectory::claim(std::string_view nick) {
  std::lock_guard lock(mutex_);
  if (!nicks_.emplace(nick).second) return std::nullopt;
  return NickClaim(*this, std::string(nick));
}

void ChatDirectory::release(const std::string& nick) {
  std::lock_guard lock(mutex_);
  nicks_.erase(nick);
}

bool ChatDirectory::is_online(std::string_view nick) const {
  std::lock_guard lock(mutex_);
  return nicks_.find(nick) != nicks_.end();
}

bool ChatDirectory::join(std::string_view room, std::string_view nick) {
  std::lock_guard lock(mutex_);
  auto found = rooms_.find(room);
  if (found == rooms_.end())
    found = rooms_.emplace(std::string(room), std::set<std::string, std::less<>>{}).first;
  return found->second.emplace(nick).second;
}

void ChatDirectory::leave(std::string_view room, std::string_view nick) {
  std::lock_guard lock(mutex_);
  const auto found = rooms_.find(room);
  if (found == rooms_.end()) return;
  if (const auto member = found->second.find(nick); member != found->second.end())
    found->second.erase(member);
  if (found->second.empty()) rooms_.erase(found);  // an empty room costs nothing
}

std::vector<std::string> ChatDirectory::members(std::string_view room) const {
  std::lock_guard lock(mutex_);
  const auto found = rooms_.find(room);
  if (found == rooms_.end()) return {};
  return {found->second.begin(), found->second.end()};
}

std::size_t ChatDirectory::online_count() const {
  std::lock_guard lock(mutex_);
  return nicks_.size();
}

std::size_t ChatDirectory::room_count() const {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

}  // namespace chat
