// The simulated broker: the store script's semantics, and ordered links with latency.
#include "broker.hpp"

#include <algorithm>
#include <cassert>

#include "replica_oracle.hpp"

namespace lvt::sim::detail {

Broker::Broker(ReplicaContext& context, ReplicaOracle& oracle, int replicas)
    : context_(context), oracle_(oracle), links_(static_cast<std::size_t>(replicas)) {
  for (int i = 0; i < replicas; ++i) {
    links_[i].network = Rng(context.config.seed, "broker-link/" + std::to_string(i));
  }
}

// When a message sent now on a link's direction arrives: after the latency, and after what
// went before it on that direction.
std::uint64_t Broker::arrival(std::uint64_t& free_us, Link& link) {
  free_us = std::max(free_us, context_.now_us + context_.latency(link.network) / 4);
  return free_us;
}

void Broker::send_store(int replica, std::uint64_t request, StoreCommand command) {
  Link& link = links_[replica];
  assert(link.store_up);
  context_.schedule(
      arrival(link.store_to_broker_us, link),
      replica_event::StoreAtBroker{replica, link.store_epoch, request, std::move(command)});
}

void Broker::send_subscribe(int replica, const std::string& group, bool on) {
  Link& link = links_[replica];
  assert(link.bus_up);
  context_.schedule(arrival(link.bus_to_broker_us, link),
                    replica_event::SubscribeAtBroker{replica, link.bus_epoch, group, on});
}

void Broker::send_ping(int replica) {
  Link& link = links_[replica];
  assert(link.bus_up);
  context_.schedule(arrival(link.bus_to_broker_us, link),
                    replica_event::PingAtBroker{replica, link.bus_epoch});
}

void Broker::drop_links(int replica) {
  Link& link = links_[replica];
  if (link.store_up) ++link.store_epoch;
  link.store_up = false;
  drop_bus(replica);
}

void Broker::drop_bus(int replica) {
  Link& link = links_[replica];
  if (link.bus_up) ++link.bus_epoch;
  link.bus_up = false;
  link.subscribed.clear();  // Redis forgets a closed connection's subscriptions
  link.newest_delivered = SIZE_MAX;
}

void Broker::connect(int replica) {
  Link& link = links_[replica];
  if (!link.store_up) {
    link.store_up = true;
    ++link.store_epoch;
  }
  if (!link.bus_up) {
    link.bus_up = true;
    ++link.bus_epoch;
  }
}

// The store script, in one atomic step.
void Broker::on(const replica_event::StoreAtBroker& event) {
  Link& link = links_[event.replica];
  if (!link.store_up || link.store_epoch != event.link) return;  // lost with its link
  const StoreCommand& command = event.command;
  StoreReply reply;
  reply.ok = true;
  if (command.append) {
    const std::uint64_t id = std::max(next_id_counter_ + 1, command.read_after + 1);
    next_id_counter_ = id;
    if (!ids_handed_out_.insert(id).second) ++ids_repeated_;
    records_.push_back({id, command.user, command.text});
    reply.appended_id = id;
    const std::string group = command.publish.empty() ? std::string() : command.publish[0].group;
    oracle_.appended(records_.back(), group);
    for (const GroupAction& action : command.publish) {
      publishes_.push_back(action);
      for (int subscriber = 0; subscriber < static_cast<int>(links_.size()); ++subscriber) {
        const Link& other = links_[subscriber];
        if (other.bus_up && other.subscribed.contains(action.group)) {
          deliver(subscriber, publishes_.size() - 1, false);
        }
      }
    }
  }
  if (records_.size() > command.kept_max && command.kept_max > 0) {
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(
                                                            records_.size() - command.kept_max));
  }
  reply.newest_id = next_id_counter_;
  for (const LogRecord& record : records_) {
    if (record.id > command.read_after) reply.records.push_back(record);
  }
  context_.schedule(arrival(link.store_to_replica_us, link),
                    replica_event::StoreReplyAtReplica{event.replica, event.link, event.request,
                                                       std::move(reply)});
}

void Broker::deliver(int replica, std::size_t publish, bool duplicate) {
  Link& link = links_[replica];
  link.newest_delivered = publish;
  context_.schedule(arrival(link.bus_to_replica_us, link),
                    replica_event::BusAtReplica{replica, link.bus_epoch, publish, duplicate});
}

void Broker::on(const replica_event::SubscribeAtBroker& event) {
  Link& link = links_[event.replica];
  if (!link.bus_up || link.bus_epoch != event.link) return;
  if (!event.on) {
    link.subscribed.erase(event.group);
    return;
  }
  link.subscribed.insert(event.group);
  context_.schedule(arrival(link.bus_to_replica_us, link),
                    replica_event::SubscribedAtReplica{event.replica, event.link, event.group});
}

void Broker::on(const replica_event::PingAtBroker& event) {
  Link& link = links_[event.replica];
  if (!link.bus_up || link.bus_epoch != event.link) return;
  context_.schedule(arrival(link.bus_to_replica_us, link),
                    replica_event::PongAtReplica{event.replica, event.link});
}

void Broker::restart() {
  ++context_.coverage["broker-restart"];
  for (int replica = 0; replica < static_cast<int>(links_.size()); ++replica) {
    drop_links(replica);
  }
  if (context_.config.broker_persistent) return;
  ++context_.coverage["broker-data-lost"];
  records_.clear();
  next_id_counter_ = 0;
  oracle_.store_data_lost();
}

void Broker::deliver_again(int replica) {
  const Link& link = links_[replica];
  if (!link.bus_up || link.newest_delivered == SIZE_MAX) return;
  ++context_.coverage["duplicate-delivery"];
  deliver(replica, link.newest_delivered, true);
}

}  // namespace lvt::sim::detail
