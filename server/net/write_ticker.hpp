// The shard's clock for sockets that hold their writes (serve --write-delay-ms): a socket with
// bytes waiting joins the next tick once, and at the tick every socket that joined writes. One
// timer per shard, not one per socket, so holding writes costs no timer work per connection.
// Trading latency for fewer system calls is opt-in; by default sockets write at once.
// An Asio service of the shard's io_context: it stops with it, and it is used only from the
// shard's one thread. Include only in websocket_session.cpp (through corked_stream.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "net_internal.hpp"

namespace lvt::net {

class WriteTicker : public asio::execution_context::service {
 public:
  // What a tick calls.
  class Target {
   public:
    virtual void on_tick() = 0;

   protected:
    ~Target() = default;
  };

  static inline asio::execution_context::id id;

  explicit WriteTicker(asio::execution_context& shard)
      : service(shard), timer_(static_cast<asio::io_context&>(shard).get_executor()) {}

  // `target` is called at the tick, at most `delay` from now, if `owner` still lives then.
  void join(std::weak_ptr<void> owner, Target& target, std::chrono::milliseconds delay) {
    waiting_.push_back({std::move(owner), &target});
    if (armed_) return;
    armed_ = true;
    timer_.expires_after(delay);
    timer_.async_wait([this](beast::error_code error) {
      if (!error) tick();
    });
  }

 private:
  struct Waiting {
    std::weak_ptr<void> owner;
    Target* target;
  };

  void tick() {
    armed_ = false;
    std::vector<Waiting> due;
    due.swap(waiting_);  // a target that joins again waits for the next tick
    for (const Waiting& waiting : due) {
      if (const auto alive = waiting.owner.lock()) waiting.target->on_tick();
    }
  }

  void shutdown() override {
    waiting_.clear();
    timer_.cancel();
  }

  ShardTimer timer_;
  std::vector<Waiting> waiting_;  // at most one entry per socket of the shard (each joins once)
  bool armed_ = false;
};

}  // namespace lvt::net
