#include "simulation.hpp"

#include <cassert>
#include <cstring>
#include <memory>
#include <queue>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "broadcasting_page.hpp"
#include "engine.hpp"
#include "json_value.hpp"
#include "reconnection_page.hpp"
#include "rng.hpp"
#include "server_render_hash.hpp"
#include "session.hpp"
#include "text.hpp"
#include "tree_applier.hpp"
#include "url.hpp"

namespace lvt::sim {
namespace {

constexpr std::string_view page_path = "/realtime/broadcasting";
constexpr std::string_view reconnection_path = "/realtime/reconnection";
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

enum class EventKind { workload, to_server, http_post, dispatch, to_client, ping, pong_deadline };

struct Event {
  std::uint64_t time_us = 0;
  std::uint64_t sequence = 0;  // ties break by insertion order
  EventKind kind = EventKind::workload;
  int tab = -1;
  std::uint64_t generation = 0;  // the connection the event belongs to
  std::string payload;
  RenderHash expected_render;  // to_client: the server's render when the frame was made
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.time_us != b.time_us ? a.time_us > b.time_us : a.sequence > b.sequence;
  }
};

struct SimTab {
  int browser = 0;
  model::Page page = model::Page::broadcasting;
  bool connected = false;
  std::uint64_t generation = 0;
  std::shared_ptr<Connection> connection;
  TreeApplier held;
  std::uint64_t to_server_free_us = 0;  // per-connection streams stay ordered
  std::uint64_t to_client_free_us = 0;
  bool dispatch_scheduled = false;
  // Half-open: every frame either way is lost, and neither end is told. Only the client's
  // heartbeat notices.
  bool zombie = false;
  std::uint64_t pongs = 0;  // pongs received on this connection
};

std::string pick_text(Rng& rng) {
  static const std::vector<std::string> words = {
      "hi", "hello", "ok", "é", "✓", "日本", "😀", "<b>", "&", "\"q\"", "'", "{{x}}", "a", "b c"};
  const auto roll = rng.below(20);
  if (roll == 0) return "   ";                   // empty after trimming
  if (roll == 1) return std::string(2001, 'x');  // over the limit
  std::string out;
  for (auto n = rng.between(1, 4); n > 0; --n) out += words[rng.below(words.size())] + " ";
  return out;
}

std::string pick_name(Rng& rng) {
  static const std::vector<std::string> names = {"Alice",      "Bob", "Carol",   "Dan",
                                                 "<i>Eve</i>", "Zoë", "  Fay  ", ""};
  if (rng.below(30) == 0) return std::string(65, 'n');  // over the limit
  return names[rng.below(names.size())];
}

// What the client writes on its socket: {"action":ACTION,"data":{FIELD:VALUE}}.
std::string action_message(std::string_view action, std::string_view field,
                           std::string_view value) {
  std::string out = "{\"action\":";
  text::append_json_string(out, action);
  out += ",\"data\":{";
  if (!field.empty()) {
    text::append_json_string(out, field);
    out += ':';
    text::append_json_string(out, value);
  }
  out += "}}";
  return out;
}

struct ShownMessage {
  std::string id, user, text;  // as the HTML carries them (escaped)
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
    out.push_back({std::string(html.substr(at + open.size(), id_end - at - open.size())),
                   std::string(html.substr(user_at, user_end - user_at)),
                   std::string(html.substr(text_at, text_end - text_at))});
    at = text_end;
  }
  return out;
}

class Simulation {
 public:
  explicit Simulation(const Scenario& scenario)
      : config_(scenario.config),
        steps_(scenario.steps),
        model_({scenario.config.group_mode, scenario.config.dispatch_policy,
                scenario.config.dispatch_queue_max}),
        network_(config_.seed, "network"),
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

