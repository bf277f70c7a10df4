// Inbox: the calls other threads hand to one consumer (an event loop), run on
// the consumer's thread in the order each producer pushed them.
//
// Multi-producer, single-consumer, batched: push() says when it is the first
// push of a batch (the inbox was empty), and only that caller wakes the
// consumer (EventLoop writes its eventfd); the rest ride along. drain() takes
// the whole batch at once and runs it, so a burst of N pushes costs one
// wakeup, not N. The number of `first` answers equals the number of drains
// that found work, plus one while a batch waits.
//
// Why a mutex is enough: it is held to push one task or to swap the batch
// out, never while a task runs or is destroyed, so a producer waits at most
// for one push or one swap (a vector append); the consumer never waits for a
// task. A lock-free (Vyukov) queue would save that wait and cost a node per
// task and a subtler proof. Tasks are std::function: copyable callables
// only, which is what cross-thread calls capture (a shared frame, ids).
//
// Thread safety: push() from any thread, concurrently; drain() and close()
// from the consumer's thread only (one at a time).
// Lifetime: tasks still queued when the Inbox is destroyed are destroyed
// unrun, on the destroying thread.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace net {

class Inbox {
 public:
  using Task = std::function<void()>;

  enum class Pushed {
    queued,   // behind a batch whose first push woke (or will wake) the consumer
    first,    // the inbox was empty: the caller must wake the consumer
    refused,  // closed: `task` was destroyed before push() returned, unrun
  };

  // Any thread. FIFO per producer thread; no order between producers.
  Pushed push(Task task);

  // Consumer: runs the tasks queued before it began, oldest first; what they
  // (or anyone) push meanwhile waits for the next drain, so a drain is
  // bounded however fast tasks arrive. Returns how many ran. A task that
  // throws: the exception leaves drain(), the rest of its batch is
  // destroyed unrun, and the inbox stays usable.
  std::size_t drain();

  // Consumer: refuses every later push, then drains what was queued (tasks
  // that push from inside it are refused). Returns how many ran.
  std::size_t close();

 private:
  std::size_t take_and_run(bool closing);

  std::mutex mutex_;
  std::vector<Task> tasks_;  // guarded by mutex_
  bool closed_ = false;      // guarded by mutex_
  std::vector<Task> spare_;  // consumer only: the last batch's storage, empty
};

}  // namespace net
