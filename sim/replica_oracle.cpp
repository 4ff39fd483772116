// The replicas' oracle: its own copy of the store, its own model of each replica's cache, and
// the checks of frames, fan-outs, subscriptions and metrics against them.
#include "replica_oracle.hpp"

#include <algorithm>
#include <cassert>
#include <sstream>

#include "broker.hpp"

namespace lvt::sim::detail {
namespace {

// What the page says beside the message field when the store cannot take a message, restated
// here as a person reads it.
constexpr std::string_view store_unreachable_text =
    "Not sent: the message store cannot be reached. Try again in a moment.";

const char* kind_name(StoreTag::Kind kind) {
  switch (kind) {
    case StoreTag::Kind::none:
      return "a call";
    case StoreTag::Kind::mount:
      return "a mount's read";
    case StoreTag::Kind::send:
      return "a send's reply";
    case StoreTag::Kind::bus_read:
      return "a delivery's read";
    case StoreTag::Kind::heal_read:
      return "a heal's read";
    case StoreTag::Kind::catch_up_read:
      return "a catch-up's read";
  }
  return "?";
}

}  // namespace

ReplicaOracle::ReplicaOracle(ReplicaContext& context, int replicas)
    : context_(context), replicas_(static_cast<std::size_t>(replicas)) {}

// --- the broker's facts --------------------------------------------------------------------------
void ReplicaOracle::appended(const LogRecord& record, const std::string& group) {
  // In global mode every tab is in the one group, whatever the engine calls it.
  group_newest_[context_.config.group_mode == model::GroupMode::global ? global_group : group] =
      record.id;
}

void ReplicaOracle::store_data_lost() {
  data_lost_ = true;
}

// --- a replica's facts ---------------------------------------------------------------------------
void ReplicaOracle::replica_started(int replica, const std::string& instance_id) {
  replicas_[replica] = ReplicaModel{};
  replicas_[replica].instance_id = instance_id;
}

void ReplicaOracle::replica_stopped(int replica) {
  for (const auto& [tab, model] : tabs_) assert(model.replica != replica);
  (void)replica;
}

void ReplicaOracle::opened(int replica, int tab, const std::string& group) {
  TabModel& model = tabs_[tab];
  model = TabModel{};  // a new connection: no name, no error
  model.replica = replica;
  model.group = group;
  model.shown = cache_snapshot(replica);  // Mount read the log
}

void ReplicaOracle::dispatched(int tab) {
  TabModel& model = tabs_.at(tab);
  model.shown = cache_snapshot(model.replica);
}

std::shared_ptr<const std::vector<model::Message>> ReplicaOracle::cache_snapshot(int replica) {
  ReplicaModel& model = replicas_[replica];
  if (!model.snapshot) {
    model.snapshot =
        std::make_shared<const std::vector<model::Message>>(model.cache.begin(), model.cache.end());
  }
  return model.snapshot;
}

void ReplicaOracle::closed(int tab) {
  tabs_[tab].replica = -1;
}

void ReplicaOracle::joined(int tab, const std::string& name) {
  TabModel& model = tabs_.at(tab);
  model.username = name;
  model.errors.clear();  // a successful action clears the connection's field error
}

// The cache takes what is above what it holds; a record past the next id means the store
// evicted what lies between, and the cache starts again from it.
void ReplicaOracle::absorb(ReplicaModel& replica, const std::vector<LogRecord>& records) {
  for (const LogRecord& record : records) {
    if (record.id <= replica.through) continue;
    if (record.id != replica.through + 1) replica.cache.clear();
    replica.cache.push_back({record.id, record.user, record.text});
    replica.through = record.id;
    if (replica.cache.size() > context_.config.log_messages_max) replica.cache.pop_front();
    replica.snapshot.reset();
  }
}

void ReplicaOracle::reply(int replica, const StoreTag& tag, const StoreReply& reply) {
  ReplicaModel& model = replicas_[replica];
  ++model.store_commands;
  if (reply.ok) {
    absorb(model, reply.records);
  } else {
    ++model.store_errors;
    ++context_.coverage["store-error"];
  }
  last_reply_ok_ = reply.ok;
  switch (tag.kind) {
    case StoreTag::Kind::send: {
      TabModel& sender = tabs_.at(tag.tab);
      if (reply.ok) {
        sender.errors.clear();
        sender.shown = cache_snapshot(replica);  // stored, then read
        ++model.published;
      } else {
        sender.errors["text"] = std::string(store_unreachable_text);
      }
      break;
    }
    case StoreTag::Kind::heal_read:
      if (context_.config.heal) ++model.heals;
      break;
    case StoreTag::Kind::catch_up_read:
      ++model.catch_ups;
      break;
    default:
      break;
  }
}

void ReplicaOracle::heard(int replica, const GroupAction& action, bool duplicate) {
  ReplicaModel& model = replicas_[replica];
  if (action.instance_id == model.instance_id) {
    ++model.own;
    ++context_.coverage["bus-own-echo"];
    return;
  }
  if (!model.heard.insert({action.instance_id, action.seq}).second) {
    assert(duplicate);
    ++model.duplicates;
    return;
  }
  ++model.delivered;
  ++context_.coverage["bus-delivery"];
  model.next_batch.insert(action.group);
  if (!model.read_out) {
    model.read_out = true;
    model.batch = std::move(model.next_batch);
    model.next_batch.clear();
  }
}

void ReplicaOracle::reconnected(int replica) {
  ++replicas_[replica].reconnects;
}

std::set<int> ReplicaOracle::tabs_of(int replica, const std::string* group) const {
  std::set<int> out;
  for (const auto& [tab, model] : tabs_) {
    if (model.replica == replica && (group == nullptr || model.group == *group)) out.insert(tab);
  }
  return out;
}

std::string ReplicaOracle::describe(const std::set<int>& tabs) const {
  std::ostringstream out;
  out << '{';
  for (const int tab : tabs) out << (tab == *tabs.begin() ? "" : ", ") << "tab " << tab;
  out << '}';
  return out.str();
}

void ReplicaOracle::check_wake(int replica, const StoreTag& tag, const std::set<int>& woken,
                               const std::set<int>& waiting) {
  ReplicaModel& model = replicas_[replica];
  std::set<int> expected;
  switch (tag.kind) {
    case StoreTag::Kind::none:
    case StoreTag::Kind::mount:
      break;
    case StoreTag::Kind::send:
      if (last_reply_ok_) {
        expected = tabs_of(replica, &tabs_.at(tag.tab).group);
        expected.erase(tag.tab);  // the sender has its answer
      }
      break;
    case StoreTag::Kind::bus_read:
      for (const std::string& group : model.batch) expected.merge(tabs_of(replica, &group));
      model.batch = std::move(model.next_batch);
      model.next_batch.clear();
      model.read_out = !model.batch.empty();
      break;
    case StoreTag::Kind::heal_read:
      if (context_.config.heal) expected = tabs_of(replica, nullptr);
      break;
    case StoreTag::Kind::catch_up_read:
      expected = tabs_of(replica, &tag.group);
      break;
  }
  ++context_.checks["fan-out-exact"];
  const bool woken_offered =
      std::includes(expected.begin(), expected.end(), woken.begin(), woken.end());
  const bool offered_waiting =
      std::includes(waiting.begin(), waiting.end(), expected.begin(), expected.end());
  if (!woken_offered || !offered_waiting) {
    context_.fail("fan-out-exact",
                  std::string(kind_name(tag.kind)) + " on replica " + std::to_string(replica) +
                      (tag.tab >= 0 ? " for tab " + std::to_string(tag.tab) : std::string()) +
                      (woken_offered ? " left a connection it must refresh without a broadcast"
                                     : " woke a connection it must not refresh"),
                  tag.tab, "offered to " + describe(expected),
                  "woke " + describe(woken) + ", waiting " + describe(waiting));
  }
}

void ReplicaOracle::missing_read(int replica, std::string_view what) {
  context_.fail("convergence",
                "replica " + std::to_string(replica) + " asked for no read: " + std::string(what));
}

// --- frames --------------------------------------------------------------------------------------
replica_event::FrameToTab ReplicaOracle::frame_for(int tab, std::uint64_t generation,
                                                   Frame payload) {
  const TabModel& model = tabs_.at(tab);
  model::View view;
  view.page = model::Page::broadcasting;
  view.username = model.username;
  view.messages = model.shown->size();
  view.group_mode = context_.config.group_mode;
  view.errors = model.errors;
  return {tab, generation, std::move(payload), std::move(view), model.shown};
}

void ReplicaOracle::check_frame(const replica_event::FrameToTab& frame, const TreeApplier& held) {
  const std::vector<std::string> blocks = model::text_blocks(held.html());
  tabs_.at(frame.tab).shown_through = frame.log->empty() ? 0 : frame.log->back().id;
  ++context_.checks["log-prefix"];
  if (model::shows(blocks, frame.expected, *frame.log)) return;
  const std::vector<std::string> expected = model::expected_blocks(frame.expected, *frame.log);
  std::size_t first = 0;
  while (first < expected.size() && first < blocks.size() && expected[first] == blocks[first])
    ++first;
  const model::BlockDifference difference = model::first_difference(expected, blocks);
  context_.fail(first == 3 ? "username-per-connection" : "log-prefix",
                "tab " + std::to_string(frame.tab) + " does not show its replica's cache",
                frame.tab, difference.expected, difference.held);
}

// --- at the end ----------------------------------------------------------------------------------
void ReplicaOracle::check_metrics(int replica, const Metrics& metrics) {
  const ReplicaModel& model = replicas_[replica];
  const std::pair<const char*, std::pair<std::uint64_t, std::uint64_t>> counts[] = {
      {"lvt_store_commands_total", {model.store_commands, metrics.store_commands.load()}},
      {"lvt_store_errors_total", {model.store_errors, metrics.store_errors.load()}},
      {"lvt_bus_published_total", {model.published, metrics.bus_published.load()}},
      {"lvt_bus_delivered_total", {model.delivered, metrics.bus_delivered.load()}},
      {"lvt_bus_own_ignored_total", {model.own, metrics.bus_own_ignored.load()}},
      {"lvt_bus_duplicates_total", {model.duplicates, metrics.bus_duplicates.load()}},
      {"lvt_replica_reconnects_total", {model.reconnects, metrics.replica_reconnects.load()}},
      {"lvt_replica_heals_total", {model.heals, metrics.replica_heals.load()}},
      {"lvt_replica_catch_ups_total", {model.catch_ups, metrics.replica_catch_ups.load()}}};
  for (const auto& [name, pair] : counts) {
    ++context_.checks["metrics-exact"];
    if (pair.first != pair.second) {
      context_.fail("metrics-exact",
                    "replica " + std::to_string(replica) + " exports " + name + " " +
                        std::to_string(pair.second),
                    -1, std::to_string(pair.first), std::to_string(pair.second));
    }
  }
}

void ReplicaOracle::check_quiescence(const std::vector<int>& open_tabs,
                                     const std::vector<bool>& running) {
  for (const int tab : open_tabs) {
    const TabModel& model = tabs_.at(tab);
    const auto newest = group_newest_.find(model.group);
    if (data_lost_ || newest == group_newest_.end()) continue;
    ++context_.checks["convergence"];
    if (model.shown_through >= newest->second) continue;
    if (!context_.config.heal) {
      ++context_.stale_tabs;  // what livetemplate does: a finding of heal off, not a failure
      continue;
    }
    context_.fail("convergence",
                  "tab " + std::to_string(tab) + " on replica " + std::to_string(model.replica) +
                      " is stale: its group's newest message is not shown",
                  tab, "through id " + std::to_string(newest->second),
                  "through id " + std::to_string(model.shown_through));
  }
  for (int replica = 0; replica < static_cast<int>(replicas_.size()); ++replica) {
    if (!running[replica]) continue;
    if (replicas_[replica].read_out) {
      context_.fail("fan-out-exact",
                    "replica " + std::to_string(replica) + " never ran a delivery it heard");
    }
    if (!broker_->bus_up(replica)) continue;
    std::set<std::string> groups;
    for (const int tab : tabs_of(replica, nullptr)) groups.insert(tabs_.at(tab).group);
    const std::set<std::string>& subscribed = broker_->subscriptions(replica);
    ++context_.checks["subscriptions-exact"];
    const bool exact = context_.config.group_mode == model::GroupMode::global
                           ? subscribed.size() == groups.size()
                           : subscribed == groups;
    if (!exact) {
      context_.fail("subscriptions-exact",
                    "replica " + std::to_string(replica) + " is subscribed to " +
                        std::to_string(subscribed.size()) + " group(s) while it serves " +
                        std::to_string(groups.size()));
    }
  }
}

}  // namespace lvt::sim::detail
