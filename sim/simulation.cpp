// The simulator's event loop: the clock, the trace, and the workload's steps, routed to the
// parts that own them: the tabs' clients, the server, and the checker that judges both.
#include <cassert>
#include <cstring>
#include <type_traits>
#include <variant>

#include "checker.hpp"
#include "clients.hpp"
#include "context.hpp"
#include "replica_events.hpp"
#include "server.hpp"
#include "trace_hash.hpp"

namespace lvt::sim {
namespace detail {
namespace {

// The timeline's name for an event's kind, by its index in Event.
constexpr const char* event_kinds[] = {"step",
                                       "page-get",
                                       "probe",
                                       "socket-open",
                                       "frame-to-server",
                                       "http-post",
                                       "form-post",
                                       "json-get",
                                       "foreign-upgrade",
                                       "cookie-request",
                                       "dispatch",
                                       "reap",
                                       "frame-to-client",
                                       "http-reply",
                                       "heartbeat",
                                       "pong-deadline",
                                       "visible",
                                       "visibility-reconnect"};
static_assert(std::size(event_kinds) == std::variant_size_v<Event>);

// What a timeline shows of an event: its lane, its side, and what it carried.
TimelineEvent timeline_event(std::uint64_t index, std::uint64_t time_us, const Event& event) {
  TimelineEvent out;
  out.index = index;
  out.time_us = time_us;
  out.kind = event_kinds[event.index()];
  out.at_server = at_server(event) || std::holds_alternative<event::Reap>(event);
  std::visit(
      [&](const auto& e) {
        if constexpr (requires { e.tab; }) out.lane = e.tab;
        if constexpr (requires { e.end; }) out.lane = e.end;
        if constexpr (requires { e.payload; }) out.text = payload_text(e.payload);
        if constexpr (requires { e.close_code; }) {
          if (e.close_code != 0) out.text = "close " + std::to_string(e.close_code);
        }
      },
      event);
  cut_for_timeline(out.text);
  return out;
}

class Simulation {
 public:
  explicit Simulation(const Scenario& scenario, const RunOptions& options)
      : options_(options),
        context_(scenario.config, scenario.steps),
        checker_(context_, clients_),
        clients_(context_, checker_),
        server_(context_, checker_, clients_) {
    clients_.connect_to(server_);
    checker_.connect_to(server_);
  }

  RunResult run() {
    const SimConfig& config = context_.config;
    context_.schedule(0, event::Workload{});
    while (!context_.queue.empty()) {
      if (context_.events >= config.events_max()) {
        context_.fail("convergence", "the run did not quiesce within " +
                                         std::to_string(config.events_max()) +
                                         " events (a broadcast storm?)");
        return finish();
      }
      auto [time_us, event] = context_.queue.pop();
      if (cancelled(event)) continue;
      assert(time_us >= context_.now_us);
      context_.now_us = time_us;
      trace_hash_ = traced(trace_hash_, time_us, event);
      ++context_.events;
      // A stalled server holds every request until the stall ends, in arrival order.
      if (at_server(event) && time_us < server_.stalled_until_us()) {
        context_.schedule(server_.stalled_until_us(), std::move(event));
        continue;
      }
      if (options_.timeline_events_max == 0) {
        std::visit([this](const auto& e) { handle(e); }, event);
      } else {
        record(time_us, event);
      }
    }
    checker_.check_quiescence();
    return finish();
  }

 private:
  RunResult finish() {
    clients_.count_range_ops();
    RunResult result = context_.result(trace_hash_);
    result.timeline = std::move(timeline_);
    result.timeline_cut = timeline_cut_;
    return result;
  }

