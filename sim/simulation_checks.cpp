// The invariants of design.md, checked against the model after each step and at quiescence.
#include <algorithm>

#include "reconnection_page.hpp"
#include "simulation_internal.hpp"

namespace lvt::sim::detail {
void Simulation::fail(std::string_view invariant, std::string detail, int tab, std::string expected,
                      std::string held) {
  if (result_.failures.size() < 20) {
    result_.failures.push_back({std::string(invariant), std::move(detail), result_.events, tab,
                                std::move(expected), std::move(held)});
  }
}

// A peer update that brings j new messages costs at most 64 bytes plus 1.1 times the encoded
// size of those j items, at any log length (once the list's structure was sent).
void Simulation::check_diff_proportional(const std::string& frame, std::size_t before,
                                         std::size_t after) {
  if (before == 0 || after < before) return;
  std::size_t items_bytes = 0;
  for (std::size_t i = before; i < after && i < model_.log().size(); ++i) {
    items_bytes += item_bytes(i);
  }
  const std::size_t tree_bytes = frame.rfind(",\"meta\":") - std::string_view("{\"tree\":").size();
  ++checks_["diff-proportional"];
  if (static_cast<double>(tree_bytes) > 64.0 + 1.1 * static_cast<double>(items_bytes)) {
    fail("diff-proportional", "a peer update bringing " + std::to_string(after - before) +
                                  " messages (" + std::to_string(items_bytes) + " bytes) took " +
                                  std::to_string(tree_bytes) + " bytes");
  }
}

// The encoded size of log item i, {"0":"ID","1":"USER","2":"TEXT"} and a comma, as the oracle
// counts a correct encoding of the model's log; computed once per message.
std::size_t Simulation::item_bytes(std::size_t i) {
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
void Simulation::check_tab_state(int id, std::string_view invariant) {
  check_field_errors(id);
  if (tabs_[id].page == model::Page::reconnection) return check_persisted(id, invariant);
  if (tabs_[id].page == model::Page::tasks) return check_tasks(id, invariant);
  const BroadcastingState& state = state_of(id);
  const model::Tab& predicted = model_.tab(id);
  ++checks_[invariant];
  ++checks_["log-prefix"];
  if (state.username != predicted.username) {
    fail("username-per-connection", "tab " + std::to_string(id) + " is '" + state.username +
                                        "', the model says '" + predicted.username + "'");
  }
  if (state.messages != predicted.messages) {
    fail(invariant, "tab " + std::to_string(id) + " shows " + std::to_string(state.messages) +
                        " messages, the model says " + std::to_string(predicted.messages));
  }
  if (apps_.log->snapshot() != model_.log().size()) {
    fail("log-prefix", "the server's log has " + std::to_string(apps_.log->snapshot()) +
                           " messages, the model's " + std::to_string(model_.log().size()));
  }
}

// Broadcasts wait exactly where the model says: never on the sender, never in another group.
// Broadcasts wait exactly where the model says. A mismatch on the sender breaks
// sender-excluded, one in another group group-isolation, one elsewhere in the group means a
// broadcast was lost or doubled (convergence). `sender` is -1 for an HTTP action. Cheap: the
// sender and the woken tabs one by one, everyone else through the engine's counters, with a
// full scan only when those disagree with the model.
void Simulation::check_queues(int sender, int sender_browser,
                              const std::vector<std::shared_ptr<Connection>>& woken) {
  if (sender >= 0) check_queue_of(sender, sender, sender_browser);
  for (const auto& connection : woken) {
    if (const auto found = tab_of_.find(connection.get()); found != tab_of_.end()) {
      check_queue_of(found->second, sender, sender_browser);
    }
  }
  const model::Counts& counts = model_.counts();
  const Metrics& metrics = engine_->metrics();
  if (metrics.broadcasts_queued == counts.queued - counts_at_start_.queued &&
      metrics.broadcasts_dropped == counts.dropped - counts_at_start_.dropped &&
      metrics.broadcasts_coalesced == counts.coalesced - counts_at_start_.coalesced) {
    // Every broadcast went exactly where the model sent it: none reached another group.
    if (sender_browser >= 0) ++checks_["group-isolation"];
    return;
  }
  const std::size_t failures_before = result_.failures.size();
  for (std::size_t id = 0; id < tabs_.size(); ++id) {
    check_queue_of(static_cast<int>(id), sender, sender_browser);
  }
  for (const auto& [id, orphan] : orphans_) check_queue_of(id, sender, sender_browser);
  if (result_.failures.size() == failures_before) {
    fail("convergence", "the server queued, dropped or coalesced other broadcasts than the model");
  }
  counts_at_start_ = model::Counts{counts.queued - metrics.broadcasts_queued,
                                   counts.dropped - metrics.broadcasts_dropped,
                                   counts.coalesced - metrics.broadcasts_coalesced,
                                   counts_at_start_.delivered};  // report each divergence once
}

void Simulation::check_queue_of(int id, int sender, int sender_browser) {
  const Connection* connection = nullptr;
  int browser = 0;
  if (is_orphan(id)) {
    connection = orphans_.at(id).connection.get();
    browser = orphans_.at(id).browser;
  } else if (tabs_[id].connected()) {
    connection = tabs_[id].connection.get();
    browser = tabs_[id].browser;
  } else {
    return;
  }
  const std::size_t waiting = connection->dispatch_jobs_waiting();
  const std::size_t predicted = model_.tab(id).waiting;
  std::string_view invariant = "convergence";
  if (id == sender) {
    invariant = "sender-excluded";
  } else if (sender_browser >= 0 && model_.group_of(browser) != model_.group_of(sender_browser)) {
    invariant = "group-isolation";
  }
  ++checks_[invariant];
  if (waiting != predicted) {
    fail(invariant, "tab " + std::to_string(id) + " has " + std::to_string(waiting) +
                        " broadcasts waiting, the model says " + std::to_string(predicted));
  }
}

// A connection's field errors are its own, like its Username: set by its refused action,
// cleared by its next success, untouched by anyone else.
void Simulation::check_field_errors(int id) {
  const std::map<std::string, std::string>& held =
      engine_->page_state(*tabs_[id].connection).errors;
  const model::FieldErrors& predicted = model_.tab(id).errors;
  ++checks_["username-per-connection"];
  if (held == predicted) return;
  auto listed = [](const std::map<std::string, std::string>& errors) {
    std::string out;
    for (const auto& [field, message] : errors) out += (out.empty() ? "" : ", ") + field;
    return out.empty() ? std::string("none") : out;
  };
  fail("username-per-connection", "tab " + std::to_string(id) + " holds field errors for " +
                                      listed(held) + ", the model says " + listed(predicted));
}

// A Reconnection tab holds its group's persisted fields as the model says.
void Simulation::check_persisted(int id, std::string_view invariant) {
  const auto& state =
      static_cast<const ReconnectionState&>(engine_->page_state(*tabs_[id].connection));
  const model::Persisted& predicted = model_.tab(id).fields;
  ++checks_[invariant];
  if (state.counter != predicted.counter || state.notes != predicted.notes) {
    fail(invariant, "tab " + std::to_string(id) + " holds Counter " +
                        std::to_string(state.counter) + ", the model says " +
                        std::to_string(predicted.counter) +
                        (state.notes == predicted.notes ? "" : " (and other Notes)"));
  }
}

// A Tasks tab renders the list the model says it last read (at most 100 tasks: cheap).
void Simulation::check_tasks(int id, std::string_view invariant) {
  const auto& state = static_cast<const TaskListState&>(engine_->page_state(*tabs_[id].connection));
  const std::vector<model::Task>& predicted = model_.tab(id).tasks;
  const std::vector<Task>& held = state.tasks->tasks();
  ++checks_[invariant];
  const bool same = std::equal(held.begin(), held.end(), predicted.begin(), predicted.end(),
                               [](const Task& h, const model::Task& p) {
                                 return h.id == p.id && h.title == p.title && h.done == p.done;
                               });
  if (!same) {
    fail(invariant,
         "tab " + std::to_string(id) + " holds " + std::to_string(held.size()) +
             " tasks, not the model's " + std::to_string(predicted.size()),
         id);
  }
}

// Every keyed range op the tabs applied, by kind.
void Simulation::count_range_ops() {
  RangeOpCounts sum;
  for (const SimTab& tab : tabs_) {
    const RangeOpCounts& ops = tab.held.range_ops();
    sum.append += ops.append;
    sum.prepend += ops.prepend;
    sum.remove += ops.remove;
    sum.update += ops.update;
    sum.insert += ops.insert;
    sum.reorder += ops.reorder;
  }
  coverage_["range-append"] += sum.append;
  coverage_["range-prepend"] += sum.prepend;
  coverage_["range-remove"] += sum.remove;
  coverage_["range-update"] += sum.update;
  coverage_["range-insert"] += sum.insert;
  coverage_["range-reorder"] += sum.reorder;
}

// The page a GET renders shows the whole log (Mount copies it) or the group's fields.
void Simulation::check_page_html(int id, const HttpResponse& page) {
  const SimTab& tab = tabs_[id];
  const std::string_view invariant =
      tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent";
  if (page.status != 200) {
    ++checks_[invariant];
    return fail(invariant,
                "tab " + std::to_string(id) + "'s page GET got " + std::to_string(page.status), id);
  }
  const model::View view{tab.page,
                         "",
                         model_.log().size(),
                         model_.persisted(tab.browser),
                         model_.config().group_mode,
                         {},
                         model_.tasks_of(tab.browser)};
  judge_view(id, view, page.body, "'s page GET", invariant);
}

// The socket's first frames (its full tree, the first update), then every few.
bool Simulation::oracle_judges_frame(const SimTab& tab) const {
  return tab.frames_made < 2 || tab.frames_made % oracle_frames_every == 0;
}

// The oracle's judgement: the text the tab shows against the text the model's view must show,
// both read by the model's own code. The first difference names the invariant: a wrong name,
// a page short of (or beyond) the predicted messages (`count_invariant`), or messages that are
// not the log's (wrong text, escaping, order).
void Simulation::judge_view(int id, const model::View& view, std::string_view html,
                            std::string_view when, std::string_view count_invariant) {
  const bool reconnection = view.page == model::Page::reconnection;
  const bool tasks = view.page == model::Page::tasks;
  ++checks_[reconnection ? "persist-restored" : tasks ? count_invariant : "log-prefix"];
  if (view.messages > model_.log().size()) return;  // a frame from before a restart
  const std::vector<std::string> held = model::text_blocks(html);
  if (model::shows(held, view, model_.log())) return;
  const std::vector<std::string> expected = model::expected_blocks(view, model_.log());
  const model::BlockDifference difference = model::first_difference(expected, held);
  // A Tasks tab showing another list than its last render's missed (or gained) a refresh.
  std::string_view invariant = reconnection ? "persist-restored"
                               : tasks      ? count_invariant
                                            : "log-prefix";
  std::string what = "shows other text than the model predicts";
  if (!reconnection && !tasks) {
    model::View named = view;
    for (named.messages = 0; named.messages <= model_.log().size(); ++named.messages) {
      if (model::shows(held, named, model_.log())) break;
    }
    const std::size_t name_block = 3;  // after the title, the link home and the explanation
    if (named.messages <= model_.log().size()) {
      invariant = count_invariant;
      what = "shows " + std::to_string(named.messages) + " messages, the model says " +
             std::to_string(view.messages);
    } else if (held.size() <= name_block || held[name_block] != expected[name_block]) {
      invariant = "username-per-connection";
      what = "does not show its name as the model predicts ('" + view.username + "')";
    }
  }
  if (invariant != count_invariant && shows_other_errors(held, view)) {
    invariant = "username-per-connection";  // the connection's own state, like its name
    what = view.errors.empty() ? "shows a field error the model does not predict"
                               : "does not show the field error the model predicts";
  }
  ++checks_[invariant];
  fail(invariant,
       "tab " + std::to_string(id) + std::string(when == "'s page GET" ? "" : " ") +
           std::string(when) + " " + what,
       id, difference.expected, difference.held);
}

// Whether `held` is the view's page with other field errors: none where the view has some, or
// one of the page's where it has none.
bool Simulation::shows_other_errors(const std::vector<std::string>& held,
                                    const model::View& view) const {
  model::View other = view;
  if (!view.errors.empty()) {
    other.errors.clear();
    return model::shows(held, other, model_.log());
  }
  if (view.page == model::Page::tasks) {  // any refusal's message, where it shows
    for (const std::string_view message :
         {model::task_title_empty_message, model::task_title_long_message,
          model::task_list_full_message, model::task_missing_message}) {
      other.errors = {{"title", std::string(message)}};
      if (model::shows(held, other, model_.log())) return true;
    }
    return false;
  }
  const bool reconnection = view.page == model::Page::reconnection;
  for (const std::string_view field : reconnection
                                          ? std::vector<std::string_view>{"notes"}
                                          : std::vector<std::string_view>{"username", "text"}) {
    other.errors = {{std::string(field), model::too_long_error(field)}};
    if (model::shows(held, other, model_.log())) return true;
  }
  return false;
}

// The HEAD probe: 200, no body, and the header that sends the client to its WebSocket; any
// other answer would leave the tab in HTTP mode, out of step with the model.
void Simulation::check_probe(int id, const HttpResponse& answer) {
  ++checks_["convergence"];
  bool enabled = false;
  for (const auto& [name, value] : answer.headers) {
    enabled = enabled || (name == websocket_header && value == "enabled");
  }
  if (answer.status != 200 || !answer.body.empty() || !enabled) {
    fail("convergence", "tab " + std::to_string(id) + "'s HEAD probe got " +
                            std::to_string(answer.status) + " without " +
                            std::string(websocket_header) + ": enabled");
  }
}

// At quiescence, a tab whose page is not rebuilt: it must show the server's render, and the
// server's state must be the model's.
void Simulation::check_by_hash(int id) {
  ++checks_["wire-correct"];
  if (!shows_server_render(id)) {
    fail("wire-correct", "tab " + std::to_string(id) + " does not show the server's render");
  }
  check_server_converged(id);
}

bool Simulation::shows_server_render(int id) {
  const Connection& connection = *tabs_[id].connection;
  return tabs_[id].held.html_hash() ==
         server_render_.of(connection.page().render(engine_->page_state(connection)));
}

// At quiescence, the server's state of a tab against the model, whatever the tab shows.
void Simulation::check_server_converged(int id) {
  const SimTab& tab = tabs_[id];
  check_tab_state(id, "convergence");
  if (tab.page == model::Page::tasks) {
    // Every broadcast has run: the tab shows its group's list as it is now.
    ++checks_["convergence"];
    if (model_.tab(id).tasks != model_.tasks_of(tab.browser)) {
      fail("convergence",
           "tab " + std::to_string(id) + " shows another list than its group's " +
               "after quiescence",
           id);
    }
    return;
  }
  if (tab.page == model::Page::reconnection) return;
  if (model_.stale(id)) {
    ++result_.stale_tabs;
  } else if (state_of(id).messages != model_.log().size()) {
    fail("convergence", "tab " + std::to_string(id) + " shows " +
                            std::to_string(state_of(id).messages) + " of " +
                            std::to_string(model_.log().size()) + " messages after quiescence");
  }
}

// Once everything drained: what every connected tab shows against the model.
void Simulation::check_quiescence() {
  ++checks_["convergence"];
  // A socket the server closed heals at the client's next heartbeat tick (or the one after,
  // when the tab was hidden or reconnecting).
  const std::uint64_t bound_us =
      config_.quiesce_us_max() + (socket_closed_by_server_ ? 2 * SimConfig::heartbeat_us : 0);
  if (now_us_ - workload_done_us_ > bound_us) {
    fail("convergence",
         "the last tab converged " + std::to_string((now_us_ - workload_done_us_) / 1000) +
             " ms after the workload ended (bound " + std::to_string(bound_us / 1000) + " ms)");
  }
  // Rebuilding a page costs O(log): every tab's when there are few, else an even sample of
  // them; the others are held to the server's render by hash, and the server to the model.
  const std::size_t html_every = std::max<std::size_t>(1, tabs_.size() / quiescence_pages_max);
  for (std::size_t id = 0; id < tabs_.size(); ++id) {
    const SimTab& tab = tabs_[id];
    if (!tab.connected()) continue;
    const model::Tab& predicted = model_.tab(static_cast<int>(id));
    ++checks_["convergence"];
    if (tab.replies_awaited > 0) {
      fail("convergence",
           "tab " + std::to_string(id) + ": an action it sent on its socket got no answer");
    }
    if (tab.form_busy) {
      fail("convergence", "tab " + std::to_string(id) + "'s form stayed busy");
    }
    if (tab.view_diverged && !shows_server_render(static_cast<int>(id))) {
      ++result_.diverged_tabs;  // the protocol's finding: its page is not the server's
      check_server_converged(static_cast<int>(id));
      continue;
    }
    if (id % html_every != 0) {
      check_by_hash(static_cast<int>(id));
      continue;
    }
    judge_view(static_cast<int>(id), model::view_of(predicted, model_.config().group_mode),
               tab.held.html(), "at quiescence", "convergence");
    check_server_converged(static_cast<int>(id));
  }
}

}  // namespace lvt::sim::detail
