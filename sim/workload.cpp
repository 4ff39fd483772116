// Swarm workloads: what each seed turns on and at what rates, and the steps it generates.
#include <sstream>

#include "rng.hpp"
#include "simulation.hpp"

namespace lvt::sim {
namespace {

// Text as people type and paste it: markup, entities typed as text, quotes, the client's
// placeholder shape, backslashes, tabs, newlines and the other short escapes inside, a terminal's
// escape sequence (a control byte), multi-byte letters and emoji; now and then blank, or at and
// around the limit.
std::string pick_text(Rng& rng) {
  static const std::vector<std::string> words = {
      "hi", "hello", "ok", "é", "✓", "日本", "😀", "<b>", "&", "&lt;", "&#34;", "\"q\"", "'",
      "{{x}}", "a", "b c", "C:\\temp", "a\tb", "x\ny", "1\b2\f3\r4", "\x1b[0m", "<p>new</p>",
      "</textarea>",
      // Numbers and booleans, which the client sends as JSON numbers and booleans when the
      // whole field is one (and "Infinity" as null); "007" and "1.50" stay text.
      "42", "-7", "-3.5", "007", "1.50", "true", "Infinity"};
  const auto roll = rng.below(40);
  if (roll < 2) return "   ";                                            // empty after trimming
  if (roll == 2) return std::string(model::message_chars_max + 1, 'x');  // over the limit
  if (roll == 3) return std::string(model::message_chars_max, 'x');      // at the limit
  if (roll == 4) {  // at the limit in characters, three or four times that in bytes
    std::string out;
    for (std::size_t i = 0; i < model::message_chars_max; ++i) out += i % 2 ? "日" : "😀";
    return out;
  }
  std::string out;
  for (auto n = rng.between(1, 4); n > 0; --n) {
    out += words[rng.below(words.size())];
    out += ' ';
  }
  return out;
}

std::string pick_name(Rng& rng) {
  static const std::vector<std::string> names = {"Alice",      "Bob",       "Carol",    "Dan",
                                                 "<i>Eve</i>", "Zoë",       "  Fay  ",  "",
                                                 "\tGus\n",    "Hal & Ida", "\vIvy\r\f"};
  const auto roll = rng.below(40);
  auto repeated = [](std::string_view unit, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) out += unit;
    return out;
  };
  if (roll == 0) return repeated("n", model::username_chars_max + 1);  // over the limit
  if (roll == 1) return repeated("n", model::username_chars_max);      // at the limit
  if (roll == 2) return repeated("é", model::username_chars_max);      // at it in 2-byte letters
  if (roll == 3) return repeated("😀", model::username_chars_max + 1);  // over it in emoji
  return names[rng.below(names.size())];
}

// A Tasks tab's operation: mostly adds and edits with titles as people type them (sometimes
// empty or over 200 characters), ids from a small range so that some name deleted tasks (or
// none yet), and now and then a burst of 101 adds against the list's bound of 100. Half the
// moves name `newest`, a guess at the last task added (ids count up per group): a peer that
// catches up on an add and its move sees a task appear between two it holds (an insert).
void pick_task(Rng& rng, Step& step, std::uint64_t& newest) {
  static constexpr const char* ops[] = {"add",    "addTop", "edit",     "toggle",
                                        "delete", "moveUp", "moveDown", "clearDone"};
  static constexpr int weights[] = {5, 4, 2, 3, 2, 2, 2, 1};
  int roll = static_cast<int>(rng.below(21));
  int op = 0;
  while (roll >= weights[op]) roll -= weights[op++];
  step.task_op = ops[op];
  if (op >= 2 && op <= 6) step.task_id = std::to_string(rng.between(1, 12));
  if ((op == 5 || op == 6) && newest > 0 && rng.chance(0.5)) step.task_id = std::to_string(newest);
  if (op <= 2) {
    const auto title = rng.below(20);
    if (op < 2 && title > 1) ++newest;
    if (title == 0) {
      step.text = "  ";
    } else if (title == 1) {
      step.text = std::string(model::task_title_chars_max + 1, 't');
    } else if (title == 2) {
      step.text = std::string(model::task_title_chars_max, 't');
    } else {
      step.text = pick_text(rng);
      // A message's long texts are over a title's limit; keep most titles short.
      if (model::utf8_chars(step.text) > model::task_title_chars_max && rng.chance(0.7)) {
        step.text = "task";
      }
    }
  }
}

}  // namespace