  // Handles the event and puts it on the timeline: a workload event as the step it ran.
  void record(std::uint64_t time_us, const Event& event) {
    const std::size_t steps_before = context_.steps_done;
    std::visit([this](const auto& e) { handle(e); }, event);
    if (timeline_.size() >= options_.timeline_events_max) {
      timeline_cut_ = true;
      return;
    }
    TimelineEvent entry = timeline_event(context_.events, time_us, event);
    if (std::holds_alternative<event::Workload>(event)) {
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

  bool cancelled(const Event& event) const {
    if (const auto* tick = std::get_if<event::HeartbeatTick>(&event)) {
      return clients_.cancelled(*tick);
    }
    if (const auto* deadline = std::get_if<event::PongDeadline>(&event)) {
      return clients_.cancelled(*deadline);
    }
    if (const auto* reap = std::get_if<event::Reap>(&event)) return server_.cancelled(*reap);
    return false;
  }

  void handle(const event::Workload&) { step(); }
  template <class Event>
  requires requires(Server& server, const Event& e) { server.on(e); }
  void handle(const Event& event) { server_.on(event); }
  template <class Event>
  requires requires(Clients& clients, const Event& e) { clients.on(e); }
  void handle(const Event& event) { clients_.on(event); }

  void step();
  void task_step(const Step& step);

  RunOptions options_;
  std::vector<TimelineEvent> timeline_;
  bool timeline_cut_ = false;
  Context context_;
  Checker checker_;
  Clients clients_;
  Server server_;
  std::uint64_t trace_hash_ = 0;
};

// --- the workload --------------------------------------------------------------------------------
void Simulation::step() {
  if (context_.workload_done()) {  // stop: let everything drain
    context_.workload_done_us = context_.now_us;
    for (std::size_t id = 0; id < clients_.tabs().size(); ++id) {
      clients_.settle_heartbeat(static_cast<int>(id));
    }
    return;
  }
  const Step& step = context_.steps[context_.steps_done++];
  const bool open = clients_.exists(step.tab);
  const bool connected = open && server_.end_of(step.tab) != nullptr;
  switch (step.op) {
    case Step::Op::open:
      clients_.open_tab(step.browser, step.tasks_page          ? model::Page::tasks
                                      : step.reconnection_page ? model::Page::reconnection
                                                               : model::Page::broadcasting);
      break;
    case Step::Op::increment:
      if (open) clients_.user_action(step.tab, "increment");
      break;
    case Step::Op::save_notes:
      if (open) clients_.user_action(step.tab, "saveNotes", {{"notes", step.text}});
      break;
    case Step::Op::join:
      if (open) clients_.user_action(step.tab, "join", {{"username", step.text}});
      break;
    case Step::Op::send:
      if (open) clients_.user_action(step.tab, "send", {{"text", step.text}});
      break;
    case Step::Op::close:
      if (connected) {
        ++context_.coverage["drop"];
        server_.close_socket(step.tab);
      }
      break;
    case Step::Op::reconnect:  // a back/forward cache restore
      if (open) clients_.reconnect(step.tab, "reconnect");
      break;
    case Step::Op::zombie:
      if (connected) {
        ++context_.coverage["zombie"];
        server_.go_half_open(step.tab);
      }
      break;
    case Step::Op::stall:
      server_.stall(step.duration_us);
      break;
    case Step::Op::restart:
      server_.restart();
      break;
    case Step::Op::http:
      if (open) clients_.http_post(step.tab, "send", {{"text", step.text}}, step.name);
      break;
    case Step::Op::hide:
      if (open) clients_.hide(step.tab, step.duration_us);
      break;
    case Step::Op::reload:
      if (open) clients_.reload(step.tab);
      break;
    case Step::Op::slow:
      if (open) {
        ++context_.coverage["slow-reader"];
        clients_.read_slowly(step.tab, step.duration_us);
      }
      break;
    case Step::Op::idle:  // the heartbeat ticks on; the users do nothing
      ++context_.coverage["idle"];
      context_.schedule(context_.now_us + step.duration_us + step.think_us, event::Workload{});
      return;
    case Step::Op::form_post:
      if (open) clients_.form_post(step.tab, step.text, step.name, step.button_style);
      break;
    case Step::Op::json_get:
      if (open) clients_.json_get(step.tab, step.name);
      break;
    case Step::Op::foreign_upgrade:
      if (open) clients_.foreign_upgrade(step.tab);
      break;
    case Step::Op::task:
      if (open) task_step(step);
      break;
    case Step::Op::navigate:
      if (open) clients_.navigate(step.tab, step.name);
      break;
    case Step::Op::raw_send:
      if (open) clients_.raw_send(step.tab, step.text);
      break;
    case Step::Op::older:
      if (open) clients_.user_action(step.tab, "older");
      break;
    case Step::Op::cookie:
      if (open) clients_.cookie_request(step.tab, step.cookie_kind, step.text, step.name);
      break;
    case Step::Op::crash:  // faults of replicas: one process has none of them
    case Step::Op::cut:
    case Step::Op::bus_loss:
    case Step::Op::broker_restart:
    case Step::Op::duplicate:
      break;
  }
  context_.schedule(context_.now_us + step.think_us, event::Workload{});
}

// A Tasks tab's user clicks one of the page's buttons, with the form's fields as they hold
// them: the task's id (a hidden field) and a title. An op the page has no button for, or a
// tab of another page, does nothing.
void Simulation::task_step(const Step& step) {
  const int index = task_action_index(step.task_op);
  if (index < 0 || clients_.tabs()[step.tab].page != model::Page::tasks) return;
  std::vector<FormField> fields;
  if (!step.task_id.empty()) fields.push_back({"id", step.task_id});
  if (step.task_op == "add" || step.task_op == "addTop" || step.task_op == "edit") {
    fields.push_back({"title", step.text});
  }
  clients_.user_action(step.tab, task_actions[index], fields);
}

}  // namespace
}  // namespace detail

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  if (scenario.config.replicas > 0) return detail::run_replica_world(scenario, options);
  return detail::Simulation(scenario, options).run();
}

RunResult run_seed(const SimConfig& config) {
  return run_scenario(scenario_for(config));
}

}  // namespace lvt::sim
