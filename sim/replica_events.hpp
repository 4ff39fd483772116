// The events of the replicas' world (SimConfig::replicas > 0): one struct per kind, as in
// events.hpp. `link` ties an event to one connection of a replica's store or bus link to the
// broker: an event of a link that failed since is void. `generation` ties an event to one
// connection attempt of a tab.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "context.hpp"
#include "frame.hpp"
#include "page_text.hpp"
#include "replica.hpp"

namespace lvt::sim::detail {
namespace replica_event {

struct Workload {};

// --- between tabs and replicas ------------------------------------------------------------------
struct SocketOpen {  // a tab's WebSocket upgrade reaches its replica
  int tab = 0;
  std::uint64_t generation = 0;
};
struct FrameToServer {
  int tab = 0;
  std::uint64_t generation = 0;
  std::string payload = {};
  bool join = false;  // a join, as the oracle takes it: the name the tab joins with
  std::string name = {};
};
struct FrameToTab {
  int tab = 0;
  std::uint64_t generation = 0;
  Frame payload = {};
  // What the oracle says the tab shows once it applied the frame: its view of `log`, the
  // replica's cache as the oracle keeps it when the frame was made.
  model::View expected = {};
  std::shared_ptr<const std::vector<model::Message>> log = {};
};
struct SocketClosed {  // the replica's end went away (it crashed, or was down at the upgrade)
  int tab = 0;
  std::uint64_t generation = 0;
};
struct TabReconnect {  // the client's retry after its socket closed, at another replica
  int tab = 0;
  std::uint64_t generation = 0;
};
struct Dispatch {  // the replica runs a waiting broadcast on a tab's connection
  int replica = 0;
  int tab = 0;
  std::uint64_t generation = 0;
};

// --- between replicas and the broker ------------------------------------------------------------
struct StoreAtBroker {
  int replica = 0;
  std::uint64_t link = 0;
  std::uint64_t request = 0;
  StoreCommand command = {};
};
struct StoreReplyAtReplica {
  int replica = 0;
  std::uint64_t link = 0;
  std::uint64_t request = 0;
  StoreReply reply = {};
};
struct SubscribeAtBroker {
  int replica = 0;
  std::uint64_t link = 0;
  std::string group = {};
  bool on = true;
};
struct SubscribedAtReplica {  // the broker's confirmation of a SUBSCRIBE
  int replica = 0;
  std::uint64_t link = 0;
  std::string group = {};
};
struct PingAtBroker {  // sent after the SUBSCRIBEs of a reconnect: its pong says they hold
  int replica = 0;
  std::uint64_t link = 0;
};
struct PongAtReplica {
  int replica = 0;
  std::uint64_t link = 0;
};
struct BusAtReplica {  // a published broadcast reaches a subscriber
  int replica = 0;
  std::uint64_t link = 0;
  std::size_t publish = 0;  // its index in the broker's publishes
  bool duplicate = false;   // the broker's second delivery of it (a fault)
};
struct LinkBack {  // a replica's failed links connect again
  int replica = 0;
};
struct ReplicaBack {  // a crashed replica starts again
  int replica = 0;
};

}  // namespace replica_event

using ReplicaEvent =
    std::variant<replica_event::Workload, replica_event::SocketOpen, replica_event::FrameToServer,
                 replica_event::FrameToTab, replica_event::SocketClosed,
                 replica_event::TabReconnect, replica_event::Dispatch, replica_event::StoreAtBroker,
                 replica_event::StoreReplyAtReplica, replica_event::SubscribeAtBroker,
                 replica_event::SubscribedAtReplica, replica_event::PingAtBroker,
                 replica_event::PongAtReplica, replica_event::BusAtReplica, replica_event::LinkBack,
                 replica_event::ReplicaBack>;

using ReplicaContext = WorldContext<ReplicaEvent>;

// The replicas' world, run from run_scenario when the config has replicas.
RunResult run_replica_world(const Scenario& scenario, const RunOptions& options);

}  // namespace lvt::sim::detail
