// The checker's judgement of the engine's state against the model, after every step: each
// connection's state and waiting broadcasts, and the size of peer updates.
#include <algorithm>
#include <set>
#include <utility>

#include "broadcasting_page.hpp"
#include "checker.hpp"
#include "clients.hpp"
#include "metrics_text.hpp"
#include "reconnection_page.hpp"
#include "server.hpp"
#include "task_list_page.hpp"

namespace lvt::sim::detail {

Checker::Window Checker::window_held(int id) const {
  const Engine& engine = server_->engine();
  const auto& state =
      static_cast<const BroadcastingState&>(engine.page_state(*server_->end_of(id)->connection));
  return {state.shown->begin(), state.shown->end(), state.shown->has_older()};
}

// A peer update that brings j new messages costs at most 64 bytes plus 1.1 times the encoded
// size of those j items, plus 32 bytes for each message that slid out of the tab's window, at
// any log length (once the list's structure was sent); a window with nothing in common with
// the last one is sent whole, its item statics with it, as is the "Older messages" button when
// it comes or goes (256 bytes more).
void Checker::check_diff_proportional(const std::string& frame, Window before, Window after) {
  if (before.begin == before.end || after.end < before.end) return;
  std::size_t items_bytes = 0;
  for (std::size_t i = std::max(before.end, after.begin); i < after.end && i < model_.log().size();
       ++i) {
    items_bytes += item_bytes(i);
  }
  const std::size_t slid_out =
      std::min(before.end, after.begin) - std::min(before.begin, after.begin);
  // Sent with its statics: a window with nothing in common, or the "Older messages" button.
  const bool whole = after.begin >= before.end || after.older != before.older;
  const std::size_t tree_bytes = frame.rfind(",\"meta\":") - std::string_view("{\"tree\":").size();
  ++context_.checks["diff-proportional"];
  const double bound = 64.0 + 1.1 * static_cast<double>(items_bytes) +
                       32.0 * static_cast<double>(slid_out) + (whole ? 256.0 : 0.0);
  if (static_cast<double>(tree_bytes) > bound) {
    context_.fail("diff-proportional", "a peer update bringing " +
                                           std::to_string(after.end - before.end) + " messages (" +
                                           std::to_string(items_bytes) + " bytes) and sliding " +
                                           std::to_string(slid_out) + " out took " +
                                           std::to_string(tree_bytes) + " bytes");
  }
}

// The encoded size of log item i, {"0":"ID","1":"USER","2":"TEXT"} and a comma, as the oracle
// counts a correct encoding of the model's log; computed once per message.
std::size_t Checker::item_bytes(std::size_t i) {
  while (item_bytes_.size() <= i) {
    const model::Message& m = model_.log()[item_bytes_.size()];
    const std::size_t keys_bytes = 3 * std::string_view("{\"0\":").size();
    item_bytes_.push_back(keys_bytes + std::to_string(m.id).size() + 2 +
                          model::escaped_json_bytes(m.user) + model::escaped_json_bytes(m.text) +
                          2);
  }
  return item_bytes_[i];
}

// The engine's state of one tab against the model's prediction.
void Checker::check_tab_state(int id, std::string_view invariant) {
  check_field_errors(id);
  const model::Page page = clients_.tabs()[id].page;
  if (page == model::Page::reconnection) return check_persisted(id, invariant);
  if (page == model::Page::tasks) return check_tasks(id, invariant);
  const Engine& engine = server_->engine();
  const auto& state =
      static_cast<const BroadcastingState&>(engine.page_state(*server_->end_of(id)->connection));
  const model::Tab& predicted = model_.tab(id);
  ++context_.checks[invariant];
  ++context_.checks["log-prefix"];
  if (state.username != predicted.username) {
    context_.fail("username-per-connection", "tab " + std::to_string(id) + " is '" +
                                                 state.username + "', the model says '" +
                                                 predicted.username + "'");
  }
  if (state.shown->end() != predicted.messages || state.shown->begin() != predicted.first) {
    context_.fail(invariant, "tab " + std::to_string(id) + " shows messages [" +
                                 std::to_string(state.shown->begin()) + ", " +
                                 std::to_string(state.shown->end()) + "), the model says [" +
                                 std::to_string(predicted.first) + ", " +
                                 std::to_string(predicted.messages) + ")");
  }
  if (server_->apps().log->snapshot() != model_.log().size()) {
    context_.fail("log-prefix",
                  "the server's log has " + std::to_string(server_->apps().log->snapshot()) +
                      " messages, the model's " + std::to_string(model_.log().size()));
  }
}

// Broadcasts wait exactly where the model says: never on the sender, never in another group.
// Broadcasts wait exactly where the model says. A mismatch on the sender breaks
// sender-excluded, one in another group group-isolation, one elsewhere in the group means a
// broadcast was lost or doubled (convergence). `sender` is -1 for an HTTP action. Cheap: the
// sender and the woken tabs one by one, everyone else through the engine's counters, with a
// full scan only when those disagree with the model.
void Checker::check_queues(int sender, int sender_browser,
                           const std::vector<std::shared_ptr<Connection>>& woken) {
  if (sender >= 0) check_queue_of(sender, sender, sender_browser);
  for (const auto& connection : woken) {
    if (const int id = server_->id_of(*connection); id >= 0)
      check_queue_of(id, sender, sender_browser);
  }
  const model::Counts& counts = model_.counts();
  const Metrics& metrics = server_->engine().metrics();
  if (metrics.broadcasts_queued == counts.queued - counts_at_start_.queued &&
      metrics.broadcasts_dropped == counts.dropped - counts_at_start_.dropped &&
      metrics.broadcasts_coalesced == counts.coalesced - counts_at_start_.coalesced) {
    // Every broadcast went exactly where the model sent it: none reached another group.
    if (sender_browser >= 0) ++context_.checks["group-isolation"];
    return;
  }
  const std::size_t failures_before = context_.failures.size();
  for (const auto& [id, end] : server_->ends()) check_queue_of(id, sender, sender_browser);
  if (context_.failures.size() == failures_before) {
    context_.fail("convergence",
                  "the server queued, dropped or coalesced other broadcasts than the model");
  }
  counts_at_start_ = model::Counts{counts.queued - metrics.broadcasts_queued,
                                   counts.dropped - metrics.broadcasts_dropped,
                                   counts.coalesced - metrics.broadcasts_coalesced,
                                   counts_at_start_.delivered};  // report each divergence once
}

void Checker::closed(int id, const Connection& connection) {
  model_.close(id);
  ++context_.checks["convergence"];
  if (const std::size_t waiting = connection.dispatch_jobs_waiting(); waiting != 0) {
    context_.fail("convergence",
                  "connection " + std::to_string(id) + " still holds " + std::to_string(waiting) +
                      " broadcasts once closed",
                  Server::is_orphan(id) ? -1 : id, "0", std::to_string(waiting));
  }
}

void Checker::check_queue_of(int id, int sender, int sender_browser) {
  const auto found = server_->ends().find(id);
  if (found == server_->ends().end()) return;
  const int browser = found->second.browser;
  const std::size_t waiting = found->second.connection->dispatch_jobs_waiting();
  const std::size_t predicted = model_.tab(id).waiting;
  std::string_view invariant = "convergence";
  if (id == sender) {
    invariant = "sender-excluded";
  } else if (sender_browser >= 0 && model_.group_of(browser) != model_.group_of(sender_browser)) {
    invariant = "group-isolation";
  }
  ++context_.checks[invariant];
  if (waiting != predicted) {
    context_.fail(invariant, "tab " + std::to_string(id) + " has " + std::to_string(waiting) +
                                 " broadcasts waiting, the model says " +
                                 std::to_string(predicted));
  }
}

// A connection's field errors are its own, like its Username: set by its refused action,
// cleared by its next success, untouched by anyone else.
void Checker::check_field_errors(int id) {
  const std::map<std::string, std::string>& held =
      server_->engine().page_state(*server_->end_of(id)->connection).errors;
  const model::FieldErrors& predicted = model_.tab(id).errors;
  ++context_.checks["username-per-connection"];
  if (held == predicted) return;
  auto listed = [](const std::map<std::string, std::string>& errors) {
    std::string out;
    for (const auto& [field, message] : errors) out += (out.empty() ? "" : ", ") + field;
    return out.empty() ? std::string("none") : out;
  };
  context_.fail("username-per-connection", "tab " + std::to_string(id) +
                                               " holds field errors for " + listed(held) +
                                               ", the model says " + listed(predicted));
}

// A Reconnection tab holds its group's persisted fields as the model says.
void Checker::check_persisted(int id, std::string_view invariant) {
  const auto& state = static_cast<const ReconnectionState&>(
      server_->engine().page_state(*server_->end_of(id)->connection));
  const model::Persisted& predicted = model_.tab(id).fields;
  ++context_.checks[invariant];
  if (state.counter != predicted.counter || state.notes != predicted.notes) {
    context_.fail(invariant, "tab " + std::to_string(id) + " holds Counter " +
                                 std::to_string(state.counter) + ", the model says " +
                                 std::to_string(predicted.counter) +
                                 (state.notes == predicted.notes ? "" : " (and other Notes)"));
  }
}

// A Tasks tab renders the list the model says it last read (at most 100 tasks: cheap).
void Checker::check_tasks(int id, std::string_view invariant) {
  const auto& state = static_cast<const TaskListState&>(
      server_->engine().page_state(*server_->end_of(id)->connection));
  const std::vector<model::Task>& predicted = model_.tab(id).tasks;
  const std::vector<Task>& held = state.tasks->tasks();
  ++context_.checks[invariant];
  const bool same = std::equal(held.begin(), held.end(), predicted.begin(), predicted.end(),
                               [](const Task& h, const model::Task& p) {
                                 return h.id == p.id && h.title == p.title && h.done == p.done;
                               });
  if (!same) {
    context_.fail(invariant,
                  "tab " + std::to_string(id) + " holds " + std::to_string(held.size()) +
                      " tasks, not the model's " + std::to_string(predicted.size()),
                  id);
  }
}

// The families /metrics exports (README.md, Serve), each a counter or gauge with its samples.
constexpr std::string_view metric_families[] = {"lvt_connections",
                                                "lvt_groups",
                                                "lvt_connections_opened_total",
                                                "lvt_connections_refused_total",
                                                "lvt_http_requests_total",
                                                "lvt_actions_total",
                                                "lvt_broadcasts_queued_total",
                                                "lvt_broadcasts_delivered_total",
                                                "lvt_broadcasts_dropped_total",
                                                "lvt_broadcasts_coalesced_total",
                                                "lvt_broadcasts_refused_total",
                                                "lvt_peer_frames_shared_total",
                                                "lvt_frames_sent_total",
                                                "lvt_bytes_sent_total",
                                                "lvt_frames_received_total",
                                                "lvt_errors_total"};

// What /metrics says, read as a scraper reads it, against what the server was sent and the
// model predicts, counted independently: the sockets open (orphans too) and their groups, the
// requests and frames, the refusals.
// The kinds lvt_errors_total counts (README.md, Serve), one series each.
constexpr std::string_view error_kinds[] = {
    "invalid_json",  "invalid_message", "unknown_action", "field",       "rate_limited",
    "frame_too_big", "invalid_utf8",    "binary_frame",   "slow_reader", "origin_refused",
    "host_refused",  "bad_request",     "http_timeout",   "http_busy",   "accept_paused"};

void Checker::check_metrics() {
  const HttpResponse page = server_->get("/metrics");
  MetricsText text = read_metrics_text(page.body, metric_families);
  for (const std::string_view kind : error_kinds) {
    const std::string series = "lvt_errors_total{kind=\"" + std::string(kind) + "\"}";
    if (text.error.empty() && !text.samples.contains(series)) text.error = "no series " + series;
  }
  ++context_.checks["metrics-exact"];
  if (page.status != 200 || !text.error.empty()) {
    return context_.fail("metrics-exact",
                         "GET /metrics answered " + std::to_string(page.status) + " with " +
                             (text.error.empty() ? "a well-formed text" : text.error),
                         -1, "200 and Prometheus text", std::to_string(page.status));
  }
  const Server::Requests& sent = server_->requests();
  std::set<std::pair<model::Page, int>> groups;
  for (const auto& [id, end] : server_->ends())
    groups.emplace(end.page, model_.group_of(end.browser));
  const std::uint64_t delivered = model_.counts().delivered - counts_at_start_.delivered;
  const struct {
    std::string_view series;
    std::uint64_t expected;
  } counters[] = {
      {"lvt_connections", server_->ends().size()},
      {"lvt_groups", groups.size()},
      {"lvt_connections_opened_total", sent.upgrades},
      {"lvt_connections_refused_total",
       sent.foreign_upgrades + sent.pageless_upgrades + sent.foreign_host_upgrades},
      {"lvt_errors_total{kind=\"origin_refused\"}", sent.foreign_upgrades + sent.foreign_posts},
      {"lvt_errors_total{kind=\"host_refused\"}", sent.foreign_hosts + sent.foreign_host_upgrades},
      {"lvt_frames_received_total", sent.frames},
      {"lvt_errors_total{kind=\"frame_too_big\"}", sent.frames_too_big},
      {"lvt_errors_total{kind=\"invalid_utf8\"}", sent.frames_not_utf8},
      {"lvt_http_requests_total", sent.http},
      {"lvt_errors_total{kind=\"rate_limited\"}", rate_refusals_},
      {"lvt_errors_total{kind=\"unknown_action\"}", unknown_actions_},
      {"lvt_errors_total{kind=\"invalid_json\"}", invalid_json_},
      {"lvt_errors_total{kind=\"invalid_message\"}", invalid_message_},
      {"lvt_broadcasts_delivered_total", delivered},
  };
  check_logged();
  for (const auto& counter : counters) {
    const auto found = text.samples.find(counter.series);
    if (found != text.samples.end() && found->second == counter.expected) continue;
    const std::string held = found == text.samples.end() ? "absent" : std::to_string(found->second);
    return context_.fail("metrics-exact",
                         "the server's " + std::string(counter.series) + " is " + held + ", not " +
                             std::to_string(counter.expected),
                         -1, std::to_string(counter.expected), held);
  }
}

// Each refused input is explained in the server's log, once: a user reading it learns what
// was sent and why nothing happened (README.md, Serve: log levels).
void Checker::check_logged() {
  const Server::Requests& sent = server_->requests();
  const Server::Logged& logged = server_->logged();
  const struct {
    std::string_view what;
    std::uint64_t expected, held;
  } lines[] = {
      {"payloads refused unread", invalid_json_ + invalid_message_, logged.unreadable},
      {"unknown actions", unknown_actions_, logged.unknown_actions},
      {"other sites' requests", sent.foreign_upgrades + sent.foreign_posts, logged.foreign_origins},
      {"other host names' requests", sent.foreign_hosts + sent.foreign_host_upgrades,
       logged.foreign_hosts},
      // Debug lines only when asked for, and then one per connection opened, per unknown
      // action and per broadcast run.
      {"debug lines unasked for", 0, logged.debug_unasked},
      {"connections opened (debug)", context_.config.debug_logs ? sent.upgrades : 0,
       logged.debug_opened},
      {"unknown actions (debug)", context_.config.debug_logs ? unknown_actions_ : 0,
       logged.debug_unknown},
      {"broadcasts run (debug)",
       context_.config.debug_logs ? model_.counts().delivered - counts_at_start_.delivered : 0,
       logged.debug_dispatches},
  };
  for (const auto& line : lines) {
    ++context_.checks["bad-input-contained"];
    if (line.expected == line.held) continue;
    return context_.fail("bad-input-contained",
                         "the server's log explains " + std::to_string(line.held) + " " +
                             std::string(line.what) + ", not " + std::to_string(line.expected),
                         -1, std::to_string(line.expected), std::to_string(line.held));
  }
}

void Checker::check_dispatch_logged(int id, const Connection& connection) {
  ++context_.checks["metrics-exact"];
  const std::uint64_t logged = server_->logged().debug_waiting_last;
  if (logged == connection.dispatch_jobs_waiting()) return;
  context_.fail("metrics-exact",
                "connection " + std::to_string(id) + "'s dispatch logged " +
                    std::to_string(logged) + " broadcasts waiting, not " +
                    std::to_string(connection.dispatch_jobs_waiting()),
                Server::is_orphan(id) ? -1 : id, std::to_string(connection.dispatch_jobs_waiting()),
                std::to_string(logged));
}

}  // namespace lvt::sim::detail
