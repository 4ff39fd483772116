// What a simulated tab does, as the real client does it: its page load, HEAD probe and socket,
// its user's actions (over the socket or HTTP), its heartbeat, and the frames it applies.
#include <cassert>
#include <cstdlib>
#include <limits>

#include "form_value.hpp"
#include "simulation_internal.hpp"

namespace lvt::sim::detail {
namespace {

// JavaScript's truthiness, with which the client tests a frame's fields.
bool truthy(const Json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.boolean();
  if (value.is_string()) return !value.text().empty();
  if (value.is_array() || value.is_object()) return true;
  return std::strtod(value.text().c_str(), nullptr) != 0.0;  // a number as written
}

// What the client writes on its socket for a form submit: the clicked button's name as the
// action, the form's fields in data, {"action":ACTION,"data":{FIELD:VALUE,...}}.
std::string action_message(std::string_view action,
                           const std::vector<std::pair<std::string_view, FormValue>>& fields) {
  std::string out = "{\"action\":";
  append_json_stringified(out, action);
  out += ",\"data\":{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_json_stringified(out, fields[i].first);
    out += ':';
    out += fields[i].second.json;
  }
  out += "}}";
  return out;
}

}  // namespace

// --- a tab's page and socket ---------------------------------------------------------------------
// A page load: the GET (Mount renders the page), then the client probes and connects. Until
// the first tree arrives the page's forms are disabled.
void Simulation::load_page(int id) {
  SimTab& tab = tabs_[id];
  if (tab.connected()) drop(id);  // unloading the page closes its socket
  tab.socket = SimTab::Socket::closed;
  tab.loading = true;
  tab.page_ready = false;
  tab.form_busy = false;
  stop_heartbeat(id);  // the new page arms its own on its first connect
  tab.http_only = false;
  ++tab.page_loads;
  ++tab.generation;
  schedule(now_us_ + latency(id), EventKind::page_load, id, tab.generation);
}

void Simulation::on_page_load(const Event& event) {
  if (deferred(event)) return;
  SimTab& tab = tabs_[event.tab];
  if (tab.generation != event.generation) return;  // superseded by another load
  tab.loading = false;
  const HttpResponse page = engine_->handle_http(
      {"GET", std::string(path_of(tab)), "sim", cookies_[tab.browser], "text/html", "", ""});
  check_page_html(event.tab, page);
  begin_connect(event.tab);
}

// A new connection: the client clears its tree, probes with HEAD, opens a new socket and
// takes the full tree the server pushes.
void Simulation::begin_connect(int id) {
  SimTab& tab = tabs_[id];
  assert(!tab.connected());
  tab.socket = SimTab::Socket::connecting;
  ++tab.generation;
  tab.held.reset();
  tab.socket_tree_held = tab.view_diverged = tab.pong_awaited = false;
  tab.transport_from_us = std::numeric_limits<std::uint64_t>::max();  // the probe is out
  tab.outbound =
      Outbound{OutboundQueue(config_.outbound_frames_max, limits::outbound_bytes_default), {}, 0};
  tab.replies_awaited = 0;
  tab.form_busy = false;  // the client's reset of its session state
  tab.pongs = 0;
  tab.frames_made = 0;
  tab.dispatch_scheduled = false;
  tab.to_server_free_us = tab.to_client_free_us = now_us_;  // new streams
  schedule(now_us_ + latency(id), EventKind::probe, id, tab.generation);
}

void Simulation::on_probe(const Event& event) {
  if (deferred(event)) return;
  if (!connecting(event)) return;
  const SimTab& tab = tabs_[event.tab];
  const HttpResponse answer = engine_->handle_http(
      {"HEAD", std::string(path_of(tab)), "sim", cookies_[tab.browser], "", "", ""});
  ++coverage_["probe"];
  check_probe(event.tab, answer);
  // The answer goes back, then the upgrade request comes in.
  const std::uint64_t answered_us = now_us_ + latency(event.tab);
  tabs_[event.tab].transport_from_us = answered_us;
  schedule(answered_us + latency(event.tab), EventKind::socket_open, event.tab, tab.generation);
}

