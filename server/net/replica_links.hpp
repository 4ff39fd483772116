// A replica's two links to Redis (replica_links.cpp): one for the shared store, whose
// commands are pipelined and answered in order, and one subscribed to the groups that have
// local connections. Both reconnect with a bounded backoff; after a loss the engine heals.
// Include only from the net layer's translation units.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine.hpp"
#include "redis_url.hpp"

namespace boost::asio {
class io_context;
}

namespace lvt::net {

struct Shared;

class ReplicaLinks {
 public:
  // Connects once, synchronously, and loads the store script: throws std::runtime_error
  // saying what failed when Redis cannot be reached at start.
  ReplicaLinks(boost::asio::io_context& io, redis::RedisAddress address);
  ~ReplicaLinks();
  ReplicaLinks(const ReplicaLinks&) = delete;
  ReplicaLinks& operator=(const ReplicaLinks&) = delete;

  // Where deliveries and heals go; the links hold it weakly.
  void start(const std::shared_ptr<Shared>& shared);
  void stop();
  // Any thread: runs the command; `done` is called once, on the link's strand (post it on).
  void ask_store(const StoreCommand& command, std::function<void(StoreReply)> done);
  // The engine's bus_subscription (any thread, under the engine's lock): queued, in order.
  void want(const std::string& group, bool subscribe);
  // A write no one waits for (a group's persisted fields): queued, whatever strand calls it;
  // its reply goes to the engine's session_written.
  void write(StoreCommand command);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lvt::net