SimConfig config_for_seed(std::uint64_t seed) {
  Rng swarm(seed, "swarm");
  SimConfig c;
  c.seed = seed;
  c.group_mode = swarm.chance(0.5) ? model::GroupMode::cookie : model::GroupMode::global;
  c.dispatch_policy =
      swarm.chance(0.5) ? model::DispatchPolicy::drop : model::DispatchPolicy::coalesce;
  c.dispatch_queue_max = swarm.chance(0.5) ? 16 : swarm.between(1, 4);
  c.browsers = static_cast<int>(swarm.between(1, 4));
  c.tabs_max = static_cast<int>(swarm.between(1, 8));
  c.steps = static_cast<int>(swarm.between(50, 400));
  auto weight = [&swarm](int on) { return swarm.chance(0.8) ? on : 0; };  // swarm: some ops off
  c.weight_open = 1 + weight(2);
  c.weight_join = 1 + weight(3);
  c.weight_send = 1 + weight(6);
  c.weight_close = weight(1);
  c.weight_reconnect = weight(1);
  c.weight_restart = swarm.chance(0.2) ? 1 : 0;
  c.weight_http = weight(1);
  c.weight_persist = weight(2);
  c.weight_stall = swarm.chance(0.3) ? 1 : 0;
  c.stall_us_max = c.weight_stall ? swarm.between(10'000, 2'000'000) : 0;
  c.weight_zombie = swarm.chance(0.3) ? 1 : 0;
  c.reconnection_tabs_percent = swarm.chance(0.5) ? 0 : static_cast<int>(swarm.between(10, 50));
  c.latency_us_max = swarm.chance(0.5) ? 2'000 : 200'000;
  c.think_us_mean = swarm.chance(0.5) ? 1'000 : 50'000;
  c.dispatch_delay_us_max = swarm.chance(0.5) ? 100 : 50'000;
  // Drawn after the older choices, so those stay what they were for every seed.
  c.weight_hide = weight(1);
  c.weight_reload = weight(1);
  c.weight_slow = swarm.chance(0.3) ? 1 : 0;
  c.latency_long_tail = swarm.chance(0.5);
  // The rest of the input surface: idle pauses, forms without JavaScript, the JSON GET, and
  // upgrades from other sites.
  c.weight_idle = swarm.chance(0.3) ? 1 : 0;
  c.weight_form_post = weight(1);
  c.weight_json_get = weight(1);
  c.weight_foreign_upgrade = swarm.chance(0.3) ? 1 : 0;
  // The rate limit: off, the server's default, or tight enough that a quick user meets it.
  if (const auto roll = swarm.below(10); roll >= 5) {
    const bool tight = roll >= 8;
    // The slowest (one action in 20 s) leaves a tab's heartbeat pings over the rate too.
    c.actions_per_second = !tight              ? 50.0
                           : swarm.chance(0.3) ? 0.05
                                               : static_cast<double>(swarm.between(1, 20));
    c.actions_burst = tight ? static_cast<double>(swarm.between(1, 10)) : 100.0;
  }
  if (c.weight_slow) {  // slow readers against a small outbound queue: some are cut off
    c.read_us_max = swarm.between(50'000, 500'000);
    c.outbound_frames_max = swarm.between(1, 8);
    c.network_frames_max = swarm.between(1, 2);
  }
  // The Tasks page, drawn after every older choice so that those stay what they were.
  if (swarm.chance(0.6)) {
    c.tasks_tabs_percent = static_cast<int>(swarm.between(20, 80));
    c.weight_task = static_cast<int>(swarm.between(2, 8));
  }
  c.weight_cookie = swarm.chance(0.3) ? 1 : 0;  // malformed and other sites' cookies
  c.weight_navigate = swarm.chance(0.3) ? 1 : 0;
  c.weight_raw_send = swarm.chance(0.3) ? 1 : 0;
  // The bounded log: a small ring (the oldest evicted) and a window with pages back, or the
  // whole log as livetemplate's example shows it.
  if (swarm.chance(0.5)) c.log_messages_max = swarm.between(3, 30);
  if (swarm.chance(0.5)) c.log_window = swarm.between(2, 8);
  c.weight_older = swarm.chance(0.4) ? static_cast<int>(swarm.between(1, 2)) : 0;
  c.debug_logs = swarm.chance(0.25);
  c.ipv6_loopback = swarm.chance(0.3);
  // A quarter of the seeds run replicas over the simulated broker, with its faults; their tabs
  // show the Broadcasting page over WebSockets, the whole log the server keeps, unlimited.
  if (swarm.chance(0.25)) {
    c.replicas = static_cast<int>(swarm.between(1, 4));
    c.heal = swarm.chance(0.7);
    c.broker_persistent = swarm.chance(0.8);
    c.weight_crash = swarm.chance(0.4) ? 1 : 0;
    c.weight_cut = swarm.chance(0.5) ? 1 : 0;
    c.weight_bus_loss = swarm.chance(0.5) ? 1 : 0;
    c.weight_broker_restart = swarm.chance(0.2) ? 1 : 0;
    c.weight_duplicate = swarm.chance(0.4) ? 1 : 0;
    c.log_window = 0;
    c.actions_per_second = c.actions_burst = 1e9;
  }
  return c;
}

namespace {

// The replicas' world's steps: tabs open at any replica, join, send, drop and reconnect at
// another; replicas crash, their links are cut or their bus lost, the broker restarts or
// delivers twice. Texts carry their step's number, so each message is told apart on a page.
void replica_steps(Scenario& scenario) {
  const SimConfig& c = scenario.config;
  Rng workload(c.seed, "workload");
  static const std::vector<std::string> names = {"Ann", "Bob", "Zoë", "<i>Eve</i>", "Hal & Ida"};
  static const std::vector<std::string> words = {"hi", "a & b", "<b>bold</b>", "it's", "✓ 日本"};
  const std::pair<Step::Op, int> weights[] = {{Step::Op::open, c.weight_open},
                                              {Step::Op::join, c.weight_join},
                                              {Step::Op::send, c.weight_send},
                                              {Step::Op::close, c.weight_close},
                                              {Step::Op::reconnect, c.weight_reconnect},
                                              {Step::Op::crash, c.weight_crash},
                                              {Step::Op::cut, c.weight_cut},
                                              {Step::Op::bus_loss, c.weight_bus_loss},
                                              {Step::Op::broker_restart, c.weight_broker_restart},
                                              {Step::Op::duplicate, c.weight_duplicate}};
  int total = 0;
  for (const auto& [op, weight] : weights) total += weight;
  int opened = 0;
  for (int i = 0; i < c.steps; ++i) {
    int roll = static_cast<int>(workload.below(static_cast<std::uint64_t>(total)));
    std::size_t pick = 0;
    while (roll >= weights[pick].second) roll -= weights[pick++].second;
    Step step;
    step.op = weights[pick].first;
    step.replica = static_cast<int>(workload.below(static_cast<std::uint64_t>(c.replicas)));
    if (step.op == Step::Op::open) {
      step.browser = static_cast<int>(workload.below(static_cast<std::uint64_t>(c.browsers)));
      opened = std::min(opened + 1, c.tabs_max);
    } else {
      step.tab = static_cast<int>(workload.below(static_cast<std::uint64_t>(std::max(opened, 1))));
    }
    if (step.op == Step::Op::join) step.text = names[workload.below(names.size())];
    if (step.op == Step::Op::send) {
      step.text = "m" + std::to_string(i + 1) + " " + words[workload.below(words.size())];
    }
    if (step.op == Step::Op::crash || step.op == Step::Op::cut) {
      step.duration_us = workload.between(10'000, SimConfig::replica_fault_us_max);
    }
    step.think_us = workload.below(2 * c.think_us_mean + 1);
    scenario.steps.push_back(std::move(step));
  }
}

}  // namespace

std::string SimConfig::describe() const {
  std::ostringstream out;
  out << "seed=" << seed
      << " groups=" << (group_mode == model::GroupMode::cookie ? "cookie" : "global")
      << " policy=" << (dispatch_policy == model::DispatchPolicy::drop ? "drop" : "coalesce")
      << " queue=" << dispatch_queue_max << " browsers=" << browsers << " tabs_max=" << tabs_max
      << " steps=" << steps
      << " weights(open,join,send,close,reconnect,restart,http)=" << weight_open << ','
      << weight_join << ',' << weight_send << ',' << weight_close << ',' << weight_reconnect << ','
      << weight_restart << ',' << weight_http << " persist_weight=" << weight_persist
      << " stall_weight=" << weight_stall << " stall_us_max=" << stall_us_max
      << " zombie_weight=" << weight_zombie << " hide_weight=" << weight_hide
      << " reload_weight=" << weight_reload << " slow_weight=" << weight_slow
      << " idle_weight=" << weight_idle << " form_post_weight=" << weight_form_post
      << " json_get_weight=" << weight_json_get << " task_weight=" << weight_task
      << " tasks_tabs=" << tasks_tabs_percent << "%"
      << " foreign_upgrade_weight=" << weight_foreign_upgrade << " cookie_weight=" << weight_cookie
      << " navigate_weight=" << weight_navigate << " raw_send_weight=" << weight_raw_send
      << " older_weight=" << weight_older << " log_messages_max=" << log_messages_max
      << " log_window=" << log_window << " debug_logs=" << (debug_logs ? "on" : "off")
      << " host=" << (ipv6_loopback ? "[::1]" : "127.0.0.1") << " rate_limit="
      << (rate_limited()
              ? std::to_string(actions_per_second) + "/s burst " + std::to_string(actions_burst)
              : std::string("off"))
      << " read_us_max=" << read_us_max << " outbound_frames_max=" << outbound_frames_max
      << " network_frames_max=" << network_frames_max
      << " reconnection_tabs=" << reconnection_tabs_percent << "% latency_us=" << latency_us_min
      << ".." << latency_us_max << (latency_long_tail ? " (long-tailed)" : " (uniform)")
      << " think_us_mean=" << think_us_mean << " dispatch_delay_us_max=" << dispatch_delay_us_max;
  if (replicas > 0) {
    out << " replicas=" << replicas << " heal=" << (heal ? "on" : "off")
        << " broker=" << (broker_persistent ? "persistent" : "in-memory")
        << " weights(crash,cut,bus_loss,broker_restart,duplicate)=" << weight_crash << ','
        << weight_cut << ',' << weight_bus_loss << ',' << weight_broker_restart << ','
        << weight_duplicate;
  }
  return out.str();
}

Scenario scenario_for_seed(std::uint64_t seed) {
  return scenario_for(config_for_seed(seed));
}

Scenario scenario_for(const SimConfig& config) {
  Scenario scenario{config, {}};
  const SimConfig& c = scenario.config;
  if (c.replicas > 0) {
    replica_steps(scenario);
    return scenario;
  }
  Rng workload(c.seed, "workload");
  // In the order of Step::Op; increment and save_notes share the persist weight.
  const int weights[] = {c.weight_open,      c.weight_join,      c.weight_send,
                         c.weight_close,     c.weight_reconnect, c.weight_restart,
                         c.weight_http,      c.weight_persist,   c.weight_persist,
                         c.weight_stall,     c.weight_zombie,    c.weight_hide,
                         c.weight_reload,    c.weight_slow,      c.weight_idle,
                         c.weight_form_post, c.weight_json_get,  c.weight_foreign_upgrade,
                         c.weight_task,      c.weight_cookie,    c.weight_navigate,
                         c.weight_raw_send,  c.weight_older};
  static_assert(std::size(weights) == static_cast<std::size_t>(Step::Op::older) + 1);
  int total = 0;
  for (int w : weights) total += w;
  int opened = 0;
  std::vector<int> tasks_tabs;  // the tabs that will show the Tasks page, as far as known here
  std::uint64_t newest_task = 0;
  scenario.steps.reserve(static_cast<std::size_t>(std::max(c.steps, 0)));
  for (int i = 0; i < c.steps; ++i) {
    int roll = static_cast<int>(workload.below(static_cast<std::uint64_t>(total)));
    int op = 0;
    while (roll >= weights[op]) roll -= weights[op++];
    Step step;
    step.op = static_cast<Step::Op>(op);
    if (step.op == Step::Op::open) {
      step.browser = static_cast<int>(workload.below(static_cast<std::uint64_t>(c.browsers)));
      step.reconnection_page =
          workload.below(100) < static_cast<std::uint64_t>(c.reconnection_tabs_percent);
      // Drawn only when the seed has Tasks tabs, so that other seeds' streams stay as they were.
      if (c.tasks_tabs_percent > 0 && !step.reconnection_page) {
        step.tasks_page = workload.below(100) < static_cast<std::uint64_t>(c.tasks_tabs_percent);
      }
      if (step.tasks_page && opened < c.tabs_max) tasks_tabs.push_back(opened);
      opened = std::min(opened + 1, c.tabs_max);
    } else {
      step.tab = static_cast<int>(workload.below(static_cast<std::uint64_t>(std::max(opened, 1))));
      if (step.op == Step::Op::join) step.text = pick_name(workload);
      if (step.op == Step::Op::send || step.op == Step::Op::http || step.op == Step::Op::raw_send ||
          step.op == Step::Op::save_notes) {
        step.text = pick_text(workload);
      }
      // Now and then notes at or just over their own, larger limit, in ASCII or 2-byte letters.
      if (step.op == Step::Op::save_notes && workload.below(20) == 0) {
        const std::size_t chars = model::notes_chars_max + workload.below(2);
        const bool wide = workload.chance(0.5);
        step.text.clear();
        for (std::size_t i = 0; i < chars; ++i) step.text += wide ? "é" : "n";
      }
      if (step.op == Step::Op::http || step.op == Step::Op::form_post ||
          step.op == Step::Op::json_get || step.op == Step::Op::navigate) {
        step.name = pick_name(workload);
      }
      if (step.op == Step::Op::cookie) {
        step.text = pick_text(workload);
        step.cookie_kind = static_cast<int>(workload.below(cookie_kinds_count));
        step.name = pick_name(workload);
      }
      if (step.op == Step::Op::form_post) {
        step.text = pick_text(workload);
        step.button_style = static_cast<int>(workload.below(4));
      }
      if (step.op == Step::Op::task) {
        // Mostly on a Tasks tab; now and then on any tab, where the page has no such action.
        if (!tasks_tabs.empty() && workload.below(10) != 0) {
          step.tab = tasks_tabs[workload.below(tasks_tabs.size())];
        }
        pick_task(workload, step, newest_task);
      }
    }
    if (step.op == Step::Op::stall) step.duration_us = workload.between(1, c.stall_us_max);
    if (step.op == Step::Op::hide) step.duration_us = workload.below(SimConfig::hidden_us_max + 1);
    if (step.op == Step::Op::slow) step.duration_us = workload.between(1, c.read_us_max);
    if (step.op == Step::Op::idle) {
      step.duration_us = workload.between(SimConfig::idle_us_min, SimConfig::idle_us_max);
    }
    step.think_us = workload.below(2 * c.think_us_mean + 1);
    // Now and then a user adds 101 tasks in a row, quickly: the list holds at most 100.
    if (step.op == Step::Op::task && step.task_op == "add" && workload.below(150) == 0) {
      for (std::size_t n = 0; n <= model::tasks_per_group_max; ++n) {
        Step add = step;
        add.text = "t" + std::to_string(n);
        add.think_us = 2 * c.latency_us_max + 10'000;  // past the answer: the form is not busy
        scenario.steps.push_back(std::move(add));
      }
      newest_task += model::tasks_per_group_max;
      continue;
    }
    // Mostly, a task added to the top moves down one at once: a peer that catches up on
    // both sees it appear between two tasks it holds (the range's insert).
    const bool move_down = step.op == Step::Op::task && step.task_op == "addTop" &&
                           !step.text.empty() && workload.below(4) != 0;
    // Right after the add's answer (its form is busy until then), before a slow dispatch.
    if (move_down) step.think_us = 2 * c.latency_us_max + 1'000;
    Step moved = step;
    scenario.steps.push_back(std::move(step));
    if (move_down) {
      moved.task_op = "moveDown";
      moved.task_id = std::to_string(newest_task);
      moved.text.clear();
      moved.think_us = workload.below(2 * c.think_us_mean + 1);
      scenario.steps.push_back(std::move(moved));
    }
  }
  return scenario;
}

}  // namespace lvt::sim
