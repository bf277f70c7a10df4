#include "ws/blocking_client.hpp"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "net/event_loop.hpp"
#include "ws/client.hpp"

namespace ws {

struct BlockingClient::Shared {
  std::mutex mutex;
  std::condition_variable changed;
  // Guarded by mutex:
  std::deque<Received> inbox;
  bool opened = false;
  bool ended = false;  // closed, or the dial failed
  Received close_event;
  DialFailure failure;
  std::uint64_t pongs = 0;
  std::string subprotocol;
  // The loop's thread only, after construction:
  std::unique_ptr<Client> client;
  // Set before the thread starts, then only read:
  std::unique_ptr<net::EventLoop> loop;
  std::thread thread;
  std::chrono::milliseconds close_timeout{};

  template <class F>
  void update(F&& change) {
    {
      std::lock_guard lock(mutex);
      change();
    }
    changed.notify_all();
  }
};

namespace {

ClientHandlers handlers_for(const std::shared_ptr<BlockingClient::Shared>& shared) {
  BlockingClient::Shared* s = shared.get();  // the loop's thread ends before Shared does
  ClientHandlers handlers;
  handlers.on_open = [s](Client& client) {
    s->update([&] {
      s->opened = true;
      s->subprotocol = client.subprotocol();
    });
  };
  handlers.on_message = [s](Client&, const Message& message) {
    Received received;
    received.kind = Received::Kind::message;
    received.opcode = message.opcode;
    received.data.assign(message.text());
    s->update([&] { s->inbox.push_back(std::move(received)); });
  };
  handlers.on_pong = [s](Client&, std::span<const std::uint8_t>) {
    s->update([&] { ++s->pongs; });
  };
  handlers.on_close = [s](Client&, std::uint16_t code, std::string_view reason) {
    s->update([&] {
      s->ended = true;
      s->close_event =
          Received{Received::Kind::closed, Opcode::close, {}, code, std::string(reason)};
    });
  };
  handlers.on_error = [s](Client&, const DialFailure& failure) {
    s->update([&] {
      s->ended = true;
      s->failure = failure;
    });
  };
  return handlers;
}

}  // namespace

std::unique_ptr<BlockingClient> BlockingClient::connect(std::string_view url,
                                                        ClientOptions options) {
  auto shared = std::make_shared<Shared>();
  options.reconnect.enabled = false;
  shared->close_timeout = options.close_timeout;
  shared->loop =
      std::make_unique<net::EventLoop>(net::UniqueFd{}, nullptr, net::EventLoop::Options{});
  shared->loop->defer([s = shared.get(), url = std::string(url), options = std::move(options),
                       handlers = handlers_for(shared)]() mutable {
    try {
      s->client = Client::dial(*s->loop, url, std::move(options), std::move(handlers));
    } catch (const std::exception& error) {
      s->update([&] {
        s->ended = true;
        s->failure = DialFailure{error.what(), 0, false};
      });
    }
  });
  shared->thread = std::thread([s = shared.get()] { s->loop->run(); });
  auto client = std::unique_ptr<BlockingClient>(new BlockingClient(shared));
  std::unique_lock lock(shared->mutex);
  shared->changed.wait(lock, [&] { return shared->opened || shared->ended; });
  if (!shared->opened) {
    const DialFailure failure = shared->failure;
    lock.unlock();
    throw DialError(failure.reason, failure.status);  // ~BlockingClient stops the loop
  }
  return client;
}

BlockingClient::BlockingClient(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

BlockingClient::~BlockingClient() {
  bool open;
  {
    std::lock_guard lock(shared_->mutex);
    open = shared_->opened && !shared_->ended;
  }
  if (open) close();
  Shared* s = shared_.get();
  s->loop->defer([s] { s->client.reset(); });
  s->loop->request_stop();
  s->thread.join();
}

// Runs `task` on the loop's thread and waits for its answer; false if the
// loop has stopped.
bool BlockingClient::run_on_loop(std::function<bool()> task) {
  std::promise<bool> answer;
  std::future<bool> result = answer.get_future();
  const bool queued = shared_->loop->defer([&answer, task = std::move(task), s = shared_.get()] {
    answer.set_value(s->client && task());
  });
  return queued && result.get();
}

bool BlockingClient::send(std::string_view data, Opcode opcode) {
  return run_on_loop([&] {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    return shared_->client->send({bytes, data.size()}, opcode) != SendResult::dropped;
  });
}

bool BlockingClient::ping(std::string_view payload) {
  return run_on_loop([&] {
    const auto* data = reinterpret_cast<const std::uint8_t*>(payload.data());
    return shared_->client->ping({data, payload.size()}) != SendResult::dropped;
  });
}

Received BlockingClient::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  shared_->changed.wait_for(lock, timeout,
                            [&] { return !shared_->inbox.empty() || shared_->ended; });
  if (!shared_->inbox.empty()) {
    Received next = std::move(shared_->inbox.front());
    shared_->inbox.pop_front();
    return next;
  }
  if (shared_->ended) return shared_->close_event;
  return Received{};
}

std::uint64_t BlockingClient::pongs() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->pongs;
}

std::string BlockingClient::subprotocol() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->subprotocol;
}

Received BlockingClient::close(std::uint16_t code, std::string_view reason) {
  run_on_loop([&] {
    shared_->client->close(code, reason);
    return true;
  });
  std::unique_lock lock(shared_->mutex);
  // The server's answer, or close_timeout and the drop (1006), with room to spare.
  shared_->changed.wait_for(lock, shared_->close_timeout + std::chrono::seconds(1),
                            [&] { return shared_->ended; });
  return shared_->ended ? shared_->close_event : Received{};
}

}  // namespace ws
