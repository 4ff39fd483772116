#include "engine.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

#include "action_message.hpp"
#include "planted.hpp"
#include "request_checks.hpp"
#include "text.hpp"
#include "url.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

// The meta of an action's answer, {"action":A,"errors":{FIELD:MESSAGE,...},"success":S} (keys
// sorted, as nlohmann::json wrote them), without building a JSON value per action.
std::string action_meta(std::string_view action, const std::map<std::string, std::string>& errors,
                        bool success) {
  std::string out = "{\"action\":";
  text::append_json_string(out, action);
  out += ",\"errors\":{";
  for (const auto& [field, message] : errors) {
    if (out.back() != '{') out += ',';
    text::append_json_string(out, field);
    out += ':';
    text::append_json_string(out, message);
  }
  out += success ? "},\"success\":true}" : "},\"success\":false}";
  return out;
}

constexpr std::string_view rate_limited_message = "Too many actions: wait a moment and send again";

// A group in a log line: its first 8 characters tell groups apart without writing out the
// cookie that is the group's id.
std::string short_group(std::string_view group) {
  return std::string(group.substr(0, 8));
}

// An action's data in a log line: each field's name and length, never its text, so that other
// users' names and messages stay out of the log.
std::string describe_fields(const nlohmann::json& data) {
  std::string out;
  if (!data.is_object()) return out;
  for (const auto& [name, value] : data.items()) {
    out += out.empty() ? " (" : ", ";
    out += name;
    out += value.is_string()
               ? ": " + std::to_string(text::utf8_chars(value.get_ref<const std::string&>())) +
                     " chars"
               : std::string(": ") + value.type_name();
  }
  if (!out.empty()) out += ')';
  return out;
}

}  // namespace

std::string error_envelope(std::string_view code) {
  std::string out = "{\"type\":\"error\",\"code\":";
  text::append_json_string(out, code);
  out += '}';
  return out;
}

Connection::Connection(ConnectionId id, std::string group, std::string registry_key,
                       const Page& page, nlohmann::json params, const EngineConfig& config,
                       Metrics& metrics)
    : id_(id),
      group_(std::move(group)),
      registry_key_(std::move(registry_key)),
      page_(&page),
      params_(std::move(params)),
      config_(config),
      metrics_(metrics),
      rate_tokens_(config.actions_burst) {}

Offer Connection::offer(BroadcastJob job) {
  std::lock_guard lock(queue_mutex_);
  if (closed_) return Offer::closed;
  if (config_.dispatch_policy == DispatchPolicy::coalesce && job.refresh) {
    const auto equal = std::find_if(queue_.begin(), queue_.end(), [&job](const BroadcastJob& w) {
      return w.refresh && w.action == job.action && *w.data == *job.data;
    });
    if (equal != queue_.end()) {
      if (planted(PlantedBug::coalesce_loses_refresh)) [[unlikely]]
        queue_.erase(equal);
      ++metrics_.broadcasts_coalesced;
      return Offer::coalesced;
    }
  }
  if (queue_.size() >= config_.dispatch_queue_jobs_max) {
    if (planted(PlantedBug::dropped_never_healed)) [[unlikely]]
      queue_.clear();
    ++metrics_.broadcasts_dropped;
    return Offer::dropped;
  }
  queue_.push_back(std::move(job));
  ++metrics_.broadcasts_queued;
  return queue_.size() == 1 ? Offer::queued_wake : Offer::queued;
}

std::size_t Connection::dispatch_jobs_waiting() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

Engine::Engine(EngineConfig config, EngineEnv env)
    : config_(std::move(config)), env_(std::move(env)), sessions_(config_.session_groups_max) {
  assert(env_.now_us && env_.fill_random && env_.log);
  assert(config_.dispatch_queue_jobs_max > 0 && config_.frame_bytes_max > 0);
}

void Engine::add_page(std::unique_ptr<Page> page) {
  assert(page && find_page(page->path()) == nullptr);  // one page per path
  pages_.push_back(std::move(page));
}

Engine::~Engine() = default;

void Engine::use_shared_log(std::shared_ptr<SharedLogCache> cache) {
  assert(cache && !shared_log_);
  shared_log_ = std::move(cache);
}

const Page* Engine::find_page(std::string_view path) const {
  for (const auto& page : pages_) {
    if (page->path() == path) return page.get();
  }
  return nullptr;
}