  RunResult run() {
    schedule(0, EventKind::workload);
    while (!queue_.empty()) {
      if (result_.events >= config_.events_max()) {
        fail("convergence", "the run did not quiesce within " +
                                std::to_string(config_.events_max()) +
                                " events (a broadcast storm?)");
        return finish();
      }
      Event event = queue_.top();
      queue_.pop();
      assert(event.time_us >= now_us_);
      now_us_ = event.time_us;
      trace(event);
      switch (event.kind) {
        case EventKind::workload:
          on_workload();
          break;
        case EventKind::to_server:
          on_to_server(event);
          break;
        case EventKind::http_post:
          on_http_post(event);
          break;
        case EventKind::dispatch:
          on_dispatch(event);
          break;
        case EventKind::to_client:
          on_to_client(event);
          break;
        case EventKind::ping:
          on_ping(event);
          break;
        case EventKind::pong_deadline:
          on_pong_deadline(event);
          break;
      }
      ++result_.events;
    }
    check_quiescence();
    return finish();
  }

  RunResult finish() {
    result_.virtual_us = now_us_;
    return std::move(result_);
  }

 private:
  // --- scheduling -------------------------------------------------------------------------
  void schedule(std::uint64_t time_us, EventKind kind, int tab = -1, std::uint64_t generation = 0,
                std::string payload = {}, RenderHash expected_render = {}) {
    Event event;
    event.time_us = time_us;
    event.sequence = next_sequence_++;
    event.kind = kind;
    event.tab = tab;
    event.generation = generation;
    event.payload = std::move(payload);
    event.expected_render = expected_render;
    queue_.push(std::move(event));
  }
  std::uint64_t latency() {
    return network_.between(config_.latency_us_min, config_.latency_us_max);
  }
  void trace(const Event& event) {
    const std::uint64_t fields[] = {event.time_us, static_cast<std::uint64_t>(event.kind),
                                    static_cast<std::uint64_t>(event.tab), event.generation,
                                    fnv(fnv_offset, event.payload)};
    result_.trace_hash =
        fnv(result_.trace_hash == 0 ? fnv_offset : result_.trace_hash,
            std::string_view(reinterpret_cast<const char*>(fields), sizeof fields));
  }