void Simulation::on_socket_open(const Event& event) {
  if (deferred(event)) return;
  if (!connecting(event)) return;
  SimTab& tab = tabs_[event.tab];
  ConnectResult opened =
      engine_->connect({std::string(path_of(tab)), "sim", "http://sim", cookies_[tab.browser]});
  assert(opened.connection);
  tab.connection = opened.connection;
  tab.socket = SimTab::Socket::open;
  tab.last_heard_us = now_us_;
  tab_of_[tab.connection.get()] = event.tab;
  start_heartbeat(event.tab);
  settle_heartbeat(event.tab);
  model_.open(event.tab, tab.browser, tab.page);
  rate_limit_.open(event.tab, now_us_);
  ++result_.tab_events;
  check_tab_state(event.tab,
                  tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent");
  deliver_to_client(event.tab, std::move(opened.first_frame));
}

// The socket closes and both ends learn of it. The client sends its actions over HTTP until it
// reconnects (backoff is off: at its next heartbeat tick, on becoming visible, on a cache
// restore).
void Simulation::drop(int id) {
  SimTab& tab = tabs_[id];
  assert(tab.connected());
  ++result_.tab_events;
  engine_->disconnect(*tab.connection);
  tab_of_.erase(tab.connection.get());
  tab.connection.reset();
  tab.socket = SimTab::Socket::closed;
  tab.replies_awaited = 0;
  ++tab.generation;
  model_.close(id);
}

// The server (or the network) closes the socket; the client's next heartbeat tick finds it
// closed and reconnects.
void Simulation::close_by_server(int id) {
  drop(id);
  start_heartbeat(id);
  socket_closed_by_server_ = true;
}

void Simulation::reconnect(int id, const char* why) {
  SimTab& tab = tabs_[id];
  // A loading page connects by itself; a client left on HTTP does not reconnect.
  if (tab.loading || tab.http_only) return;
  ++coverage_[why];
  if (tab.connected()) drop(id);  // a half-open socket's server end is already an orphan
  begin_connect(id);
}

// The client times a hidden tab only when its socket was open as it hid; 3 s or more hidden,
// it reconnects half a second after becoming visible, unless it is reconnecting already.
void Simulation::on_visible(const Event& event) {
  SimTab& tab = tabs_[event.tab];
  if (!tab.hidden_with_socket_open) return;
  tab.hidden_with_socket_open = false;
  if (event.count < SimConfig::hidden_reconnect_us) {
    ++coverage_["visible-short"];
    return;
  }
  Event later;
  later.time_us = now_us_ + SimConfig::visibility_reconnect_delay_us;
  later.kind = EventKind::visibility_reconnect;
  later.tab = event.tab;
  later.page_load = tab.page_loads;
  schedule(std::move(later));
}

void Simulation::on_visibility_reconnect(const Event& event) {
  const SimTab& tab = tabs_[event.tab];
  if (tab.page_loads != event.page_load || tab.socket == SimTab::Socket::connecting) return;
  reconnect(event.tab, "visible-reconnect");
}

// --- what the user does --------------------------------------------------------------------------
// A form submit, once the page is live and its form not busy: the form becomes busy, and the
// action goes on the socket when it is open, over HTTP while the socket connects or after it
// closed, nowhere while a reconnect's probe is out.
void Simulation::user_action(int id, std::string_view action,
                             const std::vector<FormField>& fields) {
  SimTab& tab = tabs_[id];
  if (!tab.page_ready) {
    ++coverage_["loading-skip"];
    return;
  }
  if (tab.form_busy) {
    ++coverage_["busy-skip"];
    return;
  }
  tab.form_busy = true;
  if (tab.socket == SimTab::Socket::connecting && now_us_ < tab.transport_from_us) {
    ++coverage_["no-transport-skip"];  // the client logs "No transport available"
    return;
  }
  if (!tab.believes_open()) return http_post(id, action, fields, "");
  const int task = task_action_index(action);
  ++coverage_[task < 0 ? action : task_coverage_names[task]];
  ++tab.replies_awaited;
  socket_send(id, action, fields);
}

// The client writes a frame on its socket; it reaches the server after the latency.
void Simulation::socket_send(int id, std::string_view action,
                             const std::vector<FormField>& fields) {
  SimTab& tab = tabs_[id];
  tab.to_server_free_us = std::max(now_us_ + latency(id), tab.to_server_free_us);
  schedule(action_event(EventKind::to_server, id, action, fields));
}

// The action as the client sends it, each field through its parseValue; the model is told what
// a correct server reads: a task's id field in task_id, any other field in value.
Event Simulation::action_event(EventKind kind, int id, std::string_view action,
                               const std::vector<FormField>& fields) {
  Event event;
  event.kind = kind;
  event.tab = id;
  event.generation = tabs_[id].generation;
  event.time_us = tabs_[id].to_server_free_us;
  std::vector<std::pair<std::string_view, FormValue>> sent;
  for (const FormField& field : fields) {
    FormValue value = form_value(field.value);
    if (!value.json.starts_with('"') && field.name != "id") ++coverage_["number-field"];
    if (field.name == "id") {
      event.task_id = value.server_text;
    } else {
      count_limits(field.name, value.server_text);
      event.value = value.server_text;
    }
    sent.emplace_back(field.name, std::move(value));
  }
  event.payload = action_message(action, sent);
  event.action = action;
  return event;
}

// The client's HTTP fallback: a JSON POST to the page URL; `name` is the name the URL carries
// (a tab that joined over its socket has none there).
namespace {
// A button name as a browser sends it, spelled in one of the case styles the router accepts.
std::string button_name(std::string_view action, int style) {
  std::string out;
  for (const char c : action) {
    const bool upper = c >= 'A' && c <= 'Z';
    const char lower = upper ? static_cast<char>(c - 'A' + 'a') : c;
    if (upper && (style == 2 || style == 3)) {
      out += style == 2 ? '_' : '-';
      out += lower;
    } else {
      out += c;
    }
  }
  if (style == 1 && !out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}
}  // namespace

// Field values at and over their limits, counted as the model counts them (characters, after
// trimming where the page trims).
void Simulation::count_limits(std::string_view field, std::string_view value) {
  const bool notes = field == "notes";
  const std::size_t chars = model::utf8_chars(notes ? value : model::trimmed(value));
  const std::size_t chars_max = field == "username" ? model::username_chars_max
                                : notes             ? model::notes_chars_max
                                : field == "title"  ? model::task_title_chars_max
                                                    : model::message_chars_max;
  if (chars == chars_max) ++coverage_["field-at-limit"];
  if (chars > chars_max) ++coverage_["field-over-limit"];
}

std::string Simulation::target_with_name(const SimTab& tab, const std::string& name) const {
  std::string target(path_of(tab));
  if (!name.empty()) target += "?username=" + form_urlencoded(name);
  return target;
}

// A page without JavaScript: its join form put the name in the URL (a GET form), and its other
// form posts to that URL; the server answers 303 back to it. Broadcasting sends the text;
// Reconnection saves it as notes, or (for texts whose length is a multiple of 3) increments;
// Tasks adds it as a task's title.
void Simulation::form_post(int id, const std::string& text, const std::string& name,
                           int button_style) {
  const SimTab& tab = tabs_[id];
  const bool increment = tab.page == model::Page::reconnection && text.size() % 3 == 0;
  const std::string_view action = tab.page == model::Page::broadcasting ? "send"
                                  : tab.page == model::Page::tasks      ? "add"
                                  : increment                           ? "increment"
                                                                        : "saveNotes";
  const std::string_view field = action == "send" ? "text" : action == "add" ? "title" : "notes";
  ++coverage_["form-post"];
  count_limits(field, text);
  if (button_style != 0) ++coverage_["button-style"];
  Event event;
  event.kind = EventKind::form_post;
  event.tab = id;
  event.time_us = now_us_ + latency(id);
  event.action = action;
  event.value = text;
  event.name = name;
  if (!increment) event.payload = std::string(field) + "=" + form_urlencoded(text) + "&";
  event.payload += form_urlencoded(button_name(action, button_style)) + "=";
  schedule(std::move(event));
}

// A request from the tab's browser that reaches the server after the latency, apart from the
// page's own socket and forms.
void Simulation::request_at_server(int id, EventKind kind, const std::string& name) {
  Event event;
  event.kind = kind;
  event.tab = id;
  event.time_us = now_us_ + latency(id);
  event.name = name;
  schedule(std::move(event));
}

void Simulation::http_post(int id, std::string_view action, const std::vector<FormField>& fields,
                           const std::string& name) {
  ++coverage_[name.empty() ? "http-fallback" : "http"];
  Event event = action_event(EventKind::http_post, id, action, fields);
  // The page's client posts only while its socket is not open, and applies the reply; a post
  // beside an open socket stands for one made outside the page.
  event.page_load = tabs_[id].believes_open() ? 0 : tabs_[id].page_loads;
  event.time_us = std::max(now_us_ + latency(id), tabs_[id].to_server_free_us);
  event.name = name;
  schedule(std::move(event));
}

// --- the client's heartbeat ----------------------------------------------------------------------
// An interval per page, armed on its first connect, ticking every 20 s across reconnects. A
// tick does nothing while the tab is hidden or reconnecting; it reconnects a socket that is
// not open (closed by the server: a drop, a slow-reader cut, a restart), and otherwise pings,
// reconnecting when no pong came within 10 s. Once the workload ended, it runs only on a tab
// whose socket is not healthy and can heal (its ticks would only ping), so that the run
// quiesces.
void Simulation::start_heartbeat(int id) {
  SimTab& tab = tabs_[id];
  if (tab.heartbeat_on) return;
  tab.heartbeat_on = true;
  ++tab.heartbeat_epoch;
  schedule(now_us_ + SimConfig::heartbeat_us, EventKind::ping, id, tab.heartbeat_epoch);
}

void Simulation::stop_heartbeat(int id) {
  tabs_[id].heartbeat_on = false;
  ++tabs_[id].heartbeat_epoch;  // its pending tick is cancelled
}

void Simulation::settle_heartbeat(int id) {
  const SimTab& tab = tabs_[id];
  if (steps_done_ >= steps_.size() && ((tab.connected() && !tab.pong_awaited) || tab.http_only)) {
    stop_heartbeat(id);
  }
}

void Simulation::on_ping(const Event& event) {
  SimTab& tab = tabs_[event.tab];
  schedule(now_us_ + SimConfig::heartbeat_us, EventKind::ping, event.tab, tab.heartbeat_epoch);
  if (now_us_ < tab.hidden_until_us || tab.loading) return;
  if (tab.socket == SimTab::Socket::connecting) return;
  // A closed socket reconnects even with a ping unanswered (the client tests readyState first).
  if (tab.socket == SimTab::Socket::closed) return reconnect(event.tab, "heartbeat-reconnect");
  if (tab.pong_awaited) return;
  tab.pong_awaited = true;
  socket_send(event.tab, "__ping__");
  schedule(now_us_ + SimConfig::pong_deadline_us, EventKind::pong_deadline, event.tab,
           tab.generation, tab.pongs);
}

// Reached only without a pong: the client clears the deadline when the pong comes.
void Simulation::on_pong_deadline(const Event& event) {
  tabs_[event.tab].pong_awaited = false;
  // The client tears its page state down and reconnects. On a half-open socket the server
  // hears nothing of it: the old connection lives on as an orphan.
  reconnect(event.tab, "heartbeat-reconnect");
}

// The client applies the reply's tree to what it holds, whatever came on the socket since.
// Only a page held over an open socket is ever checked: any other is replaced whole by the
// next socket's first tree before a check sees it, so only that one is rebuilt here.
void Simulation::on_http_reply(const Event& event) {
  SimTab& tab = tabs_[event.tab];
  if (tab.loading || tab.page_loads != event.page_load) return;  // its page is gone
  ++coverage_["http-reply"];
  tab.form_busy = false;  // the reply's meta
  if (!tab.connected() || !tab.socket_tree_held) return;
  const Json* reply = parsed_frame(event.tab, event.payload);
  if (reply == nullptr) return;
  const Json* tree = reply->find("tree");
  assert(tree && tree->find("s"));  // a full tree: the engine's answer to a JSON action
  tab.held.apply(*tree);
  tab.view_diverged = true;
}

// --- what the tab receives -----------------------------------------------------------------------
void Simulation::on_to_client(const Event& event) {
  if (!current(event)) return;
  SimTab& tab = tabs_[event.tab];
  --tab.outbound.in_network;
  ++result_.tab_events;
  const Json* parsed_message = parsed_frame(event.tab, event.payload);
  if (parsed_message == nullptr) return write_frames(event.tab);  // the client drops it
  const Json& message = *parsed_message;
  if (const Json* pong = message.find("pong"); pong && truthy(*pong)) {  // as the client tests it
    ++coverage_["pong"];
    ++tab.pongs;
    tab.pong_awaited = false;
    settle_heartbeat(event.tab);
  }
  if (const Json* meta = message.find("meta")) {
    const bool answer = meta->find("action") != nullptr;
    if (answer && tab.replies_awaited > 0) --tab.replies_awaited;
    // A peer's update or a new socket's first tree answers no action, yet ends a busy form.
    if (tab.form_busy && !answer) ++coverage_["busy-ended-early"];
    tab.form_busy = false;
  }
  if (const Json* tree = message.find("tree")) {
    tab.held.apply(*tree);  // shares the parsed frame with every tab that got the same bytes
    tab.page_ready = tab.socket_tree_held = true;
    if (tree->find("s")) tab.view_diverged = false;  // a full tree replaces the page
    const bool shows_render = tab.held.html_hash() == event.expected_render;
    if (tab.view_diverged && !shows_render) return write_frames(event.tab);  // not the server's
    tab.view_diverged = false;  // it shows the server's render again
    ++checks_["wire-correct"];
    if (!shows_render) {
      fail("wire-correct",
           "tab " + std::to_string(event.tab) +
               " rebuilt HTML that differs from the server's render",
           event.tab);
    }
    if (event.expected_view) {
      judge_view(event.tab, *event.expected_view, tab.held.html(), "after a frame", "convergence");
    }
  }
  write_frames(event.tab);
}

// A fan-out sends the same bytes to many tabs: parse them once (bounded memo).

// The frame as the client's JSON.parse reads it, or nullptr (and a failure) when it is not JSON.
const Json* Simulation::parsed_frame(int id, const std::string& payload) {
  try {
    return &parsed(payload);
  } catch (const std::runtime_error& error) {
    ++checks_["wire-correct"];
    fail("wire-correct",
         "tab " + std::to_string(id) + " got a frame that is not JSON (" + error.what() + ")", id,
         "a JSON frame", payload.substr(0, 160));
    return nullptr;
  }
}

const Json& Simulation::parsed(const std::string& payload) {
  if (const auto found = parsed_frames_.find(payload); found != parsed_frames_.end()) {
    return found->second;
  }
  if (parsed_frames_.size() >= parsed_frames_max) parsed_frames_.clear();
  return parsed_frames_.emplace(payload, parse_json(payload, &items_)).first->second;
}

}  // namespace lvt::sim::detail