std::string Engine::group_for(const std::string& cookie_header, std::string* new_cookie_id) {
  if (config_.group_mode == GroupMode::global) return std::string(global_group_id);
  if (auto id = cookie_value(cookie_header, session_cookie_name);
      id &&
      (is_valid_session_id(*id) || (planted(PlantedBug::malformed_cookie_taken) && !id->empty()))) {
    return *id;
  }
  // No cookie, or a malformed one: a new group of its own.
  std::string id = new_session_id(env_.fill_random);
  if (new_cookie_id) *new_cookie_id = id;
  return id;
}

bool Engine::origin_allowed(const std::string& origin, const std::string& host) const {
  if (origin.empty()) return true;  // not a browser: Origin protects browsers' users only
  if (origin == "http://" + host || origin == "https://" + host) return true;
  return std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), origin) !=
         config_.allowed_origins.end();
}

bool Engine::host_allowed(std::string_view host) const {
  if (host.empty() || config_.allowed_hosts.empty()) return true;
  const std::string name = request_checks::host_name(host);
  return !name.empty() && std::find(config_.allowed_hosts.begin(), config_.allowed_hosts.end(),
                                    name) != config_.allowed_hosts.end();
}

bool Engine::post_from_allowed_site(const HttpRequest& request) const {
  if (!request.origin.empty()) return origin_allowed(request.origin, request.host);
  if (!request.referer.empty()) {
    // A Referer that names no origin ("about:blank") is no page of ours: "null" matches none.
    const std::string origin = request_checks::referer_origin(request.referer);
    return origin_allowed(origin.empty() ? "null" : origin, request.host);
  }
  return true;  // not a browser's: the README's threat model says why this is allowed
}

ConnectResult Engine::connect(const ConnectRequest& request) {
  ConnectResult result;
  if (!host_allowed(request.host)) {
    result.refuse_status = 421;
    result.refuse_reason = "unknown host";
    ++metrics_.connections_refused;
    ++metrics_.errors_host_refused;
    log(LogLevel::warn, "refused WebSocket for host " + request.host);
    return result;
  }
  const url::Target target = url::split_target(request.target);
  const Page* page = find_page(target.path);
  if (page == nullptr || !config_.websocket_enabled) {
    result.refuse_status = 404;
    result.refuse_reason = "no live page at this path";
    ++metrics_.connections_refused;
    return result;
  }
  if (!origin_allowed(request.origin, request.host)) {
    result.refuse_status = 403;
    result.refuse_reason = "origin not allowed";
    ++metrics_.connections_refused;
    ++metrics_.errors_origin_refused;
    log(LogLevel::warn, "refused WebSocket from origin " + request.origin);
    return result;
  }
  if (replicated(*page) || persisted_in_store(*page)) {
    // Mount shows the log, or the group's persisted fields: read what other replicas stored.
    result.store = read_fields_then<ConnectResult>(
        *page, request.cookie, [this, page, request] { return open_connection(page, request); });
    return result;
  }
  return open_connection(page, request);
}

ConnectResult Engine::open_connection(const Page* page, const ConnectRequest& request) {
  ConnectResult result;
  const url::Target target = url::split_target(request.target);
  std::string group = group_for(request.cookie, nullptr);
  std::string registry_key = page->path() + '\n' + group;
  nlohmann::json params = url::decode_form(target.query);

  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(registry_mutex_);
    connection.reset(new Connection(next_connection_id_++, group, registry_key, *page, params,
                                    config_, metrics_));
  }
  // Connect order: restore persisted fields, Mount, save, send the full tree.
  connection->state_ = page->make_state();
  mount_for_group(*page, *connection->state_, group, params);
  connection->sent_ = page->render(*connection->state_);
  connection->sent_current_ = true;
  connection->rate_refilled_us_ = env_.now_us();

  result.first_frame = "{\"tree\":";
  wire::append_full(result.first_frame, connection->sent_);
  result.first_frame += ",\"meta\":{\"success\":true,\"errors\":{},\"capabilities\":[]}}";
  {
    std::lock_guard lock(registry_mutex_);
    auto& members = registry_[registry_key];
    if (members.empty()) ++metrics_.groups;
    members.push_back(connection);
    count_subscriber(*page, group, +1);
  }
  ++metrics_.connections;
  ++metrics_.connections_opened;
  if (logs_debug()) {
    log(LogLevel::debug, "connection " + std::to_string(connection->id_) + " opened on " +
                             page->path() + " (group " + short_group(group) + ")");
  }
  result.connection = std::move(connection);
  return result;
}

