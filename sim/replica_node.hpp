// One replica of the replicas' world: an engine from server/engine in replica mode with the demo
// apps, its tabs' connections, and its client side of the broker's links (server/net's
// ReplicaLinks, restated on the virtual clock): store round trips answered with an error when
// their link fails, the bus's subscriptions kept while the link is up and sent again when it
// comes back, a PING after them whose answer starts the heal, a catch-up once a new
// subscription holds. It crashes (every socket closes) and starts again with a new instance id.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "demo_apps.hpp"
#include "engine.hpp"
#include "replica_events.hpp"
#include "replica_oracle.hpp"

namespace lvt::sim::detail {

class Broker;
class ReplicaTabs;

class ReplicaNode {
 public:
  ReplicaNode(ReplicaContext& context, ReplicaOracle& oracle, Broker& broker, ReplicaTabs& tabs,
              int index);

  bool running() const { return engine_ != nullptr; }
  const Engine& engine() const { return *engine_; }
  Engine& engine() { return *engine_; }

  // --- faults ------------------------------------------------------------------------------------
  void crash(std::uint64_t down_us);
  void start();
  void links_failed();  // its store and bus links just failed: what is in flight fails
  void bus_failed();
  void links_back();  // its links connected again: subscribe again, then heal on the pong

  // --- a tab's socket
  // -----------------------------------------------------------------------------
  void on(const replica_event::SocketOpen& event);
  void on(const replica_event::FrameToServer& event);
  void on(const replica_event::Dispatch& event);
  void disconnect(int tab);  // the client closed its socket

  // --- the broker's side ------------------------------------------------------------------------
  void on(const replica_event::StoreReplyAtReplica& event);
  void on(const replica_event::SubscribedAtReplica& event);
  void on(const replica_event::PongAtReplica& event);
  void on(const replica_event::BusAtReplica& event);

 private:
  struct End {  // a tab's connection on this replica
    std::shared_ptr<Connection> connection;
    std::uint64_t generation = 0;
    bool dispatch_scheduled = false;
  };
  struct Pending {  // a store round trip out
    std::function<void(const StoreReply&)> resume;
    StoreTag tag;
  };

  void ask_store(StoreCommand command, StoreTag tag, std::function<void(const StoreReply&)> resume);
  void apply(Effects effects, const StoreTag& tag, int tab, StoreTag next);
  void send_frame(int tab, Frame frame);
  void opened(int tab, std::uint64_t generation, ConnectResult result);
  void want(const std::string& group, bool subscribe);

  ReplicaContext& context_;
  ReplicaOracle& oracle_;
  Broker& broker_;
  ReplicaTabs& tabs_;
  const int index_;
  Rng random_;  // the engine's random bytes and the dispatch delays
  int starts_ = 0;
  std::unique_ptr<Engine> engine_;
  DemoApps apps_;
  std::map<int, End> ends_;  // by tab
  std::unordered_map<const Connection*, int> tab_of_;
  std::map<std::uint64_t, Pending> in_flight_;  // by request
  std::uint64_t next_request_ = 0;
  std::set<std::string> groups_;  // the groups the engine wants subscriptions for
  bool heal_after_pong_ = false;
};

}  // namespace lvt::sim::detail
