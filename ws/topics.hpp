// Topics: publish/subscribe, app-wide across every loop of a server.
//
// Three parts, by who touches them:
//   TopicDirectory  server-wide, under a mutex: which loops have subscribers
//                   to which topic (a TopicState per topic, a flag per loop).
//                   Touched when a loop gains its first subscriber to a topic
//                   or loses its last, and by a publish from a loop that has
//                   no subscriber of its own to the topic; never per delivery.
//   LoopTopics      one loop's subscribers, on that loop's thread only: no
//                   lock. A publish reaches them through deliver().
//   PubSub          the publish itself: the frame is built once into a
//                   shared, reference-counted buffer (net::SharedBytes); the
//                   publishing loop delivers to its own subscribers at once
//                   and hands the frame to every other loop whose flag is set,
//                   through that loop's inbox (EventLoop::defer). Per
//                   publisher and topic, every subscriber gets the messages in
//                   publish order (an inbox is FIFO per producer thread).
//
// A subscription made on loop B becomes visible to publishers on other loops
// when B's flag is set; a publish that read the flags just before may miss B.
// Topic names are bytes, at most max_topic_name of them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/memory_budget.hpp"
#include "net/shared_bytes.hpp"
#include "ws/frame.hpp"

namespace net {
class EventLoop;
}

namespace ws {

class WebSocket;

inline constexpr std::size_t max_topic_name = 256;

// One topic, server-wide: which loops have subscribers to it.
struct TopicState {
  TopicState(std::string topic_name, std::size_t loops)
      : name(std::move(topic_name)), on_loop(std::make_unique<std::atomic<bool>[]>(loops)) {}
  const std::string name;
  const std::unique_ptr<std::atomic<bool>[]> on_loop;
};

// Hash and equality that let a std::string-keyed map be searched with a
// string_view, without building a string per lookup.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const noexcept {
    return std::hash<std::string_view>{}(name);
  }
};
template <typename Value>
using NameMap = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;

class TopicDirectory {
 public:
  explicit TopicDirectory(std::size_t loops) : loops_(loops) {}

  std::size_t loops() const noexcept { return loops_; }
  // Loop `loop` has its first subscriber to `name`: the topic, its flag set.
  std::shared_ptr<TopicState> join(std::string_view name, std::size_t loop);
  // Loop `loop` lost its last subscriber: its flag cleared, and the topic
  // dropped once no loop has any. Both under the lock, so that a join and a
  // leave on two loops cannot lose the joiner's flag.
  void leave(const TopicState& state, std::size_t loop);
  std::shared_ptr<TopicState> find(std::string_view name) const;
  std::size_t size() const;

 private:
  const std::size_t loops_;
  mutable std::mutex mutex_;
  NameMap<std::shared_ptr<TopicState>> topics_;
};

class LoopTopics {
 public:
  LoopTopics(TopicDirectory& directory, std::size_t loop_index)
      : directory_(directory), loop_index_(loop_index) {}
  LoopTopics(const LoopTopics&) = delete;
  LoopTopics& operator=(const LoopTopics&) = delete;

  // False if the name is empty or too long. Subscribing twice is a no-op.
  bool subscribe(WebSocket& socket, std::string_view name);
  bool unsubscribe(WebSocket& socket, std::string_view name);
  bool is_subscribed(const WebSocket& socket, std::string_view name) const;
  void leave_all(WebSocket& socket);

  // Sends `frame` to this loop's subscribers of `name`, except `except`.
  // Returns how many it reached.
  std::size_t deliver(std::string_view name, const net::SharedBytesRef& frame,
                      const WebSocket* except);
  // This loop's view of the topic, if it has subscribers to it.
  std::shared_ptr<TopicState> state(std::string_view name) const;

  std::size_t topic_count() const noexcept { return topics_.size(); }
  std::size_t subscription_count() const noexcept { return subscriptions_; }

 private:
  struct Local {
    std::shared_ptr<TopicState> state;
    std::vector<WebSocket*> members;  // null: left during a delivery, compacted after
    int delivering = 0;
    bool holes = false;
  };

  void remove_member(Local& local, WebSocket& socket);
  void forget_if_empty(std::string_view name);

  TopicDirectory& directory_;
  const std::size_t loop_index_;
  NameMap<Local> topics_;
  std::unordered_map<const WebSocket*, std::vector<std::string>> joined_;  // for leave_all
  std::size_t subscriptions_ = 0;
};

class PubSub {
 public:
  static constexpr std::size_t no_loop = SIZE_MAX;

  PubSub(std::size_t loops, core::MemoryBudget* budget)
      : directory_(loops), loops_(loops, nullptr), tables_(loops, nullptr), budget_(budget) {}

  // At start-up, before any publish: loop `index` and its table.
  void attach(std::size_t index, net::EventLoop& loop, LoopTopics& table) {
    loops_[index] = &loop;
    tables_[index] = &table;
  }
  TopicDirectory& directory() noexcept { return directory_; }

  // From loop `from` (its subscribers but `except` get the message now) or,
  // with from = no_loop, from any thread. Returns false for a bad name.
  bool publish(std::size_t from, std::string_view topic, std::span<const std::uint8_t> payload,
               Opcode opcode, const WebSocket* except);
  // Runs `done` once every loop has delivered what loop `from` published
  // before this call: a task behind those publishes in each other loop's
  // inbox (FIFO per producer), the last of them to run calls `done`, on its
  // own thread (at once with a single loop). A loop that stops first drops
  // its task: `done` is then destroyed unrun, after the last loop has
  // dropped or run its own, so what it owns is still released.
  void after_deliveries(std::size_t from, std::function<void()> done);

 private:
  net::SharedBytesRef encode(std::span<const std::uint8_t> payload, Opcode opcode) const;

  TopicDirectory directory_;
  std::vector<net::EventLoop*> loops_;
  std::vector<LoopTopics*> tables_;
  core::MemoryBudget* budget_;
};

}  // namespace ws