void Engine::disconnect(Connection& connection) {
  {
    std::lock_guard lock(connection.queue_mutex_);
    if (connection.closed_) return;
    connection.closed_ = true;
    connection.queue_.clear();
  }
  std::size_t group_left = 0;
  {
    std::lock_guard lock(registry_mutex_);
    const auto found = registry_.find(connection.registry_key_);
    assert(found != registry_.end());
    auto& members = found->second;
    std::erase_if(members, [&](const auto& member) { return member.get() == &connection; });
    group_left = members.size();
    count_subscriber(*connection.page_, connection.group_, -1);
    if (members.empty()) {
      registry_.erase(found);
      --metrics_.groups;
    }
    --metrics_.connections;
  }
  if (logs_debug()) {
    log(LogLevel::debug, "connection " + std::to_string(connection.id_) + " closed on " +
                             connection.page_->path() + " (group " +
                             short_group(connection.group_) + ", " + std::to_string(group_left) +
                             " connections left in it)");
  }
}

std::size_t Engine::registered_connections() const {
  std::lock_guard lock(registry_mutex_);
  std::size_t count = 0;
  for (const auto& [key, members] : registry_) count += members.size();
  return count;
}

std::size_t Engine::group_connections(std::string_view page_path, std::string_view group) const {
  std::lock_guard lock(registry_mutex_);
  const auto found = registry_.find(std::string(page_path) + '\n' + std::string(group));
  return found == registry_.end() ? 0 : found->second.size();
}

bool Engine::take_rate_token(Connection& connection) {
  const std::uint64_t now = env_.now_us();
  if (now > connection.rate_refilled_us_) {
    const double elapsed_s = static_cast<double>(now - connection.rate_refilled_us_) / 1e6;
    connection.rate_tokens_ = std::min(
        config_.actions_burst, connection.rate_tokens_ + elapsed_s * config_.actions_per_second);
    connection.rate_refilled_us_ = now;
  }
  if (connection.rate_tokens_ < 1.0) return false;
  connection.rate_tokens_ -= 1.0;
  return true;
}

Frame Engine::update_frame(Connection& connection, std::string_view meta_json) {
  tree::Node now = connection.page_->render(*connection.state_);
  // Built in a buffer that keeps its capacity, then copied out at its size: one allocation per
  // frame instead of one each time the frame outgrows its string.
  thread_local std::string scratch;
  scratch.assign("{\"tree\":");
  wire::append_diff(scratch, connection.sent_, now);
  scratch += ",\"meta\":";
  scratch += meta_json;
  scratch += '}';
  connection.sent_ = std::move(now);
  connection.sent_current_ = true;
  Frame frame(scratch);
  constexpr std::size_t scratch_bytes_kept_max = 64 * 1024;  // a rare full resend gives it back
  if (scratch.capacity() > scratch_bytes_kept_max) std::string().swap(scratch);
  return frame;
}

namespace {

// Every peer update carries the same meta.
const std::string& broadcast_meta() {
  static const std::string meta = nlohmann::json{{"success", true}, {"errors", nullptr}}.dump();
  return meta;
}

// The peer updates this thread encoded last, by the page (its serial: an address may be a
// destroyed engine's page) and the views they took a connection from and to. A shard runs one
// broadcast on its connections one after another, so the first of each view encodes and the
// others take its frame; thread-local, so no lock is taken per delivery. What the entries hold
// is bounded: 16 frames of at most 64 KiB (a larger one, a rare full resend, is not kept) and
// the windows of 16 slots, as 16 connections' held trees would.
struct SharedUpdate {
  std::uint64_t page;
  SharedView before, after;
  Frame frame;
  tree::Value slot;  // what the slot holds after
};
constexpr std::size_t shared_updates_max = 16;
constexpr std::size_t shared_frame_bytes_max = 64 * 1024;
struct SharedUpdates {
  std::vector<SharedUpdate> entries;  // at most shared_updates_max, replaced round-robin
  std::size_t next_replaced = 0;
};
thread_local SharedUpdates shared_updates;

}  // namespace

