// The invariants of design.md, checked against the model after each step and at quiescence.
#include <algorithm>

#include "reconnection_page.hpp"
#include "simulation_internal.hpp"
#include "text.hpp"

namespace lvt::sim::detail {
namespace {

struct ShownMessage {
  std::string_view id, user, text;  // views of the HTML, as it carries them (escaped)
};

// The messages a Broadcasting page's HTML shows, in order:
// <p data-key="ID"><strong>USER:</strong> TEXT</p>
std::vector<ShownMessage> messages_in(std::string_view html) {
  static constexpr std::string_view open = "<p data-key=\"", mid = "\"><strong>",
                                    colon = ":</strong> ", close = "</p>";
  std::vector<ShownMessage> out;
  for (std::size_t at = html.find(open); at != std::string_view::npos; at = html.find(open, at)) {
    const std::size_t id_end = html.find(mid, at + open.size());
    const std::size_t user_end = html.find(colon, id_end);
    const std::size_t text_end = html.find(close, user_end);
    if (text_end == std::string_view::npos) break;
    const std::size_t user_at = id_end + mid.size(), text_at = user_end + colon.size();
    out.push_back({html.substr(at + open.size(), id_end - at - open.size()),
                   html.substr(user_at, user_end - user_at),
                   html.substr(text_at, text_end - text_at)});
    at = text_end;
  }
  return out;
}

}  // namespace

void Simulation::fail(std::string_view invariant, std::string detail, int tab,
                      std::string expected, std::string held) {
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

// The encoded size of log item i, {"0":"ID","1":"USER","2":"TEXT"} and a comma, from the
// model's log; computed once per message.
std::size_t Simulation::item_bytes(std::size_t i) {
  while (item_bytes_.size() <= i) {
    const model::Message& m = model_.log()[item_bytes_.size()];
    std::string item = "{\"0\":";
    text::append_json_string(item, std::to_string(m.id));
    item += ",\"1\":";
    text::append_json_string(item, text::html_escaped(m.user));
    item += ",\"2\":";
    text::append_json_string(item, text::html_escaped(m.text));
    item_bytes_.push_back(item.size() + 2);
  }
  return item_bytes_[i];
}

// The engine's state of one tab against the model's prediction.
void Simulation::check_tab_state(int id, std::string_view invariant) {
  if (tabs_[id].page == model::Page::reconnection) return check_persisted(id, invariant);
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
  if (engine_->message_log().snapshot() != model_.log().size()) {
    fail("log-prefix", "the server's log has " + std::to_string(engine_->message_log().snapshot()) +
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

// The page a GET renders shows the whole log (Mount copies it) or the group's fields.
void Simulation::check_page_html(int id, const HttpResponse& page) {
  const SimTab& tab = tabs_[id];
  if (tab.page == model::Page::reconnection) {
    ++checks_["persist-restored"];
    const std::string counter =
        "Counter: <strong>" + std::to_string(model_.persisted(tab.browser).counter) + "</strong>";
    if (page.status != 200 || page.body.find(counter) == std::string::npos) {
      fail("persist-restored",
           "tab " + std::to_string(id) + "'s page GET does not show its group's Counter");
    }
    return;
  }
  ++checks_["mount-coherent"];
  const std::size_t shown = messages_in(page.body).size();
  if (page.status != 200 || shown != model_.log().size()) {
    fail("mount-coherent", "tab " + std::to_string(id) + "'s page GET shows " +
                               std::to_string(shown) + " of " +
                               std::to_string(model_.log().size()) + " messages");
  }
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
    const std::string html = tab.held.html();
    if (tab.page == model::Page::reconnection) {
      ++checks_["persist-restored"];
      const std::string counter =
          "Counter: <strong>" + std::to_string(predicted.fields.counter) + "</strong>";
      const std::string notes = ">\n" + text::html_escaped(predicted.fields.notes) + "</textarea>";
      if (html.find(counter) == std::string::npos || html.find(notes) == std::string::npos) {
        fail("persist-restored",
             "tab " + std::to_string(id) + " does not show its group's Counter and Notes");
      }
      continue;
    }
    const std::vector<ShownMessage> shown_messages = messages_in(html);
    const std::size_t shown = shown_messages.size();
    bool prefix = shown <= model_.log().size();
    for (std::size_t k = 0; prefix && k < shown; ++k) {
      const model::Message& want = model_.log()[k];
      prefix = shown_messages[k].id == std::to_string(want.id) &&
               shown_messages[k].user == text::html_escaped(want.user) &&
               shown_messages[k].text == text::html_escaped(want.text);
    }
    ++checks_["log-prefix"];
    if (!prefix || shown != predicted.messages) {
      fail("log-prefix", "tab " + std::to_string(id) + " shows " + std::to_string(shown) +
                             " messages that are not the model's first " +
                             std::to_string(predicted.messages));
    }
    ++checks_["convergence"];
    if (model_.stale(static_cast<int>(id))) {
      ++result_.stale_tabs;  // the configuration's finding, predicted by the model
    } else if (shown != model_.log().size()) {
      fail("convergence", "tab " + std::to_string(id) + " shows " + std::to_string(shown) + " of " +
                              std::to_string(model_.log().size()) + " messages after quiescence");
    }
    ++checks_["username-per-connection"];
    const std::string banner =
        predicted.username.empty()
            ? std::string("name=\"username\"")
            : "Posting as <strong>" + text::html_escaped(predicted.username) + "</strong>";
    if (html.find(banner) == std::string::npos) {
      fail("username-per-connection",
           "tab " + std::to_string(id) + " does not show its name '" + predicted.username + "'");
    }
  }
}

}  // namespace lvt::sim::detail
