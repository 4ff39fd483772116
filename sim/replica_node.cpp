// One replica: its engine, its tabs' connections, and its client side of the broker's links.
#include "replica_node.hpp"

#include <cassert>
#include <utility>

#include "broker.hpp"
#include "clients.hpp"
#include "dispatch.hpp"
#include "engine_config.hpp"
#include "replica_tabs.hpp"

namespace lvt::sim::detail {

ReplicaNode::ReplicaNode(ReplicaContext& context, ReplicaOracle& oracle, Broker& broker,
                         ReplicaTabs& tabs, int index)
    : context_(context),
      oracle_(oracle),
      broker_(broker),
      tabs_(tabs),
      index_(index),
      random_(context.config.seed, "replica/" + std::to_string(index)) {
  start();
}

void ReplicaNode::start() {
  assert(!running());
  ++starts_;
  const SimConfig& config = context_.config;
  EngineConfig engine_config = engine_config_of(config);
  engine_config.replica.enabled = true;
  engine_config.replica.instance_id =
      "replica-" + std::to_string(index_) + "-start-" + std::to_string(starts_);
  engine_config.replica.heal = config.heal;
  EngineEnv env;
  env.now_us = [this] { return context_.now_us; };
  env.fill_random = [this](unsigned char* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>(random_.next());
  };
  env.bus_subscription = [this](const std::string& group, bool subscribe) {
    want(group, subscribe);
  };
  oracle_.replica_started(index_, engine_config.replica.instance_id);
  engine_ = std::make_unique<Engine>(engine_config, env);
  apps_ = add_demo_apps(*engine_, DemoAppsConfig{config.log_messages_max, config.log_window});
  broker_.connect(index_);
}

// --- faults --------------------------------------------------------------------------------------
void ReplicaNode::crash(std::uint64_t down_us) {
  if (!running()) return;
  ++context_.coverage["replica-crash"];
  oracle_.check_metrics(index_, engine_->metrics());  // of the engine about to go
  for (const auto& [tab, end] : ends_) {
    oracle_.closed(tab);
    tabs_.server_closed(tab, end.generation);
  }
  tabs_.replica_crashed(index_);
  ends_.clear();
  tab_of_.clear();
  in_flight_.clear();  // their engine goes: nothing resumes them
  groups_.clear();
  heal_after_pong_ = false;
  broker_.drop_links(index_);
  engine_.reset();
  oracle_.replica_stopped(index_);
  context_.schedule(context_.now_us + down_us, replica_event::ReplicaBack{index_});
}

// What was in flight on a failed store link is answered with an error, as the Redis client does.
void ReplicaNode::links_failed() {
  heal_after_pong_ = false;
  if (!running()) return;
  std::map<std::uint64_t, Pending> failed = std::exchange(in_flight_, {});
  for (auto& [request, pending] : failed) {
    StoreReply reply;
    reply.error = "the store link failed";
    oracle_.reply(index_, pending.tag, reply);
    pending.resume(reply);
  }
}

void ReplicaNode::bus_failed() {
  heal_after_pong_ = false;
}

// Subscribe again to every group it serves; the PING after them answers once they hold.
void ReplicaNode::links_back() {
  if (!running()) return;
  for (const std::string& group : groups_) broker_.send_subscribe(index_, group, true);
  heal_after_pong_ = true;
  broker_.send_ping(index_);
}

// --- the store -----------------------------------------------------------------------------------
void ReplicaNode::ask_store(StoreCommand command, StoreTag tag,
                            std::function<void(const StoreReply&)> resume) {
  const std::uint64_t request = ++next_request_;
  if (!broker_.store_up(index_)) {  // refused at once: the link is down
    StoreReply reply;
    reply.error = "the store link is down";
    oracle_.reply(index_, tag, reply);
    return resume(reply);
  }
  in_flight_.emplace(request, Pending{std::move(resume), std::move(tag)});
  broker_.send_store(index_, request, std::move(command));
}

void ReplicaNode::on(const replica_event::StoreReplyAtReplica& event) {
  const auto found = in_flight_.find(event.request);
  if (!running() || event.link != broker_.store_link(index_) || found == in_flight_.end()) {
    // The link failed after the broker ran the command: stored, yet answered with an error.
    if (event.reply.appended_id != 0) ++context_.coverage["ambiguous-append"];
    return;
  }
  Pending pending = std::move(found->second);
  in_flight_.erase(found);
  oracle_.reply(index_, pending.tag, event.reply);
  pending.resume(event.reply);
}

// Wakes what the effects wake, sends their frames to `tab`, and follows a store wait, whose
// reply is judged as `next`.
void ReplicaNode::apply(Effects effects, const StoreTag& tag, int tab, StoreTag next) {
  std::set<int> woken;
  for (const auto& connection : effects.wake) {
    if (const auto found = tab_of_.find(connection.get()); found != tab_of_.end()) {
      woken.insert(found->second);
    }
  }
  std::set<int> waiting;
  for (const auto& [end_tab, end] : ends_) {
    if (end.connection->dispatch_jobs_waiting() > 0) waiting.insert(end_tab);
  }
  oracle_.check_wake(index_, tag, woken, waiting);
  for (Frame& frame : effects.frames) send_frame(tab, std::move(frame));
  for (const int woken_tab : woken) {
    End& end = ends_.at(woken_tab);
    if (end.dispatch_scheduled) continue;
    end.dispatch_scheduled = true;
    context_.schedule(context_.now_us + random_.below(context_.config.dispatch_delay_us_max + 1),
                      replica_event::Dispatch{index_, woken_tab, end.generation});
  }
  if (!effects.store) return;
  std::shared_ptr<StoreWait<Effects>> wait = std::move(effects.store);
  ask_store(wait->command, next, [this, wait, tab, next](const StoreReply& reply) {
    apply(wait->resume(reply), next, tab, next);
  });
}

// --- a tab's socket ------------------------------------------------------------------------------
void ReplicaNode::on(const replica_event::SocketOpen& event) {
  if (!tabs_.connecting(event.tab, event.generation)) return;
  if (!running()) return tabs_.server_closed(event.tab, event.generation);  // refused
  ConnectResult result =
      engine_->connect({std::string(path_of(model::Page::broadcasting)), "127.0.0.1:8080",
                        "http://127.0.0.1:8080", tabs_.cookie_of(event.tab)});
  if (!result.store) return opened(event.tab, event.generation, std::move(result));
  std::shared_ptr<StoreWait<ConnectResult>> wait = std::move(result.store);
  ask_store(wait->command, {StoreTag::Kind::mount, event.tab},
            [this, wait, tab = event.tab, generation = event.generation](const StoreReply& reply) {
              opened(tab, generation, wait->resume(reply));
            });
}

void ReplicaNode::opened(int tab, std::uint64_t generation, ConnectResult result) {
  assert(result.connection);
  if (!tabs_.connecting(tab, generation)) {  // the client gave up on it meanwhile
    engine_->disconnect(*result.connection);
    return;
  }
  ends_[tab] = End{result.connection, generation, false};
  tab_of_[result.connection.get()] = tab;
  oracle_.opened(index_, tab, tabs_.group_of(tab));
  tabs_.socket_opened(tab);
  ++context_.tab_events;
  send_frame(tab, std::move(result.first_frame));
}

void ReplicaNode::disconnect(int tab) {
  const auto found = ends_.find(tab);
  if (found == ends_.end()) return;
  engine_->disconnect(*found->second.connection);
  tab_of_.erase(found->second.connection.get());
  ends_.erase(found);
  oracle_.closed(tab);
}

void ReplicaNode::on(const replica_event::FrameToServer& event) {
  const auto found = ends_.find(event.tab);
  if (found == ends_.end() || found->second.generation != event.generation) return;
  ++context_.tab_events;
  // The transport reads no frame while the connection waits for the store; the tab sends one
  // action at a time, so none comes then.
  assert(!found->second.connection->awaiting_store());
  Effects effects = engine_->receive(*found->second.connection, event.payload);
  if (event.join) oracle_.joined(event.tab, event.name);
  apply(std::move(effects), StoreTag{}, event.tab, StoreTag{StoreTag::Kind::send, event.tab});
}

void ReplicaNode::on(const replica_event::Dispatch& event) {
  const auto found = ends_.find(event.tab);
  if (found == ends_.end() || found->second.generation != event.generation) return;
  End& end = found->second;
  end.dispatch_scheduled = false;
  const std::shared_ptr<Connection> connection = end.connection;
  if (connection->dispatch_jobs_waiting() == 0) return;
  ++context_.coverage["deliver"];
  Effects effects = dispatch_counting_shared(*engine_, *connection, context_.coverage);
  oracle_.dispatched(event.tab);
  apply(std::move(effects), StoreTag{}, event.tab, StoreTag{});
  if (ends_.contains(event.tab) && connection->dispatch_jobs_waiting() > 0) {
    ends_.at(event.tab).dispatch_scheduled = true;
    context_.schedule(context_.now_us + random_.below(context_.config.dispatch_delay_us_max + 1),
                      replica_event::Dispatch{index_, event.tab, event.generation});
  }
}

void ReplicaNode::send_frame(int tab, Frame frame) {
  const auto found = ends_.find(tab);
  if (found == ends_.end()) return;
  tabs_.deliver(oracle_.frame_for(tab, found->second.generation, std::move(frame)));
}

// --- the bus -------------------------------------------------------------------------------------
// Called by the engine under its registry lock: queue, never call the engine back.
void ReplicaNode::want(const std::string& group, bool subscribe) {
  if (subscribe ? !groups_.insert(group).second : groups_.erase(group) == 0) return;
  if (broker_.bus_up(index_)) broker_.send_subscribe(index_, group, subscribe);
}

void ReplicaNode::on(const replica_event::SubscribedAtReplica& event) {
  if (!running() || event.link != broker_.bus_link(index_)) return;
  // After a reconnect the heal refreshes every group; otherwise catch up on this one.
  if (heal_after_pong_ || !groups_.contains(event.group)) return;
  Effects effects = engine_->bus_subscribed(event.group);
  if (context_.config.heal && !effects.store) oracle_.missing_read(index_, "a catch-up");
  if (effects.store) ++context_.coverage["catch-up"];
  apply(std::move(effects), StoreTag{}, -1,
        StoreTag{StoreTag::Kind::catch_up_read, -1, event.group});
}

void ReplicaNode::on(const replica_event::PongAtReplica& event) {
  if (!running() || event.link != broker_.bus_link(index_) || !heal_after_pong_) return;
  heal_after_pong_ = false;
  oracle_.reconnected(index_);
  Effects effects = engine_->replica_reconnected();
  if (!effects.store) oracle_.missing_read(index_, "the reconnect's read");
  if (context_.config.heal) ++context_.coverage["heal"];
  apply(std::move(effects), StoreTag{}, -1, StoreTag{StoreTag::Kind::heal_read});
}

void ReplicaNode::on(const replica_event::BusAtReplica& event) {
  if (!running() || event.link != broker_.bus_link(index_)) return;  // lost with its link
  const GroupAction& action = broker_.publish(event.publish);
  oracle_.heard(index_, action, event.duplicate);
  apply(engine_->bus_delivered(action), StoreTag{}, -1, StoreTag{StoreTag::Kind::bus_read});
}

}  // namespace lvt::sim::detail