Frame Engine::shared_update_frame(Connection& connection, const std::string& refresh,
                                  const SharedView& before) {
  const std::optional<SharedView> after =
      connection.page_->shared_view(*connection.state_, refresh);
  // A page that breaks its promise (page.hpp) is not trusted with a patch: its own diff.
  const bool promise_kept =
      after && after->slot == before.slot && connection.sent_.slots.size() > before.slot;
  assert(promise_kept);
  if (!promise_kept) return update_frame(connection, broadcast_meta());
  const std::uint64_t page = connection.page_->serial();
  SharedUpdates& updates = shared_updates;
  for (const SharedUpdate& update : updates.entries) {
    if (update.page == page && update.before == before && update.after == *after) {
      connection.sent_.slots[before.slot] = update.slot;
      connection.sent_current_ = true;
      ++metrics_.peer_frames_shared;
      return update.frame;
    }
  }
  Frame frame = update_frame(connection, broadcast_meta());
  if (frame.size() > shared_frame_bytes_max) return frame;
  SharedUpdate update{page, before, *after, frame, connection.sent_.slots[before.slot]};
  if (updates.entries.size() < shared_updates_max) {
    updates.entries.push_back(std::move(update));
  } else {
    updates.entries[updates.next_replaced] = std::move(update);
    updates.next_replaced = (updates.next_replaced + 1) % shared_updates_max;
  }
  return frame;
}

void Engine::fan_out(const std::string& registry_key, const Connection* sender,
                     std::string_view from, std::vector<BroadcastRequest>& broadcasts,
                     std::vector<std::shared_ptr<Connection>>& wake) {
  if (broadcasts.empty()) return;
  const std::size_t path_end = registry_key.find('\n');
  const Page* page = find_page(std::string_view(registry_key).substr(0, path_end));
  assert(page != nullptr);
  // What each broadcast's offers came to, for the debug line.
  struct Tally {
    std::string action;
    std::size_t queued = 0, coalesced = 0, dropped = 0, closed = 0;
  };
  std::vector<Tally> tallies;
  {
    std::lock_guard lock(registry_mutex_);  // lock order: registry, then each recipient's queue
    std::vector<const std::vector<std::shared_ptr<Connection>>*> groups;
    if (planted(PlantedBug::cross_group_leak)) [[unlikely]] {
      for (const auto& [key, members] : registry_) {
        if (key.compare(0, page->path().size() + 1, page->path() + '\n') == 0)
          groups.push_back(&members);
      }
    } else if (const auto found = registry_.find(registry_key); found != registry_.end()) {
      groups.push_back(&found->second);
    }
    for (BroadcastRequest& request : broadcasts) {
      BroadcastJob job{request.action,
                       std::make_shared<const nlohmann::json>(std::move(request.data)),
                       page->is_refresh(request.action)};
      Tally tally{request.action};
      for (const auto* members : groups) {
        for (const auto& recipient : *members) {
          // Never the sender.
          if (recipient.get() == sender && !planted(PlantedBug::sender_receives_own)) continue;
          switch (recipient->offer(job)) {
            case Offer::queued_wake:
              wake.push_back(recipient);
              [[fallthrough]];
            case Offer::queued:
              ++tally.queued;
              break;
            case Offer::coalesced:
              ++tally.coalesced;
              break;
            case Offer::dropped:
              ++tally.dropped;
              break;
            case Offer::closed:
              ++tally.closed;
              break;
          }
        }
      }
      tallies.push_back(std::move(tally));
    }
  }
  if (!logs_debug()) return;
  for (const Tally& tally : tallies) {
    log(LogLevel::debug,
        "broadcast " + tally.action + " from " + std::string(from) + " on " + page->path() +
            " (group " + short_group(std::string_view(registry_key).substr(path_end + 1)) +
            "): " + std::to_string(tally.queued) + " queued, " + std::to_string(tally.dropped) +
            " dropped, " + std::to_string(tally.coalesced) + " coalesced, " +
            std::to_string(tally.closed) + " closed");
  }
}

