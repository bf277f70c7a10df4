#include "ws/topics.hpp"

#include <algorithm>

#include "net/event_loop.hpp"
#include "ws/websocket.hpp"

namespace ws {
namespace {

bool valid_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_topic_name;
}

bool any_loop(const TopicState& state, std::size_t loops) noexcept {
  for (std::size_t i = 0; i < loops; ++i)
    if (state.on_loop[i].load(std::memory_order_relaxed)) return true;
  return false;
}

}  // namespace

// ---- TopicDirectory ----------------------------------------------------------

std::shared_ptr<TopicState> TopicDirectory::join(std::string_view name, std::size_t loop) {
  std::lock_guard lock(mutex_);
  auto found = topics_.find(name);
  if (found == topics_.end())
    found =
        topics_.emplace(std::string(name), std::make_shared<TopicState>(std::string(name), loops_))
            .first;
  found->second->on_loop[loop].store(true, std::memory_order_release);
  return found->second;
}

std::shared_ptr<TopicState> TopicDirectory::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto found = topics_.find(name);
  return found == topics_.end() ? nullptr : found->second;
}

void TopicDirectory::leave(const TopicState& state, std::size_t loop) {
  std::lock_guard lock(mutex_);
  state.on_loop[loop].store(false, std::memory_order_release);
  if (any_loop(state, loops_)) return;
  if (auto found = topics_.find(state.name);
      found != topics_.end() && found->second.get() == &state)
    topics_.erase(found);
}

std::size_t TopicDirectory::size() const {
  std::lock_guard lock(mutex_);
  return topics_.size();
}

// ---- LoopTopics ----------------------------------------------------------------

bool LoopTopics::subscribe(WebSocket& socket, std::string_view name) {
  if (!valid_name(name)) return false;
  if (is_subscribed(socket, name)) return true;
  auto [entry, added] = topics_.try_emplace(std::string(name));
  Local& local = entry->second;
  if (added) local.state = directory_.join(name, loop_index_);  // tell the other loops
  local.members.push_back(&socket);
  joined_[&socket].push_back(entry->first);
  ++subscriptions_;
  return true;
}

bool LoopTopics::unsubscribe(WebSocket& socket, std::string_view name) {
  const auto joined = joined_.find(&socket);
  if (joined == joined_.end()) return false;
  auto& names = joined->second;
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return false;
  const std::string topic = std::move(*it);
  names.erase(it);
  if (names.empty()) joined_.erase(joined);
  remove_member(topics_.find(topic)->second, socket);
  forget_if_empty(topic);
  return true;
}

bool LoopTopics::is_subscribed(const WebSocket& socket, std::string_view name) const {
  const auto joined = joined_.find(&socket);
  if (joined == joined_.end()) return false;
  return std::find(joined->second.begin(), joined->second.end(), name) != joined->second.end();
}

void LoopTopics::leave_all(WebSocket& socket) {
  const auto joined = joined_.find(&socket);
  if (joined == joined_.end()) return;
  const std::vector<std::string> names = std::move(joined->second);
  joined_.erase(joined);
  for (const std::string& name : names) {
    remove_member(topics_.find(name)->second, socket);
    forget_if_empty(name);
  }
}

// A member that leaves while a delivery walks the list (it was closed by
// the send that reached it) leaves a hole, compacted when the walk ends.
void LoopTopics::remove_member(Local& local, WebSocket& socket) {
  const auto it = std::find(local.members.begin(), local.members.end(), &socket);
  if (it == local.members.end()) return;
  --subscriptions_;
  if (local.delivering > 0) {
    *it = nullptr;
    local.holes = true;
    return;
  }
  *it = local.members.back();  // order among members does not matter
  local.members.pop_back();
}

// The loop's last subscriber left: clear its flag, and let the directory
// drop the topic if no loop has any. Not during a delivery (the walk still
// holds the entry); the walk's end does it then.
void LoopTopics::forget_if_empty(std::string_view name) {
  const auto entry = topics_.find(name);
  if (entry == topics_.end()) return;
  Local& local = entry->second;
  if (local.delivering > 0 || !local.members.empty()) return;
  const std::shared_ptr<TopicState> state = std::move(local.state);
  topics_.erase(entry);
  directory_.leave(*state, loop_index_);
}

std::size_t LoopTopics::deliver(std::string_view name, const net::SharedBytesRef& frame,
                                const WebSocket* except) {
  const auto entry = topics_.find(name);
  if (entry == topics_.end()) return 0;
  Local& local = entry->second;
  ++local.delivering;
  std::size_t reached = 0;
  const std::size_t count = local.members.size();  // who joins during the walk waits for the next
  for (std::size_t i = 0; i < count; ++i) {
    WebSocket* member = local.members[i];
    if (member == nullptr || member == except) continue;
    if (member->send_frame(frame) != SendResult::dropped) ++reached;
  }
  if (--local.delivering == 0 && local.holes) {
    std::erase(local.members, nullptr);
    local.holes = false;
    forget_if_empty(name);
  }
  return reached;
}

std::shared_ptr<TopicState> LoopTopics::state(std::string_view name) const {
  const auto entry = topics_.find(name);
  return entry == topics_.end() ? nullptr : entry->second.state;
}

// ---- PubSub ------------------------------------------------------------------------

// The frame as every subscriber sends it: built once, unmasked (5.1).
net::SharedBytesRef PubSub::encode(std::span<const std::uint8_t> payload, Opcode opcode) const {
  std::vector<std::uint8_t> bytes(max_frame_header_size + payload.size());
  const std::size_t header = write_frame_header(bytes.data(), opcode, true, payload.size());
  std::copy(payload.begin(), payload.end(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  bytes.resize(header + payload.size());
  return std::make_shared<const net::SharedBytes>(std::move(bytes), budget_);
}

bool PubSub::publish(std::size_t from, std::string_view topic,
                     std::span<const std::uint8_t> payload, Opcode opcode,
                     const WebSocket* except) {
  if (!valid_name(topic) || (opcode != Opcode::text && opcode != Opcode::binary)) return false;
  std::shared_ptr<TopicState> state = from != no_loop ? tables_[from]->state(topic) : nullptr;
  if (!state) state = directory_.find(topic);  // no subscriber here: ask the directory
  if (!state) return true;                     // nobody anywhere
  const net::SharedBytesRef frame = encode(payload, opcode);
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    if (i == from || !state->on_loop[i].load(std::memory_order_acquire)) continue;
    loops_[i]->defer(
        [table = tables_[i], state, frame] { table->deliver(state->name, frame, nullptr); });
  }
  if (from != no_loop) tables_[from]->deliver(topic, frame, except);
  return true;
}

namespace {

// Counts the loops still to run their task; the last one runs `done`.
struct Countdown {
  Countdown(std::size_t count, std::function<void()> then) : left(count), done(std::move(then)) {}
  void arrive() {
    if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) done();
  }
  std::atomic<std::size_t> left;
  std::function<void()> done;
};

}  // namespace

void PubSub::after_deliveries(std::size_t from, std::function<void()> done) {
  if (loops_.size() <= 1) return done();
  auto countdown = std::make_shared<Countdown>(loops_.size() - 1, std::move(done));
  for (std::size_t i = 0; i < loops_.size(); ++i)
    if (i != from) loops_[i]->defer([countdown] { countdown->arrive(); });
}

}  // namespace ws
