// The replicas' world: its event loop, and the workload's steps routed to its parts: the tabs,
// the replicas, the broker, and the oracle that judges them.
#include <cassert>
#include <deque>
#include <type_traits>

#include "broker.hpp"
#include "replica_node.hpp"
#include "replica_oracle.hpp"
#include "replica_tabs.hpp"
#include "trace_hash.hpp"

namespace lvt::sim::detail {
namespace {

// The timeline's name for an event's kind, by its index in ReplicaEvent.
constexpr const char* replica_event_kinds[] = {
    "step",     "socket-open",   "frame-to-server", "frame-to-client", "socket-closed", "reconnect",
    "dispatch", "store-command", "store-reply",     "subscribe",       "subscribed",    "ping",
    "pong",     "bus-delivery",  "links-back",      "replica-back"};
static_assert(std::size(replica_event_kinds) == std::variant_size_v<ReplicaEvent>);

class ReplicaWorld {
 public:
  ReplicaWorld(const Scenario& scenario, const RunOptions& options)
      : options_(options),
        context_(scenario.config, scenario.steps),
        oracle_(context_, scenario.config.replicas),
        broker_(context_, oracle_, scenario.config.replicas),
        tabs_(context_, oracle_),
        links_down_until_us_(static_cast<std::size_t>(scenario.config.replicas), 0) {
    assert(scenario.config.replicas >= 1);
    for (int i = 0; i < scenario.config.replicas; ++i) {
      replicas_.emplace_back(context_, oracle_, broker_, tabs_, i);
    }
    oracle_.connect_to(broker_);
    tabs_.connect_to(replicas_);
  }

  RunResult run() {
    const SimConfig& config = context_.config;
    context_.schedule(0, replica_event::Workload{});
    while (!context_.queue.empty()) {
      if (context_.events >= config.events_max()) {
        context_.fail("convergence", "the run did not quiesce within " +
                                         std::to_string(config.events_max()) + " events");
        return finish();
      }
      auto [time_us, event] = context_.queue.pop();
      assert(time_us >= context_.now_us);
      context_.now_us = time_us;
      trace_hash_ = traced(trace_hash_, time_us, event);
      ++context_.events;
      const std::size_t steps_before = context_.steps_done;
      std::visit([this](const auto& e) { handle(e); }, event);
      if (options_.timeline_events_max > 0) record(time_us, event, steps_before);
    }
    std::vector<bool> running;
    for (ReplicaNode& replica : replicas_) {
      running.push_back(replica.running());
      if (replica.running())
        oracle_.check_metrics(static_cast<int>(running.size()) - 1, replica.engine().metrics());
    }
    oracle_.check_quiescence(tabs_.open_tabs(), running);
    return finish();
  }

 private:
  RunResult finish() {
    tabs_.count_range_ops();
    RunResult result = context_.result(trace_hash_);
    result.ids_repeated = broker_.ids_repeated();
    result.timeline = std::move(timeline_);
    result.timeline_cut = timeline_cut_;
    return result;
  }

