// The simulator's event loop: the clock, the trace, the workload's steps and the server's faults.
#include <cassert>
#include <cmath>
#include <cstring>

#include "session.hpp"
#include "simulation_internal.hpp"

namespace lvt::sim {
namespace detail {
namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ull;

// FNV-1a over 8-byte words (the trace hashes every frame, so bytewise FNV showed in profiles).
std::uint64_t fnv(std::uint64_t hash, std::string_view bytes) {
  std::size_t at = 0;
  for (; at + 8 <= bytes.size(); at += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + at, 8);
    hash = (hash ^ word) * 1099511628211ull;
    hash ^= hash >> 29;
  }
  for (; at < bytes.size(); ++at) {
    hash = (hash ^ static_cast<unsigned char>(bytes[at])) * 1099511628211ull;
  }
  return hash;
}

}  // namespace

Simulation::Simulation(const Scenario& scenario)
    : config_(scenario.config),
      steps_(scenario.steps),
      model_({scenario.config.group_mode, scenario.config.dispatch_policy,
              scenario.config.dispatch_queue_max}),
      rate_limit_(scenario.config.actions_per_second, scenario.config.actions_burst),
      engine_random_(config_.seed, "engine") {
  result_.config = config_;
  Rng cookies(config_.seed, "browsers");
  for (int b = 0; b < config_.browsers; ++b) {
    cookies_.push_back(std::string(session_cookie_name) + "=" +
                       new_session_id([&cookies](unsigned char* bytes, std::size_t n) {
                         for (std::size_t i = 0; i < n; ++i)
                           bytes[i] = static_cast<unsigned char>(cookies.next());
                       }));
  }
  start_engine();
}

RunResult Simulation::run() {
  schedule(0, EventKind::workload);
  while (!queue_.empty()) {
    if (result_.events >= config_.events_max()) {
      fail("convergence", "the run did not quiesce within " + std::to_string(config_.events_max()) +
                              " events (a broadcast storm?)");
      return finish();
    }
    Event event = queue_.pop();
    if (cancelled(event)) continue;
    assert(event.time_us >= now_us_);
    now_us_ = event.time_us;
    trace(event);
    handle(event);
    ++result_.events;
  }
  check_quiescence();
  return finish();
}

RunResult Simulation::finish() {
  result_.virtual_us = now_us_;
  count_range_ops();
  result_.checks = checks_.counted();
  result_.coverage = coverage_.counted();
  return std::move(result_);
}

void Simulation::handle(const Event& event) {
  switch (event.kind) {
    case EventKind::workload:
      return on_workload();
    case EventKind::to_server:
      return on_to_server(event);
    case EventKind::http_post:
      return on_http_post(event);
    case EventKind::http_reply:
      return on_http_reply(event);
    case EventKind::dispatch:
      return is_orphan(event.tab) ? on_orphan_dispatch(event) : on_dispatch(event);
    case EventKind::to_client:
      return on_to_client(event);
    case EventKind::ping:
      return on_ping(event);
    case EventKind::pong_deadline:
      return on_pong_deadline(event);
    case EventKind::page_load:
      return on_page_load(event);
    case EventKind::probe:
      return on_probe(event);
    case EventKind::socket_open:
      return on_socket_open(event);
    case EventKind::visible:
      return on_visible(event);
    case EventKind::visibility_reconnect:
      return on_visibility_reconnect(event);
    case EventKind::reap:
      return on_reap(event);
    case EventKind::form_post:
      return on_form_post(event);
    case EventKind::json_get:
      return on_json_get(event);
    case EventKind::foreign_upgrade:
      return on_foreign_upgrade(event);
  }
}

std::uint64_t Simulation::latency(int id) {
  Rng& network = network_of(id);
  if (!config_.latency_long_tail) {
    return network.between(config_.latency_us_min, config_.latency_us_max);
  }
  const double low = static_cast<double>(std::max<std::uint64_t>(config_.latency_us_min, 1));
  const double high = static_cast<double>(std::max(config_.latency_us_max, config_.latency_us_min));
  const double share = static_cast<double>(network.next() >> 11) * 0x1.0p-53;
  return static_cast<std::uint64_t>(low * std::pow(high / low, share));
}