Effects Engine::receive(Connection& connection, std::string_view frame) {
  Effects effects;
  ++metrics_.frames_received;
  if (frame.size() > config_.frame_bytes_max) {
    ++metrics_.errors_frame_too_big;
    effects.close = {1009, "frame too big"};
    return effects;
  }
  if (!text::is_valid_utf8(frame)) {
    ++metrics_.errors_invalid_utf8;
    effects.close = {1007, "invalid UTF-8"};
    return effects;
  }
  // Read before the rate is judged (a frame is bounded, its parse cheap), so that a refused
  // action can be answered as one.
  const bool within_rate = take_rate_token(connection);
  auto parsed = parse_action_message(frame);
  if (!within_rate) {
    ++metrics_.errors_rate_limited;
    // An action is answered, unsuccessful, so the client's form comes back with the typed text
    // (it resets only on success) and the user can send it again: slowed down, nothing lost. A
    // ping, or what is no action, gets the error envelope.
    const auto* message = std::get_if<ActionMessage>(&parsed);
    if (message != nullptr && message->action != "__ping__") {
      effects.frames.push_back(update_frame(
          connection,
          action_meta(message->action, {{"action", std::string(rate_limited_message)}}, false)));
    } else {
      effects.frames.push_back(error_envelope("rate_limited"));
    }
    return effects;
  }
  if (const auto* code = std::get_if<std::string>(&parsed)) {
    (*code == "invalid_json" ? metrics_.errors_invalid_json : metrics_.errors_invalid_message)++;
    log(LogLevel::info, "connection " + std::to_string(connection.id_) + ": " + *code);
    effects.frames.push_back(error_envelope(*code));
    return effects;
  }
  const std::string& action = std::get<ActionMessage>(parsed).action;
  const nlohmann::json& data = std::get<ActionMessage>(parsed).data;

  if (action == "__ping__") {
    effects.frames.emplace_back("{\"pong\":true}");
    return effects;
  }
  const Page& page = *connection.page_;
  // What follows may change the state; the held tree is current again once a frame renders it.
  connection.sent_current_ = false;
  if (action == "__navigate__") {
    page.mount(*connection.state_, data);
    save_persisted(page, *connection.state_, connection.group_);
    effects.frames.push_back(update_frame(connection, action_meta(action, {}, true)));
    return effects;
  }

  assert(!connection.awaiting_store_);  // the transport reads no frame while it waits
  const std::string from = "connection " + std::to_string(connection.id_);
  ActionRun run = run_action(page, *connection.state_, connection.group_, from, action, data);
  const auto answer = [this, from](Connection& sender, ActionRun& done) {
    Effects answered;
    sender.awaiting_store_ = false;
    // The sender always gets an answer, or its form stays busy.
    answered.frames.push_back(update_frame(sender, done.meta_json));
    // Broadcasts run only after success, after the state is saved and every lock released.
    if (done.outcome == ActionOutcome::ok) {
      fan_out(sender.registry_key_, &sender, from, done.broadcasts, answered.wake);
    }
    return answered;
  };
  if (!run.append) return answer(connection, run);
  connection.awaiting_store_ = true;
  std::shared_ptr<Connection> self = connection.shared_from_this();
  std::shared_ptr<PageState> state(self, connection.state_.get());
  effects.store = wait_for_append<Effects>(
      page, std::move(state), connection.group_, from, action, data, std::move(run),
      [self, answer](ActionRun& done, PageState&) { return answer(*self, done); });
  return effects;
}

Engine::ActionRun Engine::run_action(const Page& page, PageState& state, const std::string& group,
                                     std::string_view from, const std::string& action,
                                     const nlohmann::json& data) {
  ++metrics_.actions;
  ActionRun run;
  const std::string canonical = canonical_action(action.empty() ? "submit" : action);
  ActionContext context(data, /*running_as_broadcast=*/false);
  run.outcome = page.act(state, canonical, context);
  metrics_.broadcasts_refused += context.broadcasts_refused();
  if (run.outcome == ActionOutcome::ok && context.log_append()) {
    assert(shared_log_);
    if (replicated(page)) {
      // Finished by the store's reply (finish_stored).
      run.append = std::move(context.log_append());
      run.broadcasts = std::move(context.broadcasts());
      return run;
    }
    shared_log_->append_local(std::move(context.log_append()->user),
                              std::move(context.log_append()->text));
    context.log_append()->then(state);
  }
  if (run.outcome == ActionOutcome::unknown) {
    ++metrics_.errors_unknown_action;
    log(LogLevel::info, "unknown action: " + action);
    run.meta_json = action_meta(action, {{"action", "unknown action: " + action}}, false);
  } else if (run.outcome == ActionOutcome::failed) {
    refuse_fields(state, action, context.errors(), run);
  } else {
    succeed(page, state, group, action, run);
    run.broadcasts = std::move(context.broadcasts());
  }
  log_action(page, group, from, action, data, run);
  return run;
}

