#include "tools/chat/directory.hpp"

#include <algorithm>
#include <utility>

namespace chat {

namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string nick_key(std::string_view nick) {
  std::string key(nick);
  std::transform(key.begin(), key.end(), key.begin(), lower);
  return key;
}

bool NickLess::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

NickClaim::NickClaim(NickClaim&& other) noexcept
    : directory_(std::exchange(other.directory_, nullptr)), nick_(std::move(other.nick_)) {}

NickClaim::~NickClaim() { release(); }

void NickClaim::release() noexcept {
  if (directory_) std::exchange(directory_, nullptr)->release(nick_);
}

std::optional<NickClaim> ChatDirectory::claim(std::string_view nick) {
  std::string written(nick);  // built before the lock: a claim can then not fail half-way
  std::lock_guard lock(mutex_);
  if (!nicks_.insert(written).second) return std::nullopt;
  return NickClaim(*this, std::move(written));
}

void ChatDirectory::release(const std::string& nick) noexcept {
  std::lock_guard lock(mutex_);
  nicks_.erase(nick);
}

std::optional<std::string> ChatDirectory::online_name(std::string_view nick) const {
  std::lock_guard lock(mutex_);
  const auto found = nicks_.find(nick);
  if (found == nicks_.end()) return std::nullopt;
  return *found;
}

bool ChatDirectory::join(std::string_view room, std::string_view nick) {
  std::lock_guard lock(mutex_);
  auto found = rooms_.find(room);
  if (found == rooms_.end()) found = rooms_.try_emplace(std::string(room)).first;
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