void Simulation::trace(const Event& event) {
  const std::uint64_t fields[] = {event.time_us,
                                  static_cast<std::uint64_t>(event.kind),
                                  static_cast<std::uint64_t>(event.tab),
                                  event.generation,
                                  event.count,
                                  event.page_load,
                                  fnv(fnv_offset, event.payload)};
  result_.trace_hash = fnv(result_.trace_hash == 0 ? fnv_offset : result_.trace_hash,
                           std::string_view(reinterpret_cast<const char*>(fields), sizeof fields));
}

void Simulation::start_engine() {
  EngineConfig engine_config;
  engine_config.group_mode =
      config_.group_mode == model::GroupMode::global ? GroupMode::global : GroupMode::cookie;
  engine_config.dispatch_policy = config_.dispatch_policy == model::DispatchPolicy::coalesce
                                      ? DispatchPolicy::coalesce
                                      : DispatchPolicy::drop;
  engine_config.dispatch_queue_jobs_max = config_.dispatch_queue_max;
  engine_config.actions_per_second = config_.actions_per_second;
  engine_config.actions_burst = config_.actions_burst;
  EngineEnv env;
  env.now_us = [this] { return now_us_; };
  env.fill_random = [this](unsigned char* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      bytes[i] = static_cast<unsigned char>(engine_random_.next());
  };
  engine_ = std::make_unique<Engine>(engine_config, env);
  apps_ = add_demo_apps(*engine_);
  server_render_.clear();
  counts_at_start_ = model_.counts();
}

// --- the workload --------------------------------------------------------------------------------
void Simulation::on_workload() {
  if (steps_done_ >= steps_.size()) {  // stop: let everything drain
    workload_done_us_ = now_us_;
    for (std::size_t id = 0; id < tabs_.size(); ++id) settle_heartbeat(static_cast<int>(id));
    return;
  }
  const Step& step = steps_[steps_done_++];
  const bool open = step.tab >= 0 && step.tab < static_cast<int>(tabs_.size());
  switch (step.op) {
    case Step::Op::open:
      open_new_tab(step.browser, step.tasks_page          ? model::Page::tasks
                                 : step.reconnection_page ? model::Page::reconnection
                                                          : model::Page::broadcasting);
      break;
    case Step::Op::increment:
      if (open) user_action(step.tab, "increment");
      break;
    case Step::Op::save_notes:
      if (open) user_action(step.tab, "saveNotes", {{"notes", step.text}});
      break;
    case Step::Op::join:
      if (open) user_action(step.tab, "join", {{"username", step.text}});
      break;
    case Step::Op::send:
      if (open) user_action(step.tab, "send", {{"text", step.text}});
      break;
    case Step::Op::close:
      if (open && tabs_[step.tab].connected()) {
        ++coverage_["drop"];
        close_by_server(step.tab);
      }
      break;
    case Step::Op::reconnect:  // a back/forward cache restore
      if (open) reconnect(step.tab, "reconnect");
      break;
    case Step::Op::zombie:
      if (open && tabs_[step.tab].connected()) {
        ++coverage_["zombie"];
        go_half_open(step.tab);
      }
      break;
    case Step::Op::stall:
      ++coverage_["stall"];
      stalled_until_us_ = std::max(stalled_until_us_, now_us_ + step.duration_us);
      break;
    case Step::Op::restart:
      restart();
      break;
    case Step::Op::http:
      if (open) http_post(step.tab, "send", {{"text", step.text}}, step.name);
      break;
    case Step::Op::hide:
      if (open) {
        ++coverage_["hide"];
        SimTab& tab = tabs_[step.tab];
        tab.hidden_until_us = std::max(tab.hidden_until_us, now_us_ + step.duration_us);
        tab.hidden_with_socket_open = tab.believes_open() && !tab.http_only;
        schedule(now_us_ + step.duration_us, EventKind::visible, step.tab, 0, step.duration_us);
      }
      break;
    case Step::Op::reload:
      if (open) {
        ++coverage_["reload"];
        load_page(step.tab);
      }
      break;
    case Step::Op::slow:
      if (open) {
        ++coverage_["slow-reader"];
        tabs_[step.tab].read_us = step.duration_us;
      }
      break;
    case Step::Op::idle:  // the heartbeat ticks on; the users do nothing
      ++coverage_["idle"];
      schedule(now_us_ + step.duration_us + step.think_us, EventKind::workload);
      return;
    case Step::Op::form_post:
      if (open) form_post(step.tab, step.text, step.name, step.button_style);
      break;
    case Step::Op::json_get:
      if (open) request_at_server(step.tab, EventKind::json_get, step.name);
      break;
    case Step::Op::foreign_upgrade:
      if (open) request_at_server(step.tab, EventKind::foreign_upgrade, "");
      break;
    case Step::Op::task:
      if (open) task_step(step);
      break;
  }
  schedule(now_us_ + step.think_us, EventKind::workload);
}