  void record(std::uint64_t time_us, const ReplicaEvent& event, std::size_t steps_before) {
    if (timeline_.size() >= options_.timeline_events_max) {
      timeline_cut_ = true;
      return;
    }
    TimelineEvent entry;
    entry.index = context_.events;
    entry.time_us = time_us;
    entry.kind = replica_event_kinds[event.index()];
    std::visit(
        [&](const auto& e) {
          if constexpr (requires { e.tab; }) entry.lane = e.tab;
          if constexpr (requires { e.payload; }) {
            entry.text = payload_text(e.payload);
            cut_for_timeline(entry.text);
          }
          if constexpr (requires { e.replica; }) {
            entry.at_server = true;
            if (entry.text.empty()) entry.text = "replica " + std::to_string(e.replica);
          }
        },
        event);
    if (std::holds_alternative<replica_event::Workload>(event)) {
      if (context_.steps_done == steps_before) return;  // the end of the workload
      const Step& step = context_.steps[steps_before];
      nlohmann::json fields = step_to_json(step);
      fields.erase("think_us");
      entry.lane = fields.contains("tab") ? step.tab : -1;
      entry.text = "step " + std::to_string(steps_before + 1) + ": " +
                   fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    timeline_.push_back(std::move(entry));
  }

  ReplicaNode& replica(int index) { return replicas_[static_cast<std::size_t>(index)]; }
  int replica_of(const Step& step) const { return step.replica % context_.config.replicas; }

  void handle(const replica_event::Workload&) { step(); }
  void handle(const replica_event::SocketOpen& e) { replica(tab_replica(e.tab)).on(e); }
  void handle(const replica_event::FrameToServer& e) { replica(tab_replica(e.tab)).on(e); }
  void handle(const replica_event::FrameToTab& e) { tabs_.on(e); }
  void handle(const replica_event::SocketClosed& e) { tabs_.on(e); }
  void handle(const replica_event::TabReconnect& e) { tabs_.on(e); }
  void handle(const replica_event::Dispatch& e) { replica(e.replica).on(e); }
  void handle(const replica_event::StoreAtBroker& e) { broker_.on(e); }
  void handle(const replica_event::StoreReplyAtReplica& e) { replica(e.replica).on(e); }
  void handle(const replica_event::SubscribeAtBroker& e) { broker_.on(e); }
  void handle(const replica_event::SubscribedAtReplica& e) { replica(e.replica).on(e); }
  void handle(const replica_event::PingAtBroker& e) { broker_.on(e); }
  void handle(const replica_event::PongAtReplica& e) { replica(e.replica).on(e); }
  void handle(const replica_event::BusAtReplica& e) { replica(e.replica).on(e); }
  void handle(const replica_event::LinkBack& e) {
    if (context_.now_us < links_down_until_us_[e.replica] || !replica(e.replica).running()) return;
    if (broker_.store_up(e.replica) && broker_.bus_up(e.replica)) return;
    broker_.connect(e.replica);
    replica(e.replica).links_back();
  }
  void handle(const replica_event::ReplicaBack& e) {
    if (!replica(e.replica).running()) replica(e.replica).start();
  }
  int tab_replica(int tab) const { return tabs_.replica_of(tab); }

  // Its links fail now and come back after `down_us` (at the earliest).
  void links_down(int index, std::uint64_t down_us, bool bus_only) {
    if (!replica(index).running()) return;
    if (bus_only) {
      broker_.drop_bus(index);
      replica(index).bus_failed();
    } else {
      broker_.drop_links(index);
      replica(index).links_failed();
    }
    std::uint64_t& until = links_down_until_us_[index];
    until = std::max(until, context_.now_us + down_us);
    context_.schedule(until, replica_event::LinkBack{index});
  }

  void step() {
    if (context_.workload_done()) {
      context_.workload_done_us = context_.now_us;
      return;
    }
    const Step& step = context_.steps[context_.steps_done++];
    const bool open = tabs_.exists(step.tab);
    switch (step.op) {
      case Step::Op::open:
        tabs_.open(step.browser, replica_of(step));
        break;
      case Step::Op::join:
        if (open) tabs_.join(step.tab, step.text);
        break;
      case Step::Op::send:
        if (open) tabs_.send(step.tab, step.text);
        break;
      case Step::Op::close:
        if (open) tabs_.close(step.tab);
        break;
      case Step::Op::reconnect:
        if (open) tabs_.reconnect(step.tab);
        break;
      case Step::Op::crash:
        replica(replica_of(step)).crash(step.duration_us);
        break;
      case Step::Op::cut:
        if (replica(replica_of(step)).running()) ++context_.coverage["link-cut"];
        links_down(replica_of(step), step.duration_us, false);
        break;
      case Step::Op::bus_loss:
        if (replica(replica_of(step)).running() && broker_.bus_up(replica_of(step))) {
          ++context_.coverage["bus-loss"];
          links_down(replica_of(step), SimConfig::link_backoff_us, true);
        }
        break;
      case Step::Op::broker_restart:
        broker_.restart();
        for (int index = 0; index < context_.config.replicas; ++index) {
          links_down(index, SimConfig::link_backoff_us << index, false);
        }
        break;
      case Step::Op::duplicate:
        broker_.deliver_again(replica_of(step));
        break;
      case Step::Op::idle:
        ++context_.coverage["idle"];
        context_.schedule(context_.now_us + step.duration_us + step.think_us,
                          replica_event::Workload{});
        return;
      default:  // the other operations are the one-process world's
        break;
    }
    context_.schedule(context_.now_us + step.think_us, replica_event::Workload{});
  }

  RunOptions options_;
  std::vector<TimelineEvent> timeline_;
  bool timeline_cut_ = false;
  ReplicaContext context_;
  ReplicaOracle oracle_;
  Broker broker_;
  ReplicaTabs tabs_;
  std::deque<ReplicaNode> replicas_;
  std::vector<std::uint64_t> links_down_until_us_;
  std::uint64_t trace_hash_ = 0;
};

}  // namespace

RunResult run_replica_world(const Scenario& scenario, const RunOptions& options) {
  return ReplicaWorld(scenario, options).run();
}

}  // namespace lvt::sim::detail
