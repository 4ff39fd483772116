// The simulated broker: the shared store and its Pub/Sub bus, as one Redis with lvtlab's
// store script behaves (server/redis/store_script.cpp): appends take the next id (never at or
// below the appender's newest), trim to the newest kept, publish only once stored, and read
// back what is newer than the replica's cache, in one step. Each replica has a store link and a
// bus link; each link's messages keep their order and take the network's latency. Its faults:
// a replica's links cut, its bus link alone lost, a restart that drops every link (and, without
// persistence, the data), a broadcast delivered twice.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "replica_events.hpp"

namespace lvt::sim::detail {

class ReplicaOracle;

class Broker {
 public:
  Broker(ReplicaContext& context, ReplicaOracle& oracle, int replicas);

  // --- a replica's links, as the replica's client sees them -------------------------------------
  bool store_up(int replica) const { return links_[replica].store_up; }
  bool bus_up(int replica) const { return links_[replica].bus_up; }
  std::uint64_t store_link(int replica) const { return links_[replica].store_epoch; }
  std::uint64_t bus_link(int replica) const { return links_[replica].bus_epoch; }
  void send_store(int replica, std::uint64_t request, StoreCommand command);
  void send_subscribe(int replica, const std::string& group, bool on);
  void send_ping(int replica);
  // Both links of the replica fail (it crashed, or the network between them did); they come
  // back with connect().
  void drop_links(int replica);
  void drop_bus(int replica);
  void connect(int replica);  // every failed link of the replica connects again

  // --- what reaches the broker -----------------------------------------------------------------
  void on(const replica_event::StoreAtBroker& event);
  void on(const replica_event::SubscribeAtBroker& event);
  void on(const replica_event::PingAtBroker& event);

  // --- faults ------------------------------------------------------------------------------------
  void restart();                   // every link drops; the data stays only when persistent
  void deliver_again(int replica);  // the newest publish it delivered the replica, once more

  // --- what the checks read ---------------------------------------------------------------------
  const GroupAction& publish(std::size_t index) const { return publishes_[index]; }
  const std::set<std::string>& subscriptions(int replica) const {
    return links_[replica].subscribed;
  }
  int ids_repeated() const { return ids_repeated_; }

 private:
  struct Link {
    bool store_up = true, bus_up = true;
    std::uint64_t store_epoch = 1, bus_epoch = 1;
    std::set<std::string> subscribed;  // groups, on the bus link
    Rng network{0, ""};
    // Each direction of each link keeps its order.
    std::uint64_t store_to_broker_us = 0, store_to_replica_us = 0;
    std::uint64_t bus_to_broker_us = 0, bus_to_replica_us = 0;
    std::size_t newest_delivered = SIZE_MAX;  // a publish's index
  };
  std::uint64_t arrival(std::uint64_t& free_us, Link& link);
  void deliver(int replica, std::size_t publish, bool duplicate);

  ReplicaContext& context_;
  ReplicaOracle& oracle_;
  std::vector<Link> links_;
  std::vector<LogRecord> records_;  // the kept log, ascending ids
  std::uint64_t next_id_counter_ = 0;
  std::vector<GroupAction> publishes_;
  std::set<std::uint64_t> ids_handed_out_;  // over every restart, for ids handed out twice
  int ids_repeated_ = 0;
};

}  // namespace lvt::sim::detail
