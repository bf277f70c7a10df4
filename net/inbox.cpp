#include "net/inbox.hpp"

#include <utility>

namespace net {

Inbox::Pushed Inbox::push(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_) {
      tasks_.push_back(std::move(task));
      return tasks_.size() == 1 ? Pushed::first : Pushed::queued;
    }
  }
  task = nullptr;  // destroyed here, outside the lock: it may push again
  return Pushed::refused;
}

std::size_t Inbox::drain() { return take_and_run(false); }

std::size_t Inbox::close() { return take_and_run(true); }

// The batch is a local: if a task throws, the rest is destroyed with it.
// Its storage goes back to spare_, so steady traffic allocates nothing.
std::size_t Inbox::take_and_run(bool closing) {
  std::vector<Task> batch = std::move(spare_);
  {
    std::lock_guard lock(mutex_);
    batch.swap(tasks_);
    if (closing) closed_ = true;
  }
  for (Task& task : batch) {
    task();
    task = nullptr;  // captured state goes now, not after the whole batch
  }
  const std::size_t ran = batch.size();
  batch.clear();
  spare_ = std::move(batch);
  return ran;
}

}  // namespace net
