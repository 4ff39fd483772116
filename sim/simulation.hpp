// A deterministic discrete-event simulation of browsers, tabs and one server engine on a
// virtual clock. Every random choice comes from streams of one seed and ties break by
// insertion order, so a seed replays bit for bit (same trace hash).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broadcast_model.hpp"
#include "limits.hpp"

namespace lvt::sim {

// What a seed chose (swarm testing: each seed turns operations and faults on and off).
struct SimConfig {
  std::uint64_t seed = 0;
  model::GroupMode group_mode = model::GroupMode::cookie;
  model::DispatchPolicy dispatch_policy = model::DispatchPolicy::drop;
  std::size_t dispatch_queue_max = 16;
  int browsers = 2;
  int tabs_max = 4;
  int steps = 300;  // workload operations
  // Relative weights of the operations; 0 turns one off.
  int weight_open = 2, weight_join = 3, weight_send = 6, weight_close = 1, weight_reconnect = 1,
      weight_restart = 0, weight_http = 0, weight_persist = 0, weight_stall = 0, weight_zombie = 0,
      weight_hide = 0, weight_reload = 0, weight_slow = 0, weight_idle = 0, weight_form_post = 0,
      weight_json_get = 0, weight_foreign_upgrade = 0, weight_task = 0, weight_cookie = 0,
      weight_navigate = 0, weight_raw_send = 0, weight_older = 0;
  // An idle pause of the whole workload, longer than the heartbeat: pings on healthy sockets.
  static constexpr std::uint64_t idle_us_min = 20'000'000, idle_us_max = 50'000'000;
  std::uint64_t stall_us_max = 0;  // a server stall holds every request for up to this long
  // A tab hidden this long or more reconnects when it becomes visible again (the client's rule).
  static constexpr std::uint64_t hidden_reconnect_us = 3'000'000, hidden_us_max = 6'000'000;
  static constexpr std::uint64_t visibility_reconnect_delay_us = 500'000;
  // Slow readers: a tab takes up to this long over each frame; the server keeps at most
  // outbound_frames_max frames for a connection beyond the network_frames_max the network
  // (socket buffers) holds, and cuts the connection when it would keep more.
  std::uint64_t read_us_max = 0;
  std::size_t outbound_frames_max = limits::outbound_frames_default;
  std::size_t network_frames_max = 64;
  // A half-open socket lives on the server until its idle timeout.
  static constexpr std::uint64_t idle_timeout_us = limits::websocket_idle_timeout_s * 1'000'000;
  // The client's heartbeat: a ping every 20 s, and a reconnect when no pong came within 10 s.
  static constexpr std::uint64_t heartbeat_us = 20'000'000, pong_deadline_us = 10'000'000;
  // The server's log: the newest messages it keeps, and the newest a page shows (0: all kept).
  std::size_t log_messages_max = limits::log_messages_default;
  std::size_t log_window = 0;
  // The engine writes its debug lines (one per connection opened, action and dispatch), which
  // the checker reads; otherwise it must build none.
  bool debug_logs = false;
  bool ipv6_loopback = false;         // browsers reach the server as [::1]:8080, not 127.0.0.1:8080
  int reconnection_tabs_percent = 0;  // of opened tabs, how many show the Reconnection page
  int tasks_tabs_percent = 0;         // of the others, how many show the Tasks page
  // The server's per-connection rate limit (a token bucket); off unless a seed sets one.
  double actions_per_second = 1e9, actions_burst = 1e9;
  bool rate_limited() const { return actions_per_second < 1e6; }
  std::uint64_t latency_us_min = 100, latency_us_max = 20'000;
  // Uniform between the bounds, or long-tailed (log-uniform: mostly near the minimum, now and
  // then near the maximum).
  bool latency_long_tail = false;
  std::uint64_t think_us_mean = 30'000;
  std::uint64_t dispatch_delay_us_max = 5'000;
  // Replicas (protocol.md §9): 0 is one process with the log in memory, the world above; 1 to
  // 4 run one engine each over a simulated broker (the shared store and its Pub/Sub bus), whose
  // tabs show the Broadcasting page over WebSockets and move to another replica on reconnect.
  int replicas = 0;
  bool heal = true;               // a replica refreshes its connections when a link comes back
  bool broker_persistent = true;  // a broker restart keeps the log and its id counter
  int weight_crash = 0, weight_cut = 0, weight_bus_loss = 0, weight_broker_restart = 0,
      weight_duplicate = 0;
  // A crashed replica restarts, and a cut link heals, after up to this long.
  static constexpr std::uint64_t replica_fault_us_max = 2'000'000;
  // A link that failed reconnects after the client's backoff (50 ms, doubling, at most 2 s).
  static constexpr std::uint64_t link_backoff_us = 50'000;
  // Liveness: once the workload ends, every tab must converge within this much virtual time.
  std::uint64_t quiesce_us_max() const {
    return 1'000'000 + 6 * latency_us_max + (dispatch_queue_max + 1) * dispatch_delay_us_max +
           stall_us_max + (weight_hide > 0 ? hidden_us_max + visibility_reconnect_delay_us : 0) +
           (outbound_frames_max + network_frames_max) * read_us_max +
           (weight_zombie > 0 ? heartbeat_us + pong_deadline_us + idle_timeout_us : 0) +
           // A refused ping is not answered: the client reconnects at its pong deadline.
           (rate_limited() ? heartbeat_us + pong_deadline_us : 0);
  }
  // Past this many events the run did not quiesce (a broadcast storm): a convergence failure.
  std::uint64_t events_max() const {
    return 1000 + 400 * static_cast<std::uint64_t>(steps) * tabs_max;
  }

