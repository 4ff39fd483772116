// The server's side of the simulation: frames and HTTP requests reach the engine, broadcasts
// are dispatched, frames wait in bounded outbound queues, and half-open sockets live on as orphans.
#include <algorithm>
#include <optional>

#include "simulation_internal.hpp"

namespace lvt::sim::detail {
namespace {

// The task command an action's event stands for, or nothing for another action.
std::optional<model::TaskCommand> task_command(const Event& event) {
  const int index = task_action_index(event.action);
  if (index < 0) return std::nullopt;
  return model::TaskCommand{static_cast<model::TaskOp>(index), event.task_id, event.value};
}

}  // namespace

// The tab's socket goes half-open. The server cannot tell: its end becomes an orphan, whose
// frames fill the dead socket, while the client waits for its heartbeat to notice.
void Simulation::go_half_open(int id) {
  SimTab& tab = tabs_[id];
  const int orphan_id = orphan_id_base + next_orphan_++;
  ++coverage_["orphan"];
  Orphan& orphan = orphans_[orphan_id];
  orphan.connection = std::move(tab.connection);
  orphan.browser = tab.browser;
  orphan.outbound = std::move(tab.outbound);
  orphan.network = Rng(config_.seed, "network/orphan" + std::to_string(orphan_id));
  tab_of_[orphan.connection.get()] = orphan_id;
  tab.socket = SimTab::Socket::half_open;
  model_.orphan(id, orphan_id);
  schedule(std::max(now_us_, tab.last_heard_us + SimConfig::idle_timeout_us), EventKind::reap,
           orphan_id);
  if (orphan.connection->dispatch_jobs_waiting() > 0) wake({orphan.connection});
}

void Simulation::on_reap(const Event& event) {
  ++coverage_["orphan-reaped"];
  close_orphan(event.tab);
}

void Simulation::close_orphan(int id) {
  const auto found = orphans_.find(id);
  engine_->disconnect(*found->second.connection);
  tab_of_.erase(found->second.connection.get());
  orphans_.erase(found);
  model_.close(id);
}

// Broadcasts still run on an orphan; its frames go nowhere and fill its outbound queue.
void Simulation::on_orphan_dispatch(const Event& event) {
  if (deferred(event)) return;
  const auto found = orphans_.find(event.tab);
  if (found == orphans_.end()) return;
  Orphan& orphan = found->second;
  orphan.dispatch_scheduled = false;
  if (orphan.connection->dispatch_jobs_waiting() == 0) return;
  Effects effects = engine_->dispatch(*orphan.connection);
  model_.deliver(event.tab);
  ++coverage_["deliver"];
  check_queues(event.tab, -1, effects.wake);
  for (std::string& frame : effects.frames) {
    if (orphan.outbound.in_network < config_.network_frames_max) {
      ++orphan.outbound.in_network;  // written into socket buffers nobody reads
    } else if (!orphan.outbound.queue.push(std::move(frame))) {
      count_slow_reader_cut();
      return close_orphan(event.tab);
    }
  }
  wake(effects.wake);
  if (orphan.connection->dispatch_jobs_waiting() > 0) wake({orphan.connection});
}

void Simulation::on_to_server(const Event& event) {
  if (deferred(event)) return;
  if (!current(event)) return;  // the socket is gone: the frame is lost with it
  SimTab& tab = tabs_[event.tab];
  ++result_.tab_events;
  tab.last_heard_us = now_us_;
  Effects effects = engine_->receive(*tab.connection, event.payload);
  std::string_view action = event.action;
  if (!rate_limit_.take(event.tab, now_us_)) {  // refused: nothing runs
    ++coverage_[action == "__ping__" ? "rate-limited-ping" : "rate-limited"];
    action = {};
  }
  if (action == "join") model_.join(event.tab, event.value);
  if (action == "send") model_.send(event.tab, event.value);
  if (action == "increment") model_.increment(event.tab);
  if (action == "saveNotes") model_.save_notes(event.tab, event.value);
  if (const auto command = task_command(event);
      command && !action.empty() && tab.page == model::Page::tasks) {
    model_.task(event.tab, *command);
    if (!model_.tab(event.tab).errors.empty()) ++coverage_["task-refused"];
  }
  check_tab_state(event.tab, tab.page == model::Page::reconnection ? "persist-restored"
                             : tab.page == model::Page::tasks      ? "convergence"
                                                                   : "username-per-connection");
  check_queues(event.tab, tab.browser, effects.wake);
  for (std::string& frame : effects.frames) {
    if (!tab.connected()) break;  // cut off as a slow reader
    deliver_to_client(event.tab, std::move(frame));
  }
  wake(effects.wake);
}

void Simulation::on_http_post(const Event& event) {
  if (deferred(event)) return;
  ++result_.tab_events;
  const SimTab& tab = tabs_[event.tab];
  const std::string target = target_with_name(tab, event.name);
  HttpResponse response =
      engine_->handle_http({"POST", target, "sim", cookies_[tab.browser], "application/json",
                            "application/json", event.payload});
  // A fresh state mounted from the URL runs the action: only what reaches the group stays.
  const std::string_view action = event.action;
  if (tab.page == model::Page::broadcasting && action == "send") {
    model_.send_http(tab.browser, event.name, event.value);
  } else if (tab.page == model::Page::reconnection && action == "increment") {
    model_.increment_http(tab.browser);
  } else if (tab.page == model::Page::reconnection && action == "saveNotes") {
    model_.save_notes_http(tab.browser, event.value);
  } else if (const auto command = task_command(event); command && tab.page == model::Page::tasks) {
    model_.task_http(tab.browser, *command);
  }
  check_queues(-1, tab.browser, response.wake);
  wake(response.wake);
  if (event.page_load != 0 && response.status == 200) {
    Event reply;
    reply.time_us = now_us_ + latency(event.tab);
    reply.kind = EventKind::http_reply;
    reply.tab = event.tab;
    reply.page_load = event.page_load;
    reply.payload = std::move(response.body);
    schedule(std::move(reply));
  }
}

// The no-JavaScript form: the action runs on a fresh Mount from the URL, as over HTTP, and the
// answer sends the browser back to the page.
void Simulation::on_form_post(const Event& event) {
  if (deferred(event)) return;
  ++result_.tab_events;
  const SimTab& tab = tabs_[event.tab];
  const std::string target = target_with_name(tab, event.name);
  const HttpResponse response =
      engine_->handle_http({"POST", target, "sim", cookies_[tab.browser], "text/html",
                            "application/x-www-form-urlencoded", event.payload});
  if (event.action == "send") model_.send_http(tab.browser, event.name, event.value);
  if (event.action == "increment") model_.increment_http(tab.browser);
  if (event.action == "saveNotes") model_.save_notes_http(tab.browser, event.value);
  if (event.action == "add") model_.task_http(tab.browser, {model::TaskOp::add, "", event.value});
  check_queues(-1, tab.browser, response.wake);
  wake(response.wake);
  ++checks_["wire-correct"];
  const auto location = std::find_if(response.headers.begin(), response.headers.end(),
                                     [](const auto& header) { return header.first == "Location"; });
  if (response.status != 303 || location == response.headers.end() || location->second != target) {
    fail("wire-correct",
         "tab " + std::to_string(event.tab) + "'s form POST got " +
             std::to_string(response.status) + " instead of 303 back to " + target,
         event.tab, "303 See Other, Location: " + target,
         std::to_string(response.status) +
             (location == response.headers.end() ? "" : ", Location: " + location->second));
  }
}

// The client's JSON GET: the page's full tree, as a fresh Mount from the URL renders it.
void Simulation::on_json_get(const Event& event) {
  if (deferred(event)) return;
  ++result_.tab_events;
  ++coverage_["json-get"];
  const SimTab& tab = tabs_[event.tab];
  const HttpResponse response =
      engine_->handle_http({"GET", target_with_name(tab, event.name), "sim", cookies_[tab.browser],
                            "application/json", "", ""});
  const std::string_view invariant =
      tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent";
  const Json* reply = response.status == 200 ? parsed_frame(event.tab, response.body) : nullptr;
  const Json* tree = reply == nullptr ? nullptr : reply->find("tree");
  if (tree == nullptr || tree->find("s") == nullptr) {
    ++checks_[invariant];
    return fail(invariant,
                "tab " + std::to_string(event.tab) + "'s JSON GET got " +
                    std::to_string(response.status) + " without a full tree",
                event.tab);
  }
  TreeApplier page;
  page.apply(*tree);
  // Mount joins the name in the URL when it is one a join would take.
  const std::string_view name = model::trimmed(event.name);
  const bool joins = !name.empty() && model::utf8_chars(name) <= model::username_chars_max;
  // A fresh Mount shows no error: errors belong to the connection that was refused.
  const model::View view{tab.page,
                         joins ? std::string(name) : std::string(),
                         model_.log().size(),
                         model_.persisted(tab.browser),
                         model_.config().group_mode,
                         {},
                         model_.tasks_of(tab.browser)};
  judge_view(event.tab, view, page.html(), "'s JSON GET", invariant);
}

// Another site's page opening a WebSocket to ours with its users' cookie: refused, or any
// site could act as them.
void Simulation::on_foreign_upgrade(const Event& event) {
  if (deferred(event)) return;
  const SimTab& tab = tabs_[event.tab];
  const ConnectResult result = engine_->connect(
      {std::string(path_of(tab)), "sim", "http://evil.example", cookies_[tab.browser]});
  ++checks_["bad-input-contained"];
  if (result.connection) {
    engine_->disconnect(*result.connection);
    return fail("bad-input-contained",
                "an upgrade with Origin http://evil.example was accepted for tab " +
                    std::to_string(event.tab) + "'s group",
                event.tab, "refused (403)", "accepted");
  }
  ++coverage_["foreign-origin-refused"];
}

void Simulation::wake(const std::vector<std::shared_ptr<Connection>>& connections) {
  for (const auto& connection : connections) {
    const auto found = tab_of_.find(connection.get());
    if (found == tab_of_.end()) continue;
    const int id = found->second;
    bool& scheduled =
        is_orphan(id) ? orphans_.at(id).dispatch_scheduled : tabs_[id].dispatch_scheduled;
    if (scheduled) continue;
    scheduled = true;
    schedule(now_us_ + network_of(id).below(config_.dispatch_delay_us_max + 1), EventKind::dispatch,
             id, is_orphan(id) ? 0 : tabs_[id].generation);
  }
}

void Simulation::on_dispatch(const Event& event) {
  if (deferred(event)) return;
  if (!current(event)) return;
  SimTab& tab = tabs_[event.tab];
  tab.dispatch_scheduled = false;
  const std::size_t waiting = tab.connection->dispatch_jobs_waiting();
  if (waiting == 0) return;
  const bool broadcasting = tab.page == model::Page::broadcasting;
  const std::size_t shown_before = broadcasting ? state_of(event.tab).messages : 0;
  Effects effects = engine_->dispatch(*tab.connection);
  model_.deliver(event.tab);
  for (const std::string& frame : effects.frames) {
    if (broadcasting) check_diff_proportional(frame, shown_before, state_of(event.tab).messages);
  }
  ++coverage_["deliver"];
  check_tab_state(event.tab, "convergence");
  check_queues(event.tab, -1, effects.wake);
  for (std::string& frame : effects.frames) {
    if (!tab.connected()) break;
    deliver_to_client(event.tab, std::move(frame));
  }
  wake(effects.wake);
  if (tab.connected() && tab.connection->dispatch_jobs_waiting() > 0) wake({tab.connection});
}

// The transport's part when a queue overflows: it counts, then the caller cuts the socket.
void Simulation::count_slow_reader_cut() {
  ++coverage_["slow-reader-cut"];
  ++engine_->metrics().errors_slow_reader;
}

// Into the connection's outbound queue; a client that does not keep up is cut off.
void Simulation::deliver_to_client(int id, std::string frame) {
  SimTab& tab = tabs_[id];
  const Connection& connection = *tab.connection;
  const RenderHash render = server_render_.of(engine_->sent_tree(connection));
  if (!tab.outbound.queue.push(std::move(frame))) {
    count_slow_reader_cut();
    return close_by_server(id);
  }
  std::optional<model::View> view;
  if (oracle_judges_frame(tab)) view = model::view_of(model_.tab(id), model_.config().group_mode);
  ++tab.frames_made;
  tab.outbound.expected.push_back({render, std::move(view)});
  write_frames(id);
}

// The server writes while the network takes more; each frame reaches the client after the
// latency, in order, no sooner than the client can read it.
void Simulation::write_frames(int id) {
  SimTab& tab = tabs_[id];
  Outbound& out = tab.outbound;
  while (!out.queue.empty() && out.in_network < config_.network_frames_max) {
    const std::uint64_t at = std::max(now_us_ + latency(id), tab.to_client_free_us + tab.read_us);
    tab.to_client_free_us = at;
    ++out.in_network;
    Event frame;
    frame.time_us = at;
    frame.kind = EventKind::to_client;
    frame.tab = id;
    frame.generation = tab.generation;
    frame.payload = out.queue.take();
    frame.expected_render = out.expected.front().render;
    frame.expected_view = std::move(out.expected.front().view);
    schedule(std::move(frame));
    out.expected.pop_front();
  }
}

}  // namespace lvt::sim::detail
