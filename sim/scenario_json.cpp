// Scenarios as JSON: what `lvtlab check` writes for a shrunk failure and `lvtlab replay` runs,
// and the format of hand-written scenarios.
#include <iterator>
#include <stdexcept>

#include "simulation.hpp"

namespace lvt::sim {
namespace {

using nlohmann::json;

constexpr const char* op_names[] = {
    "open",   "join",      "send",           "close",     "reconnect", "restart",
    "http",   "increment", "save_notes",     "stall",     "zombie",    "hide",
    "reload", "slow",      "idle",           "form_post", "json_get",  "foreign_upgrade",
    "task",   "cookie",    "navigate",       "raw_send",  "older",     "crash",
    "cut",    "bus_loss",  "broker_restart", "duplicate"};
static_assert(std::size(op_names) == static_cast<std::size_t>(Step::Op::duplicate) + 1);
// The JSON name of a step's duration, by op.
const char* duration_key(Step::Op op) {
  switch (op) {
    case Step::Op::stall:
      return "stall_us";
    case Step::Op::hide:
      return "hidden_us";
    case Step::Op::slow:
      return "read_us";
    case Step::Op::idle:
      return "idle_us";
    case Step::Op::crash:
      return "down_us";
    case Step::Op::cut:
      return "cut_us";
    default:
      return nullptr;
  }
}

Step::Op op_named(const std::string& name) {
  for (std::size_t i = 0; i < std::size(op_names); ++i) {
    if (name == op_names[i]) return static_cast<Step::Op>(i);
  }
  throw std::invalid_argument("unknown step op '" + name + "'");
}

}  // namespace

json scenario_to_json(const Scenario& scenario) {
  const SimConfig& c = scenario.config;
  json config = {
      {"seed", c.seed},
      {"group_mode", c.group_mode == model::GroupMode::cookie ? "cookie" : "global"},
      {"dispatch_policy", c.dispatch_policy == model::DispatchPolicy::drop ? "drop" : "coalesce"},
      {"dispatch_queue_max", c.dispatch_queue_max},
      {"browsers", c.browsers},
      {"tabs_max", c.tabs_max},
      {"latency_us_min", c.latency_us_min},
      {"latency_us_max", c.latency_us_max},
      {"latency_distribution", c.latency_long_tail ? "long_tail" : "uniform"},
      {"dispatch_delay_us_max", c.dispatch_delay_us_max},
      {"outbound_frames_max", c.outbound_frames_max},
      {"network_frames_max", c.network_frames_max}};
  if (c.rate_limited()) {
    config["actions_per_second"] = c.actions_per_second;
    config["actions_burst"] = c.actions_burst;
  }
  if (c.debug_logs) config["debug_logs"] = true;
  if (c.replicas > 0) {
    config["replicas"] = c.replicas;
    config["heal"] = c.heal;
    config["broker_persistent"] = c.broker_persistent;
  }
  if (c.ipv6_loopback) config["ipv6_loopback"] = true;
  if (c.log_messages_max != limits::log_messages_default || c.log_window != 0) {
    config["log_messages_max"] = c.log_messages_max;
    config["log_window"] = c.log_window;
  }
  json steps = json::array();
  for (const Step& step : scenario.steps) steps.push_back(step_to_json(step));
  return {{"config", std::move(config)}, {"steps", std::move(steps)}};
}

json step_to_json(const Step& step) {
  {
    json s = {{"op", op_names[static_cast<int>(step.op)]}, {"think_us", step.think_us}};
    if (step.op == Step::Op::open) {
      s["browser"] = step.browser;
      if (step.reconnection_page) s["page"] = "reconnection";
      if (step.tasks_page) s["page"] = "tasks";
    } else if (step.op == Step::Op::crash || step.op == Step::Op::cut ||
               step.op == Step::Op::bus_loss || step.op == Step::Op::duplicate) {
      s["replica"] = step.replica;
    } else if (step.op != Step::Op::restart && step.op != Step::Op::broker_restart) {
      s["tab"] = step.tab;
    }
    if (step.op == Step::Op::open && step.replica != 0) s["replica"] = step.replica;
    if (step.op == Step::Op::task) {
      s["task"] = step.task_op;
      if (!step.task_id.empty()) s["id"] = step.task_id;
      if (!step.text.empty()) s["title"] = step.text;
    } else if (!step.text.empty()) {
      s["text"] = step.text;
    }
    if (!step.name.empty()) s["name"] = step.name;
    if (step.button_style != 0) s["button_style"] = step.button_style;
    if (step.op == Step::Op::cookie) s["cookie"] = cookie_kinds[step.cookie_kind].name;
    if (const char* key = duration_key(step.op)) s[key] = step.duration_us;
    return s;
  }
}

Scenario scenario_from_json(const json& in) {
  Scenario scenario;
  SimConfig& c = scenario.config;
  const json& config = in.at("config");
  c.seed = config.value("seed", std::uint64_t{0});
  c.group_mode = config.value("group_mode", std::string("cookie")) == "global"
                     ? model::GroupMode::global
                     : model::GroupMode::cookie;
  c.dispatch_policy = config.value("dispatch_policy", std::string("drop")) == "coalesce"
                          ? model::DispatchPolicy::coalesce
                          : model::DispatchPolicy::drop;
  c.dispatch_queue_max = config.value("dispatch_queue_max", std::size_t{16});
  c.browsers = config.value("browsers", 2);
  c.tabs_max = config.value("tabs_max", 4);
  c.latency_us_min = config.value("latency_us_min", std::uint64_t{100});
  c.latency_us_max = config.value("latency_us_max", std::uint64_t{20'000});
  const std::string distribution = config.value("latency_distribution", std::string("uniform"));
  if (distribution != "uniform" && distribution != "long_tail") {
    throw std::invalid_argument("latency_distribution must be uniform or long_tail");
  }
  c.latency_long_tail = distribution == "long_tail";
  c.dispatch_delay_us_max = config.value("dispatch_delay_us_max", std::uint64_t{5'000});
  c.outbound_frames_max = config.value("outbound_frames_max", limits::outbound_frames_default);
  c.network_frames_max = config.value("network_frames_max", std::size_t{64});
  c.actions_per_second = config.value("actions_per_second", 1e9);
  c.actions_burst = config.value("actions_burst", 1e9);
  c.log_messages_max = config.value("log_messages_max", limits::log_messages_default);
  c.log_window = config.value("log_window", std::size_t{0});
  c.debug_logs = config.value("debug_logs", false);
  c.ipv6_loopback = config.value("ipv6_loopback", false);
  c.replicas = config.value("replicas", 0);
  c.heal = config.value("heal", true);
  c.broker_persistent = config.value("broker_persistent", true);
  if (c.replicas < 0 || c.replicas > 4) throw std::invalid_argument("replicas must be 0 to 4");
  if (c.log_messages_max < 1 || c.log_messages_max > 100'000'000 || c.log_window > 100'000) {
    throw std::invalid_argument(
        "log_messages_max must be 1 to 100000000, log_window at most 100000");
  }
  if (!(c.actions_per_second > 0) || !(c.actions_burst >= 1)) {
    throw std::invalid_argument("actions_per_second must be above 0 and actions_burst at least 1");
  }
  if (c.browsers < 1 || c.browsers > 1000 || c.tabs_max < 1 || c.tabs_max > 100'000 ||
      c.dispatch_queue_max < 1 || c.latency_us_min > c.latency_us_max ||
      c.outbound_frames_max < 1 || c.network_frames_max < 1 || c.network_frames_max > 1'000'000) {
    throw std::invalid_argument("config out of range");
  }
  for (const json& s : in.at("steps")) {
    Step step;
    step.op = op_named(s.at("op").get<std::string>());
    step.tab = s.value("tab", 0);
    step.browser = s.value("browser", 0);
    step.replica = s.value("replica", 0);
    if (step.replica < 0) throw std::invalid_argument("a step's replica must be 0 or more");
    const std::string page = s.value("page", std::string("broadcasting"));
    if (page != "broadcasting" && page != "reconnection" && page != "tasks") {
      throw std::invalid_argument("page must be broadcasting, reconnection or tasks");
    }
    step.reconnection_page = page == "reconnection";
    step.tasks_page = page == "tasks";
    if (const char* key = duration_key(step.op)) step.duration_us = s.value(key, std::uint64_t{0});
    if (step.duration_us > 3'600'000'000ull) throw std::invalid_argument("a step over an hour");
    // What the steps use bounds the virtual time the run may take to quiesce.
    if (step.op == Step::Op::stall) c.stall_us_max = std::max(c.stall_us_max, step.duration_us);
    if (step.op == Step::Op::slow) c.read_us_max = std::max(c.read_us_max, step.duration_us);
    if (step.op == Step::Op::hide) c.weight_hide = 1;
    if (step.op == Step::Op::zombie) c.weight_zombie = 1;  // turns the client's heartbeat on
    step.text = s.value(step.op == Step::Op::task ? "title" : "text", std::string());
    if (step.op == Step::Op::task) {
      step.task_op = s.at("task").get<std::string>();
      if (task_action_index(step.task_op) < 0) {
        throw std::invalid_argument("unknown task op '" + step.task_op + "'");
      }
      step.task_id = s.value("id", std::string());
    }
    step.name = s.value("name", std::string());
    step.button_style = s.value("button_style", 0);
    if (step.button_style < 0 || step.button_style > 3) {
      throw std::invalid_argument("button_style must be 0 to 3");
    }
    if (step.op == Step::Op::cookie) {
      const std::string kind = s.value("cookie", std::string(cookie_kinds[0].name));
      step.cookie_kind = -1;
      for (int k = 0; k < cookie_kinds_count; ++k) {
        if (kind == cookie_kinds[k].name) step.cookie_kind = k;
      }
      if (step.cookie_kind < 0) throw std::invalid_argument("unknown cookie kind '" + kind + "'");
    }
    step.think_us = s.value("think_us", std::uint64_t{1000});
    scenario.steps.push_back(std::move(step));
  }
  c.steps = static_cast<int>(scenario.steps.size());
  // The steps are explicit: nothing is generated from weights.
  c.weight_open = c.weight_join = c.weight_send = c.weight_close = c.weight_reconnect = 0;
  c.weight_restart = c.weight_http = c.weight_persist = c.weight_stall = 0;
  c.weight_reload = c.weight_slow = c.weight_idle = c.weight_form_post = c.weight_json_get = 0;
  c.weight_foreign_upgrade = c.weight_task = c.weight_cookie = c.weight_navigate = 0;
  c.weight_raw_send = c.weight_older = 0;
  c.think_us_mean = 0;
  return scenario;
}

}  // namespace lvt::sim