  std::string describe() const;
};

SimConfig config_for_seed(std::uint64_t seed);

// One thing the workload does. Tabs are numbered in the order they opened; a step naming a tab
// that is not open (yet) does nothing, so any subsequence of steps is a valid scenario.
struct Step {
  enum class Op {
    open,
    join,
    send,
    close,
    reconnect,
    restart,
    http,
    increment,
    save_notes,
    stall,
    zombie,
    hide,
    reload,
    slow,
    idle,             // nothing happens for duration_us
    form_post,        // a page without JavaScript posts its form (303 back to the page)
    json_get,         // the client's JSON GET of the page's tree
    foreign_upgrade,  // a WebSocket upgrade from another site's page (Origin), to be refused
    task,             // a Tasks tab's operation: task_op with task_id and the title in text
    cookie,           // the tab's form posted, then its page loaded, with a cookie of cookie_kind
    navigate,         // the client's __navigate__ with the name as the query's username
    raw_send,         // a send in a frame spelled by hand (escapes, member order), see Clients
    older,            // the user clicks "Older messages"
    // Replicas' faults (SimConfig::replicas): a replica crashes and restarts after duration_us;
    // its links to the broker are cut for duration_us; its bus link alone drops (a lost
    // subscription); the broker restarts (keeping its data or not, as the config says); the
    // broker delivers a replica the newest broadcast it sent it a second time.
    crash,
    cut,
    bus_loss,
    broker_restart,
    duplicate,
  };
  Op op = Op::open;
  int tab = 0;                 // every op but open, restart and stall
  int browser = 0;             // open
  std::string text;            // join: the name; send: the text; http: the text; task: the title
  std::string name;            // http, form_post, json_get: the name in the page URL
  std::uint64_t think_us = 0;  // pause before the next step
  bool reconnection_page = false;  // open: the Reconnection page instead of Broadcasting
  bool tasks_page = false;         // open: the Tasks page instead of Broadcasting
  // task: the action (the button's name: add, addTop, edit, toggle, delete, moveUp, moveDown,
  // clearDone) and the id field's text (empty: no id field).
  std::string task_op = {}, task_id = {};
  // stall: how long the server processes nothing; hide: how long the tab stays hidden;
  // slow: how long the tab takes over each frame from now on.
  std::uint64_t duration_us = 0;
  // form_post: how the browser spells the submit button's name, one of the router's case
  // styles (0 as the page writes it, 1 PascalCase, 2 snake_case, 3 kebab-case).
  int button_style = 0;
  // cookie: which cookie header the browser sends (see cookie_kinds).
  int cookie_kind = 0;
  // open: the replica the tab's page is served by; crash, cut, bus_loss, duplicate: the replica
  // the fault hits (taken modulo the replicas).
  int replica = 0;
};

// The cookie headers a cookie step sends, and what each means for the session group: the
// browser's own (ours among other sites' cookies, or beside look-alike names), a new group the
// server must set a cookie for (none, or ours malformed), or a group of an id never issued
// (a forged but well-formed id: a group of its own, as any id the client sends).
enum class CookieMeaning { own, new_group, forged };
struct CookieKind {
  const char* name;
  CookieMeaning meaning;
};
inline constexpr CookieKind cookie_kinds[] = {
    {"among-other-cookies", CookieMeaning::own}, {"beside-look-alikes", CookieMeaning::own},
    {"none", CookieMeaning::new_group},          {"too-short", CookieMeaning::new_group},
    {"bad-character", CookieMeaning::new_group}, {"truncated", CookieMeaning::new_group},
    {"no-value", CookieMeaning::new_group},      {"forged", CookieMeaning::forged}};
inline constexpr int cookie_kinds_count = static_cast<int>(std::size(cookie_kinds));

// A run: what the seed chose and the steps. Shrinking removes steps; replay runs one from JSON.
struct Scenario {
  SimConfig config;
  std::vector<Step> steps;
};

Scenario scenario_for_seed(std::uint64_t seed);
Scenario scenario_for(const SimConfig& config);  // the steps the config's seed generates
nlohmann::json scenario_to_json(const Scenario& scenario);
nlohmann::json step_to_json(const Step& step);  // {"op": ..., "think_us": ..., its fields}
Scenario scenario_from_json(const nlohmann::json& json);  // throws std::exception on bad input

// The invariants of design.md this simulator checks, by name.
inline const std::vector<std::string> invariant_names = {
    "log-prefix",          "convergence",       "username-per-connection",
    "group-isolation",     "sender-excluded",   "mount-coherent",
    "wire-correct",        "diff-proportional", "persist-restored",
    "bad-input-contained", "metrics-exact",     "fan-out-exact",
    "subscriptions-exact"};

// What a run counts in RunResult::coverage: operations, faults and client behaviours.
inline const std::vector<std::string> coverage_names = {
    "open",
    "join",
    "send",
    "increment",
    "saveNotes",
    "http",
    "http-fallback",
    "http-reply",
    "deliver",
    "drop",
    "reconnect",
    "reload",
    "probe",
    "loading-skip",
    "busy-skip",
    "busy-ended-early",
    "no-transport-skip",
    "hide",
    "visible-short",
    "visible-reconnect",
    "restart",
    "stall",
    "zombie",
    "heartbeat-reconnect",
    "orphan",
    "orphan-reaped",
    "slow-reader",
    "slow-reader-cut",
    "idle",
    "pong",
    "form-post",
    "button-style",
    "json-get",
    "foreign-origin-refused",
    "foreign-post-refused",
    "foreign-host-refused",
    "cookie-own",
    "cookie-malformed",
    "cookie-forged",
    "navigate",
    "raw-frame",
    "older",
    "log-evicted",
    "frame-too-big",
    "frame-not-utf8",
    "frame-not-json",
    "frame-nested-at-bound",
    "http-not-json",
    "url-escape-broken",
    "field-at-limit",
    "field-over-limit",
    "number-field",
    "rate-limited",
    "rate-limited-ping",
    "task-add",
    "task-add-top",
    "task-edit",
    "task-toggle",
    "task-delete",
    "task-move-up",
    "task-move-down",
    "task-clear-done",
    "task-refused",
    "shared-update",
    "range-append",
    "range-prepend",
    "range-remove",
    "range-update",
    "range-insert",
    "range-reorder",
    "replica-crash",
    "link-cut",
    "bus-loss",
    "broker-restart",
    "broker-data-lost",
    "duplicate-delivery",
    "store-error",
    "ambiguous-append",
    "bus-delivery",
    "bus-own-echo",
    "heal",
    "catch-up",
    "cross-replica-reconnect",
};

// The Tasks page's actions (its buttons' names), in the order of model::TaskOp, and the
// coverage name of each.
inline constexpr const char* task_actions[] = {"add",    "addTop", "edit",     "toggle",
                                               "delete", "moveUp", "moveDown", "clearDone"};
inline constexpr const char* task_coverage_names[] = {
    "task-add",    "task-add-top", "task-edit",      "task-toggle",
    "task-delete", "task-move-up", "task-move-down", "task-clear-done"};
// The index of `action` in task_actions, or -1.
inline int task_action_index(std::string_view action) {
  for (int i = 0; i < 8; ++i) {
    if (action == task_actions[i]) return i;
  }
  return -1;
}

struct Failure {
  std::string invariant;
  std::string detail;
  std::uint64_t event = 0;  // index of the event after which it was seen
  int tab = -1;             // the tab it concerns, when it concerns one
  // What the model (the oracle) predicted beside what the tab or the server held, as text a
  // person reads; empty when the failure has no such pair.
  std::string expected, held;
};

// One event of a run as a person follows it on a timeline: when, on whose lane, what it was
// and what it carried. Recorded only when asked (RunOptions), for a shrunk failure's report.
struct TimelineEvent {
  std::uint64_t index = 0;  // the event's number, as Failure::event counts it
  std::uint64_t time_us = 0;
  int lane = -1;           // the tab it concerns; -1: the server alone (a stall, a restart)
  bool at_server = false;  // handled by the server (sent from the tab's lane) or by the tab
  std::string kind;        // "step", "frame-to-server", "frame-to-client", "dispatch", ...
  std::string text;        // what it carried, cut to timeline_text_bytes_max
};
inline constexpr std::size_t timeline_text_bytes_max = 200;

struct RunOptions {
  std::size_t timeline_events_max = 0;  // record the first this many events; 0: none
};

struct RunResult {
  SimConfig config;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::uint64_t tab_events = 0;  // joins, sends, frame deliveries, drops, reconnects
  std::uint64_t virtual_us = 0;
  std::vector<Failure> failures;
  std::map<std::string, std::uint64_t> checks;    // invariant -> times checked
  std::map<std::string, std::uint64_t> coverage;  // operation or fault -> times hit
  int stale_tabs = 0;  // left behind by the configuration (the model predicted it)
  // Showing an HTTP reply's page that landed after their socket's tree, with the socket's later
  // diffs merged into it: what the real client does, so a finding of the protocol, not a failure.
  int diverged_tabs = 0;
  // Replicas: ids the broker handed out twice (it lost its data on a restart); a finding of a
  // broker without persistence, after which tabs may show different logs.
  int ids_repeated = 0;
  std::vector<TimelineEvent> timeline;  // when RunOptions asked for it
  bool timeline_cut = false;            // more events happened than were recorded
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options = {});
RunResult run_seed(const SimConfig& config);  // the seed's generated scenario

}  // namespace lvt::sim