  void start_engine() {
    EngineConfig engine_config;
    engine_config.group_mode =
        config_.group_mode == model::GroupMode::global ? GroupMode::global : GroupMode::cookie;
    engine_config.dispatch_policy = config_.dispatch_policy == model::DispatchPolicy::coalesce
                                        ? DispatchPolicy::coalesce
                                        : DispatchPolicy::drop;
    engine_config.dispatch_queue_jobs_max = config_.dispatch_queue_max;
    engine_config.actions_per_second = 1e9;  // the workload paces itself
    engine_config.actions_burst = 1e9;
    EngineEnv env;
    env.now_us = [this] { return now_us_; };
    env.fill_random = [this](unsigned char* bytes, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i)
        bytes[i] = static_cast<unsigned char>(engine_random_.next());
    };
    engine_ = std::make_unique<Engine>(engine_config, env);
    server_render_.clear();
    counts_at_start_ = model_.counts();
  }

  // --- the workload -----------------------------------------------------------------------
  void on_workload() {
    if (steps_done_ >= steps_.size()) {  // stop: let everything drain
      workload_done_us_ = now_us_;
      return;
    }
    const Step& step = steps_[steps_done_++];
    const bool open = step.tab >= 0 && step.tab < static_cast<int>(tabs_.size());
    switch (step.op) {
      case Step::Op::open:
        open_new_tab(step.browser, step.reconnection_page);
        break;
      case Step::Op::increment:
        if (open) client_send(step.tab, "increment");
        break;
      case Step::Op::save_notes:
        if (open) client_send(step.tab, "saveNotes", "notes", step.text);
        break;
      case Step::Op::join:
        if (open) client_send(step.tab, "join", "username", step.text);
        break;
      case Step::Op::send:
        if (open) client_send(step.tab, "send", "text", step.text);
        break;
      case Step::Op::close:
        if (open) drop(step.tab);
        break;
      case Step::Op::reconnect:
        if (open) reconnect(step.tab);
        break;
      case Step::Op::zombie:
        if (open && tabs_[step.tab].connected && !tabs_[step.tab].zombie) {
          ++result_.coverage["zombie"];
          tabs_[step.tab].zombie = true;
        }
        break;
      case Step::Op::stall:
        ++result_.coverage["stall"];
        stalled_until_us_ = std::max(stalled_until_us_, now_us_ + step.stall_us);
        break;
      case Step::Op::restart:
        restart();
        break;
      case Step::Op::http:
        if (open) http_send(step.tab, step.name, step.text);
        break;
    }
    schedule(now_us_ + step.think_us, EventKind::workload);
  }

  void open_new_tab(int browser, bool reconnection_page) {
    if (static_cast<int>(tabs_.size()) >= config_.tabs_max) return;
    tabs_.emplace_back();
    tabs_.back().browser = browser % config_.browsers;
    tabs_.back().page = reconnection_page ? model::Page::reconnection : model::Page::broadcasting;
    ++result_.coverage["open"];
    connect(static_cast<int>(tabs_.size()) - 1);
  }

  void connect(int id) {
    SimTab& tab = tabs_[id];
    const std::string_view path =
        tab.page == model::Page::reconnection ? reconnection_path : page_path;
    ConnectResult opened = engine_->connect({std::string(path), "sim", "", cookies_[tab.browser]});
    assert(opened.connection);
    tab.connection = opened.connection;
    tab.connected = true;
    tab_of_[tab.connection.get()] = id;
    ++tab.generation;
    tab.held.reset();
    tab.dispatch_scheduled = false;
    tab.zombie = false;
    tab.pongs = 0;
    schedule_ping(id);
    model_.open(id, tab.browser, tab.page);
    ++result_.tab_events;
    check_tab_state(id,
                    tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent");
    deliver_to_client(id, std::move(opened.first_frame));
  }

  void drop(int id) {
    SimTab& tab = tabs_[id];
    if (!tab.connected) return;
    ++result_.coverage["drop"];
    ++result_.tab_events;
    engine_->disconnect(*tab.connection);
    tab_of_.erase(tab.connection.get());
    tab.connected = false;
    model_.close(id);
  }

  void reconnect(int id) {
    ++result_.coverage["reconnect"];
    drop(id);
    connect(id);
  }

  void restart() {
    ++result_.coverage["restart"];
    for (auto& tab : tabs_) tab.connected = false;
    tab_of_.clear();
    model_.restart();
    item_bytes_.clear();
    start_engine();  // the in-memory log and sessions are gone
  }

  // The client writes an action on its socket; it reaches the server after the latency.
  void client_send(int id, std::string_view action, std::string_view field = {},
                   std::string_view value = {}) {
    SimTab& tab = tabs_[id];
    if (!tab.connected) return;
    ++result_.coverage[std::string(action)];
    const std::uint64_t at = std::max(now_us_ + latency(), tab.to_server_free_us);
    tab.to_server_free_us = at;
    schedule(at, EventKind::to_server, id, tab.generation, action_message(action, field, value));
  }

  // --- the client's heartbeat --------------------------------------------------------------
  // Pings run while the workload runs, and after it only on a half-open socket, so that every
  // zombie is found and the run can still quiesce.
  void schedule_ping(int id) {
    const SimTab& tab = tabs_[id];
    if (config_.weight_zombie == 0) return;  // heartbeats matter only with half-open sockets
    if (steps_done_ >= steps_.size() && !tab.zombie) return;
    schedule(now_us_ + SimConfig::heartbeat_us, EventKind::ping, id, tab.generation);
  }

  void on_ping(const Event& event) {
    if (!current(event)) return;
    SimTab& tab = tabs_[event.tab];
    client_send(event.tab, "__ping__");
    schedule(now_us_ + SimConfig::pong_deadline_us, EventKind::pong_deadline, event.tab,
             tab.generation, std::to_string(tab.pongs));
  }

  void on_pong_deadline(const Event& event) {
    if (!current(event)) return;
    if (tabs_[event.tab].pongs > std::stoull(event.payload)) return schedule_ping(event.tab);
    // No pong: the client tears its socket down and reconnects. The server learns of the old
    // socket only then (a simplification of its own idle timeout).
    ++result_.coverage["heartbeat-reconnect"];
    reconnect(event.tab);
  }

  // The client's HTTP fallback: a JSON POST to the page URL, which carries the name.
  void http_send(int id, const std::string& name, const std::string& text) {
    ++result_.coverage["http"];
    const std::uint64_t at = std::max(now_us_ + latency(), tabs_[id].to_server_free_us);
    schedule(at, EventKind::http_post, id, tabs_[id].generation,
             nlohmann::json{{"name", name}, {"text", text}}.dump());
  }

  // --- the server side --------------------------------------------------------------------
  bool current(const Event& event) const {
    const SimTab& tab = tabs_[event.tab];
    return tab.connected && tab.generation == event.generation;
  }

  // A stalled server holds every request until the stall ends, in arrival order.
  bool deferred(const Event& event) {
    if (now_us_ >= stalled_until_us_) return false;
    schedule(stalled_until_us_, event.kind, event.tab, event.generation, event.payload,
             event.expected_render);
    return true;
  }

  void on_to_server(const Event& event) {
    if (deferred(event)) return;
    if (!current(event)) return;  // the socket is gone: the frame is lost with it
    SimTab& tab = tabs_[event.tab];
    if (tab.zombie) return;  // lost on a half-open socket
    ++result_.tab_events;
    Effects effects = engine_->receive(*tab.connection, event.payload);
    const Json message = parse_json(event.payload);
    const std::string& action = message.find("action")->text();
    const Json& data = *message.find("data");
    if (action == "join") model_.join(event.tab, data.find("username")->text());
    if (action == "send") model_.send(event.tab, data.find("text")->text());
    if (action == "increment") model_.increment(event.tab);
    if (action == "saveNotes") model_.save_notes(event.tab, data.find("notes")->text());
    check_tab_state(event.tab, tab.page == model::Page::reconnection ? "persist-restored"
                                                                     : "username-per-connection");
    check_queues(event.tab, tab.browser, effects.wake);
    for (std::string& frame : effects.frames) deliver_to_client(event.tab, std::move(frame));
    wake(effects.wake);
  }

  void on_http_post(const Event& event) {
    if (deferred(event)) return;
    ++result_.tab_events;
    const auto request = nlohmann::json::parse(event.payload);
    const std::string name = request["name"];
    const std::string text = request["text"];
    HttpRequest post{"POST",
                     std::string(page_path) + "?username=" + url::encode_component(name),
                     "sim",
                     cookies_[tabs_[event.tab].browser],
                     "application/json",
                     "application/json",
                     action_message("send", "text", text)};
    HttpResponse response = engine_->handle_http(post);
    model_.send_http(tabs_[event.tab].browser, name, text);
    check_queues(-1, tabs_[event.tab].browser, response.wake);
    wake(response.wake);
  }

  void wake(const std::vector<std::shared_ptr<Connection>>& connections) {
    for (const auto& connection : connections) {
      const auto found = tab_of_.find(connection.get());
      if (found == tab_of_.end()) continue;
      SimTab& tab = tabs_[found->second];
      if (tab.dispatch_scheduled) continue;
      tab.dispatch_scheduled = true;
      schedule(now_us_ + network_.below(config_.dispatch_delay_us_max + 1), EventKind::dispatch,
               found->second, tab.generation);
    }
  }

  void on_dispatch(const Event& event) {
    if (deferred(event)) return;
    if (!current(event)) return;
    SimTab& tab = tabs_[event.tab];
    tab.dispatch_scheduled = false;
    const std::size_t waiting = tab.connection->dispatch_jobs_waiting();
    if (waiting == 0) return;
    const std::size_t shown_before = state_of(event.tab).messages;
    Effects effects = engine_->dispatch(*tab.connection);
    model_.deliver(event.tab);
    for (const std::string& frame : effects.frames) {
      check_diff_proportional(frame, shown_before, state_of(event.tab).messages);
    }
    ++result_.coverage["deliver"];
    check_tab_state(event.tab, "convergence");
    check_queues(event.tab, -1, effects.wake);
    for (std::string& frame : effects.frames) deliver_to_client(event.tab, std::move(frame));
    if (tab.connection->dispatch_jobs_waiting() > 0) {
      tab.dispatch_scheduled = true;
      schedule(now_us_ + network_.below(config_.dispatch_delay_us_max + 1), EventKind::dispatch,
               event.tab, tab.generation);
    }
  }

  void deliver_to_client(int id, std::string frame) {
    SimTab& tab = tabs_[id];
    const std::uint64_t at = std::max(now_us_ + latency(), tab.to_client_free_us);
    tab.to_client_free_us = at;
    const Connection& connection = *tab.connection;
    schedule(at, EventKind::to_client, id, tab.generation, std::move(frame),
             server_render_.of(connection.page().render(engine_->page_state(connection))));
  }

  // --- the client side --------------------------------------------------------------------
  void on_to_client(const Event& event) {
    if (!current(event)) return;
    ++result_.tab_events;
    SimTab& tab = tabs_[event.tab];
    if (tab.zombie) return;  // lost on a half-open socket
    const Json& message = parsed(event.payload);
    if (message.find("pong")) ++tab.pongs;
    const Json* tree = message.find("tree");
    if (!tree) return;
    tab.held.apply(*tree);  // shares the parsed frame with every tab that got the same bytes
    ++result_.checks["wire-correct"];
    if (tab.held.html_hash() != event.expected_render) {
      fail("wire-correct", "tab " + std::to_string(event.tab) +
                               " rebuilt HTML that differs from the server's render");
    }
  }

  // A fan-out sends the same bytes to many tabs: parse them once (bounded memo).
  const Json& parsed(const std::string& payload) {
    if (const auto found = parsed_frames_.find(payload); found != parsed_frames_.end()) {
      return found->second;
    }
    if (parsed_frames_.size() >= parsed_frames_max) parsed_frames_.clear();
    return parsed_frames_.emplace(payload, parse_json(payload)).first->second;
  }

  // --- checks -----------------------------------------------------------------------------
  void fail(const std::string& invariant, std::string detail) {
    if (result_.failures.size() < 20)
      result_.failures.push_back({invariant, std::move(detail), result_.events});
  }

  const BroadcastingState& state_of(int id) const {
    return static_cast<const BroadcastingState&>(engine_->page_state(*tabs_[id].connection));
  }

  // A peer update that brings j new messages costs at most 64 bytes plus 1.1 times the encoded
  // size of those j items, at any log length (once the list's structure was sent).
  void check_diff_proportional(const std::string& frame, std::size_t before, std::size_t after) {
    if (before == 0 || after < before) return;
    std::size_t items_bytes = 0;
    for (std::size_t i = before; i < after && i < model_.log().size(); ++i) {
      items_bytes += item_bytes(i);
    }
    const std::size_t tree_bytes =
        frame.rfind(",\"meta\":") - std::string_view("{\"tree\":").size();
    ++result_.checks["diff-proportional"];
    if (static_cast<double>(tree_bytes) > 64.0 + 1.1 * static_cast<double>(items_bytes)) {
      fail("diff-proportional", "a peer update bringing " + std::to_string(after - before) +
                                    " messages (" + std::to_string(items_bytes) + " bytes) took " +
                                    std::to_string(tree_bytes) + " bytes");
    }
  }

  // The encoded size of log item i, {"0":"ID","1":"USER","2":"TEXT"} and a comma, from the
  // model's log; computed once per message.
  std::size_t item_bytes(std::size_t i) {
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
  void check_tab_state(int id, const std::string& invariant) {
    if (tabs_[id].page == model::Page::reconnection) return check_persisted(id, invariant);
    const BroadcastingState& state = state_of(id);
    const model::Tab& predicted = model_.tab(id);
    ++result_.checks[invariant];
    ++result_.checks["log-prefix"];
    if (state.username != predicted.username) {
      fail("username-per-connection", "tab " + std::to_string(id) + " is '" + state.username +
                                          "', the model says '" + predicted.username + "'");
    }
    if (state.messages != predicted.messages) {
      fail(invariant, "tab " + std::to_string(id) + " shows " + std::to_string(state.messages) +
                          " messages, the model says " + std::to_string(predicted.messages));
    }
    if (engine_->message_log().snapshot() != model_.log().size()) {
      fail("log-prefix", "the server's log has " +
                             std::to_string(engine_->message_log().snapshot()) +
                             " messages, the model's " + std::to_string(model_.log().size()));
    }
  }

  // Broadcasts wait exactly where the model says: never on the sender, never in another group.
  // Broadcasts wait exactly where the model says. A mismatch on the sender breaks
  // sender-excluded, one in another group group-isolation, one elsewhere in the group means a
  // broadcast was lost or doubled (convergence). `sender` is -1 for an HTTP action. Cheap: the
  // sender and the woken tabs one by one, everyone else through the engine's counters, with a
  // full scan only when those disagree with the model.
  void check_queues(int sender, int sender_browser,
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
      if (sender_browser >= 0) ++result_.checks["group-isolation"];
      return;
    }
    const std::size_t failures_before = result_.failures.size();
    for (std::size_t id = 0; id < tabs_.size(); ++id) {
      if (tabs_[id].connected) check_queue_of(static_cast<int>(id), sender, sender_browser);
    }
    if (result_.failures.size() == failures_before) {
      fail("convergence",
           "the server queued, dropped or coalesced other broadcasts than the model");
    }
    counts_at_start_ = model::Counts{counts.queued - metrics.broadcasts_queued,
                                     counts.dropped - metrics.broadcasts_dropped,
                                     counts.coalesced - metrics.broadcasts_coalesced,
                                     counts_at_start_.delivered};  // report each divergence once
  }

  void check_queue_of(int id, int sender, int sender_browser) {
    const SimTab& tab = tabs_[id];
    if (!tab.connected) return;
    const std::size_t waiting = tab.connection->dispatch_jobs_waiting();
    const std::size_t predicted = model_.tab(id).waiting;
    std::string invariant = "convergence";
    if (id == sender) {
      invariant = "sender-excluded";
    } else if (sender_browser >= 0 &&
               model_.group_of(tab.browser) != model_.group_of(sender_browser)) {
      invariant = "group-isolation";
    }
    ++result_.checks[invariant];
    if (waiting != predicted) {
      fail(invariant, "tab " + std::to_string(id) + " has " + std::to_string(waiting) +
                          " broadcasts waiting, the model says " + std::to_string(predicted));
    }
  }

  // A Reconnection tab holds its group's persisted fields as the model says.
  void check_persisted(int id, const std::string& invariant) {
    const auto& state =
        static_cast<const ReconnectionState&>(engine_->page_state(*tabs_[id].connection));
    const model::Persisted& predicted = model_.tab(id).fields;
    ++result_.checks[invariant];
    if (state.counter != predicted.counter || state.notes != predicted.notes) {
      fail(invariant, "tab " + std::to_string(id) + " holds Counter " +
                          std::to_string(state.counter) + ", the model says " +
                          std::to_string(predicted.counter) +
                          (state.notes == predicted.notes ? "" : " (and other Notes)"));
    }
  }

  // At quiescence, a tab whose page is not rebuilt: it must show the server's render, and the
  // server's state must be the model's.
  void check_by_hash(int id) {
    const SimTab& tab = tabs_[id];
    const Connection& connection = *tab.connection;
    ++result_.checks["wire-correct"];
    if (tab.held.html_hash() !=
        server_render_.of(connection.page().render(engine_->page_state(connection)))) {
      fail("wire-correct", "tab " + std::to_string(id) + " does not show the server's render");
    }
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
  void check_quiescence() {
    ++result_.checks["convergence"];
    if (now_us_ - workload_done_us_ > config_.quiesce_us_max()) {
      fail("convergence", "the last tab converged " +
                              std::to_string((now_us_ - workload_done_us_) / 1000) +
                              " ms after the workload ended (bound " +
                              std::to_string(config_.quiesce_us_max() / 1000) + " ms)");
    }
    // Rebuilding a page costs O(log): every tab's when there are few, else an even sample of
    // them; the others are held to the server's render by hash, and the server to the model.
    const std::size_t html_every = std::max<std::size_t>(1, tabs_.size() / quiescence_pages_max);
    for (std::size_t id = 0; id < tabs_.size(); ++id) {
      const SimTab& tab = tabs_[id];
      if (!tab.connected) continue;
      const model::Tab& predicted = model_.tab(static_cast<int>(id));
      if (id % html_every != 0) {
        check_by_hash(static_cast<int>(id));
        continue;
      }
      const std::string html = tab.held.html();
      if (tab.page == model::Page::reconnection) {
        ++result_.checks["persist-restored"];
        const std::string counter =
            "Counter: <strong>" + std::to_string(predicted.fields.counter) + "</strong>";
        const std::string notes =
            ">\n" + text::html_escaped(predicted.fields.notes) + "</textarea>";
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
      ++result_.checks["log-prefix"];
      if (!prefix || shown != predicted.messages) {
        fail("log-prefix", "tab " + std::to_string(id) + " shows " + std::to_string(shown) +
                               " messages that are not the model's first " +
                               std::to_string(predicted.messages));
      }
      ++result_.checks["convergence"];
      if (model_.stale(static_cast<int>(id))) {
        ++result_.stale_tabs;  // the configuration's finding, predicted by the model
      } else if (shown != model_.log().size()) {
        fail("convergence", "tab " + std::to_string(id) + " shows " + std::to_string(shown) +
                                " of " + std::to_string(model_.log().size()) +
                                " messages after quiescence");
      }
      ++result_.checks["username-per-connection"];
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

  const SimConfig config_;
  const std::vector<Step>& steps_;
  model::Model model_;
  Rng network_;
  Rng engine_random_;
  std::vector<std::string> cookies_;
  std::unique_ptr<Engine> engine_;
  model::Counts counts_at_start_;
  std::vector<SimTab> tabs_;
  std::unordered_map<const Connection*, int> tab_of_;  // connected tabs by their connection
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::uint64_t now_us_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::size_t steps_done_ = 0;
  std::uint64_t workload_done_us_ = 0;
  std::uint64_t stalled_until_us_ = 0;
  ServerRenderHasher server_render_;
  std::vector<std::size_t> item_bytes_;  // see item_bytes()
  static constexpr std::size_t parsed_frames_max = 64;
  static constexpr std::size_t quiescence_pages_max = 64;
  std::unordered_map<std::string, Json> parsed_frames_;
  RunResult result_;
};

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
  return c;
}

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
      << " zombie_weight=" << weight_zombie << " reconnection_tabs=" << reconnection_tabs_percent
      << "% latency_us=" << latency_us_min << ".." << latency_us_max
      << " think_us_mean=" << think_us_mean << " dispatch_delay_us_max=" << dispatch_delay_us_max;
  return out.str();
}

Scenario scenario_for_seed(std::uint64_t seed) {
  return scenario_for(config_for_seed(seed));
}

Scenario scenario_for(const SimConfig& config) {
  Scenario scenario{config, {}};
  const SimConfig& c = scenario.config;
  Rng workload(c.seed, "workload");
  // In the order of Step::Op; increment and save_notes share the persist weight.
  const int weights[] = {c.weight_open,      c.weight_join,    c.weight_send,  c.weight_close,
                         c.weight_reconnect, c.weight_restart, c.weight_http,  c.weight_persist,
                         c.weight_persist,   c.weight_stall,   c.weight_zombie};
  int total = 0;
  for (int w : weights) total += w;
  int opened = 0;
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
      opened = std::min(opened + 1, c.tabs_max);
    } else {
      step.tab = static_cast<int>(workload.below(static_cast<std::uint64_t>(std::max(opened, 1))));
      step.text = step.op == Step::Op::join ? pick_name(workload) : pick_text(workload);
      if (step.op == Step::Op::http) step.name = pick_name(workload);
    }
    if (step.op == Step::Op::stall) step.stall_us = workload.between(1, c.stall_us_max);
    step.think_us = workload.below(2 * c.think_us_mean + 1);
    scenario.steps.push_back(std::move(step));
  }
  return scenario;
}

RunResult run_scenario(const Scenario& scenario) {
  return Simulation(scenario).run();
}

RunResult run_seed(const SimConfig& config) {
  return run_scenario(scenario_for(config));
}

}  // namespace lvt::sim
