// The engine's side of replicas (replica.hpp): appends that wait for the shared store,
// broadcasts heard from other replicas, and the heal after a link comes back.
#include <algorithm>
#include <cassert>
#include <limits>

#include "engine.hpp"
#include "planted.hpp"

namespace lvt {
namespace {

// What a user sees when the store cannot take a message: the typed text stays in the form.
constexpr std::string_view store_unreachable_message =
    "Not sent: the message store cannot be reached. Try again in a moment.";

}  // namespace

void Engine::count_subscriber(const Page& page, const std::string& group, int change) {
  if (!replicated(page)) return;
  if (change > 0) {
    if (subscribers_[group]++ == 0) env_.bus_subscription(group, true);
    return;
  }
  const auto found = subscribers_.find(group);
  assert(found != subscribers_.end() && found->second > 0);
  if (--found->second == 0) {
    subscribers_.erase(found);
    env_.bus_subscription(group, false);
  } else if (planted(PlantedBug::subscription_dropped_early) && found->second == 1) {
    env_.bus_subscription(group, false);
  }
}

StoreCommand Engine::read_command() const {
  StoreCommand command;
  if (!shared_log_) {  // no page of the shared log here (a persisting page's read): read none
    command.read_after = std::numeric_limits<std::uint64_t>::max();
    return command;
  }
  command.read_after = shared_log_->cached_through();
  command.kept_max = shared_log_->kept_max();
  return command;
}

void Engine::absorb(const StoreReply& reply) {
  ++metrics_.store_commands;
  if (!reply.ok) {
    ++metrics_.store_errors;
    log(LogLevel::warn, "shared store: " + reply.error);
    return;
  }
  if (!shared_log_) return;
  const std::uint64_t cached = shared_log_->cached_through();
  metrics_.cache_lag_records = reply.newest_id > cached ? reply.newest_id - cached : 0;
  if (reply.newest_id < cached) {
    // The store lost records this replica has seen (a restart without persistence).
    log(LogLevel::warn, "shared store: its newest id " + std::to_string(reply.newest_id) +
                            " is behind this replica's " + std::to_string(cached));
  }
  if (planted(PlantedBug::cache_skips_gap) && reply.records.size() > 1) {
    shared_log_->absorb({reply.records.back()});
    return;
  }
  shared_log_->absorb(reply.records);
}

template <class Answer>
std::shared_ptr<StoreWait<Answer>> Engine::read_then(std::function<Answer()> then) {
  auto wait = std::make_shared<StoreWait<Answer>>();
  wait->command = read_command();
  wait->resume = [this, then = std::move(then)](const StoreReply& reply) {
    absorb(reply);
    return then();
  };
  return wait;
}

std::optional<std::string> Engine::existing_group(const std::string& cookie_header) const {
  if (config_.group_mode == GroupMode::global) return std::string(global_group_id);
  if (auto id = cookie_value(cookie_header, session_cookie_name); id && is_valid_session_id(*id))
    return std::string(*id);
  return std::nullopt;
}

template <class Answer>
std::shared_ptr<StoreWait<Answer>> Engine::read_fields_then(const Page& page,
                                                            const std::string& cookie_header,
                                                            std::function<Answer()> then) {
  auto wait = read_then<Answer>(std::move(then));
  const std::optional<std::string> group = existing_group(cookie_header);
  if (!persisted_in_store(page) || !group) return wait;
  wait->command.session_group = *group;
  wait->command.session_read = true;
  wait->resume = [this, group = *group,
                  mounted = std::move(wait->resume)](const StoreReply& reply) {
    if (reply.ok && reply.session) {
      nlohmann::json fields = nlohmann::json::parse(*reply.session, nullptr, false);
      if (fields.is_object()) {
        sessions_.save(group, std::move(fields));
      } else {
        log(LogLevel::warn, "shared store: the persisted fields of a group are not a JSON object");
      }
    }
    return mounted(reply);  // without them (none stored, or no store), this replica's copy
  };
  return wait;
}

template std::shared_ptr<StoreWait<ConnectResult>> Engine::read_fields_then<ConnectResult>(
    const Page&, const std::string&, std::function<ConnectResult()>);
template std::shared_ptr<StoreWait<HttpResponse>> Engine::read_fields_then<HttpResponse>(
    const Page&, const std::string&, std::function<HttpResponse()>);

void Engine::session_written(const StoreReply& reply) {
  ++metrics_.store_commands;
  if (!reply.ok) {
    ++metrics_.store_errors;
    log(LogLevel::warn, "shared store: persisted fields not written: " + reply.error);
  }
}

template std::shared_ptr<StoreWait<Effects>> Engine::read_then<Effects>(std::function<Effects()>);
template std::shared_ptr<StoreWait<HttpResponse>> Engine::read_then<HttpResponse>(
    std::function<HttpResponse()>);
template std::shared_ptr<StoreWait<ConnectResult>> Engine::read_then<ConnectResult>(
    std::function<ConnectResult()>);

template <class Answer>
std::shared_ptr<StoreWait<Answer>> Engine::wait_for_append(
    const Page& page, std::shared_ptr<PageState> state, std::string group, std::string from,
    std::string action, nlohmann::json data, ActionRun run,
    std::function<Answer(ActionRun&, PageState&)> answer) {
  assert(run.append && run.outcome == ActionOutcome::ok);
  auto wait = std::make_shared<StoreWait<Answer>>();
  StoreCommand& command = wait->command;
  command = read_command();
  command.append = true;
  command.user = run.append->user;
  command.text = run.append->text;
  for (const BroadcastRequest& broadcast : run.broadcasts) {
    command.publish.push_back(GroupAction{group, broadcast.action, broadcast.data,
                                          config_.replica.instance_id, ++publish_seq_,
                                          env_.wall_us ? env_.wall_us() : env_.now_us()});
  }
  // The run moves into the closure; `resume` is called once.
  auto held = std::make_shared<ActionRun>(std::move(run));
  wait->resume = [this, &page, state = std::move(state), group = std::move(group),
                  from = std::move(from), action = std::move(action), data = std::move(data), held,
                  answer = std::move(answer)](const StoreReply& reply) {
    finish_stored(page, *state, group, from, action, data, *held, reply);
    return answer(*held, *state);
  };
  return wait;
}

template std::shared_ptr<StoreWait<Effects>> Engine::wait_for_append<Effects>(
    const Page&, std::shared_ptr<PageState>, std::string, std::string, std::string, nlohmann::json,
    ActionRun, std::function<Effects(ActionRun&, PageState&)>);
template std::shared_ptr<StoreWait<HttpResponse>> Engine::wait_for_append<HttpResponse>(
    const Page&, std::shared_ptr<PageState>, std::string, std::string, std::string, nlohmann::json,
    ActionRun, std::function<HttpResponse(ActionRun&, PageState&)>);

void Engine::finish_stored(const Page& page, PageState& state, const std::string& group,
                           std::string_view from, const std::string& action,
                           const nlohmann::json& data, ActionRun& run, const StoreReply& reply) {
  assert(run.append);
  absorb(reply);
  if (reply.ok) {
    // The reply brought every record up to the appended one: the cache shows it now.
    assert(shared_log_->cached_through() >= reply.appended_id);
    metrics_.bus_published += run.broadcasts.size();
    run.append->then(state);
    succeed(page, state, group, action, run);
  } else {
    // Never looks stored: an error beside the field, and no broadcast.
    refuse_fields(state, action,
                  {{run.append->error_field, std::string(store_unreachable_message)}}, run);
    run.broadcasts.clear();
  }
  run.append.reset();
  log_action(page, group, from, action, data, run);
}

Effects Engine::bus_delivered(const GroupAction& action) {
  Effects effects;
  assert(config_.replica.enabled);
  if (action.instance_id == config_.replica.instance_id &&
      !planted(PlantedBug::own_echo_not_filtered)) {
    ++metrics_.bus_own_ignored;  // its sender's replica ran it on its own connections
    return effects;
  }
  std::lock_guard lock(bus_mutex_);
  if (!deliveries_seen_.first_time(action.instance_id, action.seq) &&
      !planted(PlantedBug::deliveries_not_deduped)) {
    ++metrics_.bus_duplicates;
    return effects;
  }
  ++metrics_.bus_delivered;
  if (planted(PlantedBug::delivery_skips_read)) {
    deliver_locally(action, effects.wake);
    return effects;
  }
  // The broadcast says the log grew: read what is new before the connections re-read the cache.
  // One such read at a time: what is heard while it is out waits for the next, which is sent
  // after it arrived and so reads its message (a burst costs two reads, not one each).
  // Refreshes of one log: one waiting for the same group and action does what this one would,
  // which bounds the batch by the groups this replica serves.
  const auto same = [&action](const GroupAction& waiting) {
    return waiting.group == action.group && waiting.action == action.action &&
           waiting.data == action.data;
  };
  if (std::none_of(deliveries_next_.begin(), deliveries_next_.end(), same)) {
    deliveries_next_.push_back(action);
  }
  if (delivery_read_out_) return effects;
  delivery_read_out_ = true;
  effects.store = delivery_read();
  return effects;
}

std::shared_ptr<StoreWait<Effects>> Engine::delivery_read() {
  return read_then<Effects>([this, batch = std::move(deliveries_next_)] {
    Effects delivered;
    for (const GroupAction& action : batch) deliver_locally(action, delivered.wake);
    std::lock_guard lock(bus_mutex_);
    assert(delivery_read_out_);
    if (deliveries_next_.empty()) {
      delivery_read_out_ = false;
    } else {
      delivered.store = delivery_read();
    }
    return delivered;
  });
}

Effects Engine::replica_reconnected() {
  Effects effects;
  assert(config_.replica.enabled);
  ++metrics_.replica_reconnects;
  effects.store = read_then<Effects>([this] {
    Effects healed;
    if (!config_.replica.heal || planted(PlantedBug::resubscribe_without_heal)) return healed;
    // Broadcasts may have gone by while the link was down: every connection of a replicated
    // page re-reads the log.
    ++metrics_.replica_heals;
    std::vector<std::pair<std::string, const Page*>> keys;  // registry key, its page
    {
      std::lock_guard lock(registry_mutex_);
      for (const auto& [key, members] : registry_) {
        if (!members.empty() && replicated(members.front()->page())) {
          keys.emplace_back(key, &members.front()->page());
        }
      }
    }
    for (const auto& [key, page] : keys) {
      std::vector<BroadcastRequest> refresh{
          {std::string(page->replicated_refresh()), nlohmann::json::object()}};
      fan_out(key, nullptr, "a heal", refresh, healed.wake);
    }
    return healed;
  });
  return effects;
}

Effects Engine::bus_subscribed(const std::string& group) {
  Effects effects;
  assert(config_.replica.enabled);
  if (!config_.replica.heal || planted(PlantedBug::resubscribe_without_heal)) return effects;
  effects.store = read_then<Effects>([this, group] {
    Effects caught_up;
    ++metrics_.replica_catch_ups;
    for (const auto& page : pages_) {
      if (!replicated(*page)) continue;
      std::vector<BroadcastRequest> refresh{
          {std::string(page->replicated_refresh()), nlohmann::json::object()}};
      fan_out(page->path() + '\n' + group, nullptr, "a catch-up", refresh, caught_up.wake);
    }
    return caught_up;
  });
  return effects;
}

void Engine::deliver_locally(const GroupAction& action,
                             std::vector<std::shared_ptr<Connection>>& wake) {
  const std::string from = "replica " + action.instance_id.substr(0, 8);
  for (const auto& page : pages_) {
    if (!replicated(*page) || !page->has_action(action.action)) continue;
    std::vector<BroadcastRequest> broadcasts{{action.action, action.data}};
    fan_out(page->path() + '\n' + action.group, nullptr, from, broadcasts, wake);
  }
}

}  // namespace lvt