void Engine::refuse_fields(PageState& state, const std::string& action,
                           const std::map<std::string, std::string>& errors, ActionRun& run) {
  ++metrics_.errors_field;
  run.outcome = ActionOutcome::failed;
  run.meta_json = action_meta(action, errors, false);
  run.errors = errors;
  // The page shows them beside their fields until the connection's next success.
  state.errors = errors;
}

void Engine::succeed(const Page& page, PageState& state, const std::string& group,
                     const std::string& action, ActionRun& run) {
  run.meta_json = action_meta(action, {}, true);
  if (!planted(PlantedBug::field_error_kept)) state.errors.clear();
  save_persisted(page, state, group);
}

void Engine::log_action(const Page& page, const std::string& group, std::string_view from,
                        const std::string& action, const nlohmann::json& data,
                        const ActionRun& run) const {
  if (!logs_debug()) return;
  std::string outcome = "ok";
  if (run.outcome == ActionOutcome::unknown) {
    outcome = "unknown action";
  } else if (run.outcome == ActionOutcome::failed) {
    outcome = "refused";
    for (const auto& [field, message] : run.errors) outcome += ", " + field + ": " + message;
  }
  log(LogLevel::debug, "action " + action + " from " + std::string(from) + " on " + page.path() +
                           " (group " + short_group(group) + ")" + describe_fields(data) + ": " +
                           outcome);
}

void Engine::restore_persisted(const Page& page, PageState& state, const std::string& group) const {
  if (page.persists() && !planted(PlantedBug::persist_not_restored)) {
    page.restore(state, sessions_.load(group));
  }
}

void Engine::mount_for_group(const Page& page, PageState& state, const std::string& group,
                             const nlohmann::json& params) {
  std::lock_guard lock(mount_mutex_);
  restore_persisted(page, state, group);
  page.mount(state, params);
  save_persisted(page, state, group);
}

void Engine::save_persisted(const Page& page, const PageState& state, const std::string& group) {
  if (!page.persists()) return;
  nlohmann::json persisted = sessions_.load(group);
  page.save(state, persisted);
  if (persisted_in_store(page)) {
    // Written through, in the order saved: the store keeps the last. It reads no records.
    StoreCommand write;
    write.read_after = std::numeric_limits<std::uint64_t>::max();
    write.session_group = group;
    write.session_write = persisted.dump();
    write.session_ttl_s = config_.replica.session_ttl_s;
    env_.store_write(std::move(write));
  }
  sessions_.save(group, std::move(persisted));
}

Effects Engine::dispatch(Connection& connection) {
  Effects effects;
  BroadcastJob job;
  std::size_t still_waiting = 0;
  {
    std::lock_guard lock(connection.queue_mutex_);
    if (connection.closed_ || connection.queue_.empty()) return effects;
    job = connection.queue_.pop_front();
    still_waiting = connection.queue_.size();
  }
  ++metrics_.broadcasts_delivered;
  if (planted(PlantedBug::broadcast_spends_tokens)) take_rate_token(connection);
  const Page& page = *connection.page_;
  const std::optional<SharedView> before = connection.sent_current_ && config_.share_peer_updates
                                               ? page.shared_view(*connection.state_, job.action)
                                               : std::nullopt;
  connection.sent_current_ = false;
  ActionContext context(*job.data, /*running_as_broadcast=*/true);
  const ActionOutcome outcome = page.act(*connection.state_, job.action, context);
  metrics_.broadcasts_refused += context.broadcasts_refused();
  if (logs_debug()) {
    log(LogLevel::debug, "dispatch " + job.action + " on connection " +
                             std::to_string(connection.id_) + " (group " +
                             short_group(connection.group_) +
                             "): " + (outcome == ActionOutcome::ok ? "ok" : "nothing sent") + ", " +
                             std::to_string(still_waiting) + " waiting");
  }
  if (outcome != ActionOutcome::ok) return effects;  // missing method or error: nothing sent
  save_persisted(page, *connection.state_, connection.group_);
  // Empty unless a plant let the action broadcast: ActionContext refuses at the source.
  fan_out(connection.registry_key_, &connection,
          "dispatch on connection " + std::to_string(connection.id_), context.broadcasts(),
          effects.wake);
  effects.frames.push_back(before ? shared_update_frame(connection, job.action, *before)
                                  : update_frame(connection, broadcast_meta()));
  return effects;
}

std::string Engine::render_html(const Connection& connection) const {
  return tree::to_html(connection.page_->render(*connection.state_));
}

}  // namespace lvt