// A Tasks tab's user clicks one of the page's buttons, with the form's fields as they hold
// them: the task's id (a hidden field) and a title. An op the page has no button for, or a
// tab of another page, does nothing.
void Simulation::task_step(const Step& step) {
  const int index = task_action_index(step.task_op);
  if (index < 0 || tabs_[step.tab].page != model::Page::tasks) return;
  std::vector<FormField> fields;
  if (!step.task_id.empty()) fields.push_back({"id", step.task_id});
  if (step.task_op == "add" || step.task_op == "addTop" || step.task_op == "edit") {
    fields.push_back({"title", step.text});
  }
  user_action(step.tab, task_actions[index], fields);
}

void Simulation::open_new_tab(int browser, model::Page page) {
  if (static_cast<int>(tabs_.size()) >= config_.tabs_max) return;
  tabs_.emplace_back();
  tabs_.back().browser = browser % config_.browsers;
  tabs_.back().page = page;
  tabs_.back().network = Rng(config_.seed, "network/tab" + std::to_string(tabs_.size() - 1));
  ++coverage_["open"];
  load_page(static_cast<int>(tabs_.size()) - 1);
}

// A timer that was cleared never fires: it neither runs nor moves the clock.
bool Simulation::cancelled(const Event& event) const {
  switch (event.kind) {
    case EventKind::ping: {
      const SimTab& tab = tabs_[event.tab];
      return tab.heartbeat_epoch != event.generation;  // stopping bumps the epoch too
    }
    case EventKind::pong_deadline: {
      const SimTab& tab = tabs_[event.tab];
      return !tab.believes_open() || tab.generation != event.generation || tab.pongs > event.count;
    }
    case EventKind::reap:
      return !orphans_.contains(event.tab);  // cut off before, or gone in a restart
    default:
      return false;
  }
}

// A stalled server holds every request until the stall ends, in arrival order.
bool Simulation::deferred(const Event& event) {
  if (now_us_ >= stalled_until_us_) return false;
  Event later = event;
  later.time_us = stalled_until_us_;
  schedule(std::move(later));
  return true;
}

void Simulation::restart() {
  ++coverage_["restart"];
  socket_closed_by_server_ = true;
  for (auto& tab : tabs_) {
    if (tab.socket == SimTab::Socket::connecting) tab.http_only = true;  // the attempt failed
    if (!tab.loading) ++tab.generation;  // pending events die; a page GET waits for the new
    tab.socket = SimTab::Socket::closed;
    tab.connection.reset();
    tab.replies_awaited = 0;
  }
  orphans_.clear();
  tab_of_.clear();
  model_.restart();
  item_bytes_.clear();
  start_engine();  // the in-memory log and sessions are gone
}

}  // namespace detail

RunResult run_scenario(const Scenario& scenario) {
  return detail::Simulation(scenario).run();
}

RunResult run_seed(const SimConfig& config) {
  return run_scenario(scenario_for(config));
}

}  // namespace lvt::sim
