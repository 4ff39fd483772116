#include "simulation.hpp"

#include <cassert>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "broadcasting_page.hpp"
#include "engine.hpp"
#include "event_queue.hpp"
#include "json_value.hpp"
#include "outbound_queue.hpp"
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

enum class EventKind {
  workload,
  to_server,
  http_post,
  http_reply,  // the answer to an HTTP action reaches the page that sent it
  dispatch,
  to_client,
  ping,
  pong_deadline,
  page_load,             // the server answers a tab's page GET
  probe,                 // the server answers the client's HEAD probe
  socket_open,           // the server accepts the client's WebSocket
  visible,               // a hidden tab becomes visible again
  visibility_reconnect,  // the client's reconnect, half a second after becoming visible
  reap                   // the server's idle timeout closes a half-open socket
};

struct Event {
  std::uint64_t time_us = 0;
  EventKind kind = EventKind::workload;
  int tab = -1;
  std::uint64_t generation = 0;  // the connection attempt the event belongs to
  // visible: how long the tab was hidden; pong_deadline: the pongs it had when the ping left.
  std::uint64_t count = 0;
  std::string payload;
  std::string name;  // http_post: the name in the page URL
  // to_server, http_post: the action the payload carries and its one field's value, as the
  // model takes them (the simulator wrote the payload: no need to parse it back).
  std::string_view action;  // always a literal
  std::string value;
  RenderHash expected_render;  // to_client: the server's render when the frame was made
};

// A connection's frames on their way: the server's bounded outbound queue, then the network
// (socket buffers) that holds a few more, then the client, which reads them one by one.
struct Outbound {
  OutboundQueue queue{limits::outbound_frames_default, limits::outbound_bytes_default};
  std::deque<RenderHash> renders;  // the server's render when each queued frame was made
  std::size_t in_network = 0;      // written, not yet read
};

struct SimTab {
  // half_open: the client believes its socket open, but every frame either way is lost and
  // neither end is told; the server's end lives on as an orphan. Only the heartbeat notices.
  enum class Socket { closed, connecting, open, half_open };
  int browser = 0;
  model::Page page = model::Page::broadcasting;
  Socket socket = Socket::closed;
  bool loading = false;          // the page GET is on its way
  bool page_ready = false;       // the first tree since the page loaded has arrived
  std::uint64_t generation = 0;  // bumped by every page load and connection attempt
  std::uint64_t page_loads = 0;  // HTTP replies belong to the page that posted
  std::shared_ptr<Connection> connection;
  TreeApplier held;
  Outbound outbound;
  std::uint64_t to_server_free_us = 0;  // per-connection streams stay ordered
  std::uint64_t to_client_free_us = 0;
  Rng network{0, ""};               // this tab's latencies and dispatch delays
  std::uint64_t read_us = 0;        // a slow reader takes this long over each frame
  std::uint64_t last_heard_us = 0;  // when the server last received a frame from the socket
  bool dispatch_scheduled = false;
  std::uint64_t pongs = 0;            // pongs received on this connection
  int replies_awaited = 0;            // actions sent on the socket, unanswered: the form stays busy
  bool socket_tree_held = false;      // the socket's first (full) tree has arrived
  bool heartbeat_on = false;          // the page's heartbeat interval is running
  std::uint64_t heartbeat_epoch = 0;  // bumped when it starts or stops: older ticks are void
  bool pong_awaited = false;          // a ping went out on this socket; its deadline is pending
  std::uint64_t hidden_until_us = 0;  // the tab is hidden until then
  bool hidden_with_socket_open = false;  // the client timed its hiding
  // While connecting, the client has a transport (a CONNECTING socket, so actions go over HTTP)
  // only once its HEAD probe is answered; before, an action is lost.
  std::uint64_t transport_from_us = 0;
  // A connect attempt failed: the client uses HTTP until the page reloads (its useHTTP), and
  // neither the heartbeat nor becoming visible reconnects it.
  bool http_only = false;
  // An HTTP reply landed after the socket's tree, and the client applied it to what it holds: the
  // server's diffs now merge into a page it does not know of, until the tab shows the server's
  // render again (a full tree, or diffs that happen to rebuild it).
  bool view_diverged = false;

  bool connected() const { return socket == Socket::open; }  // the server's end is this tab's
  bool believes_open() const { return socket == Socket::open || socket == Socket::half_open; }
};

// The server's end of a half-open socket: the server keeps it, and runs broadcasts on it, until
// its idle timeout or its outbound queue overflows.
struct Orphan {
  std::shared_ptr<Connection> connection;
  int browser = 0;
  Outbound outbound;
  bool dispatch_scheduled = false;
  Rng network{0, ""};
};

std::string pick_text(Rng& rng) {
  static const std::vector<std::string> words = {
      "hi", "hello", "ok", "é", "✓", "日本", "😀", "<b>", "&", "\"q\"", "'", "{{x}}", "a", "b c"};
  const auto roll = rng.below(20);
  if (roll == 0) return "   ";                   // empty after trimming
  if (roll == 1) return std::string(2001, 'x');  // over the limit
  std::string out;
  for (auto n = rng.between(1, 4); n > 0; --n) {
    out += words[rng.below(words.size())];
    out += ' ';
  }
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

// Counts by name over a fixed list of names: no allocation per count.
class Tally {
 public:
  explicit Tally(const std::vector<std::string>& names) : names_(names), counts_(names.size()) {
    for (std::size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
  }
  std::uint64_t& operator[](std::string_view name) {
    if (const auto found = index_.find(name); found != index_.end()) return counts_[found->second];
    throw std::logic_error("'" + std::string(name) + "' is not on the list it is counted by");
  }
  std::map<std::string, std::uint64_t> counted() const {  // the names counted at least once
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (counts_[i] > 0) out[names_[i]] = counts_[i];
    }
    return out;
  }

 private:
  const std::vector<std::string>& names_;
  std::unordered_map<std::string_view, std::size_t> index_;  // views of names_
  std::vector<std::uint64_t> counts_;
};

class Simulation {
 public:
  explicit Simulation(const Scenario& scenario)
      : config_(scenario.config),
        steps_(scenario.steps),
        model_({scenario.config.group_mode, scenario.config.dispatch_policy,
                scenario.config.dispatch_queue_max}),
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
      Event event = queue_.pop();
      if (cancelled(event)) continue;
      assert(event.time_us >= now_us_);
      now_us_ = event.time_us;
      trace(event);
      handle(event);
      ++result_.events;
    }
    check_quiescence();
    return finish();
  }

  RunResult finish() {
    result_.virtual_us = now_us_;
    result_.checks = checks_.counted();
    result_.coverage = coverage_.counted();
    return std::move(result_);
  }

 private:
  void handle(const Event& event) {
    switch (event.kind) {
      case EventKind::workload:
        return on_workload();
      case EventKind::to_server:
        return on_to_server(event);
      case EventKind::http_post:
        return on_http_post(event);
      case EventKind::http_reply:
        return on_http_reply(event);
      case EventKind::dispatch:
        return is_orphan(event.tab) ? on_orphan_dispatch(event) : on_dispatch(event);
      case EventKind::to_client:
        return on_to_client(event);
      case EventKind::ping:
        return on_ping(event);
      case EventKind::pong_deadline:
        return on_pong_deadline(event);
      case EventKind::page_load:
        return on_page_load(event);
      case EventKind::probe:
        return on_probe(event);
      case EventKind::socket_open:
        return on_socket_open(event);
      case EventKind::visible:
        return on_visible(event);
      case EventKind::visibility_reconnect:
        return on_visibility_reconnect(event);
      case EventKind::reap:
        return on_reap(event);
    }
  }

  // --- scheduling -------------------------------------------------------------------------
  void schedule(std::uint64_t time_us, EventKind kind, int tab = -1, std::uint64_t generation = 0,
                std::uint64_t count = 0) {
    Event event;
    event.time_us = time_us;
    event.kind = kind;
    event.tab = tab;
    event.generation = generation;
    event.count = count;
    schedule(std::move(event));
  }
  void schedule(Event event) {
    const std::uint64_t time_us = event.time_us;
    queue_.push(time_us, std::move(event));
  }
  // Each tab (and orphan) draws from its own network stream, so that removing one tab's steps
  // while shrinking leaves every other tab's latencies as they were.
  Rng& network_of(int id) { return is_orphan(id) ? orphans_.at(id).network : tabs_[id].network; }
  std::uint64_t latency(int id) {
    Rng& network = network_of(id);
    if (!config_.latency_long_tail) {
      return network.between(config_.latency_us_min, config_.latency_us_max);
    }
    const double low = static_cast<double>(std::max<std::uint64_t>(config_.latency_us_min, 1));
    const double high =
        static_cast<double>(std::max(config_.latency_us_max, config_.latency_us_min));
    const double share = static_cast<double>(network.next() >> 11) * 0x1.0p-53;
    return static_cast<std::uint64_t>(low * std::pow(high / low, share));
  }
  void trace(const Event& event) {
    const std::uint64_t fields[] = {event.time_us,
                                    static_cast<std::uint64_t>(event.kind),
                                    static_cast<std::uint64_t>(event.tab),
                                    event.generation,
                                    event.count,
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
      for (std::size_t id = 0; id < tabs_.size(); ++id) settle_heartbeat(static_cast<int>(id));
      return;
    }
    const Step& step = steps_[steps_done_++];
    const bool open = step.tab >= 0 && step.tab < static_cast<int>(tabs_.size());
    switch (step.op) {
      case Step::Op::open:
        open_new_tab(step.browser, step.reconnection_page);
        break;
      case Step::Op::increment:
        if (open) user_action(step.tab, "increment");
        break;
      case Step::Op::save_notes:
        if (open) user_action(step.tab, "saveNotes", "notes", step.text);
        break;
      case Step::Op::join:
        if (open) user_action(step.tab, "join", "username", step.text);
        break;
      case Step::Op::send:
        if (open) user_action(step.tab, "send", "text", step.text);
        break;
      case Step::Op::close:
        if (open && tabs_[step.tab].connected()) {
          ++coverage_["drop"];
          close_by_server(step.tab);
        }
        break;
      case Step::Op::reconnect:  // a back/forward cache restore
        if (open) reconnect(step.tab, "reconnect");
        break;
      case Step::Op::zombie:
        if (open && tabs_[step.tab].connected()) {
          ++coverage_["zombie"];
          go_half_open(step.tab);
        }
        break;
      case Step::Op::stall:
        ++coverage_["stall"];
        stalled_until_us_ = std::max(stalled_until_us_, now_us_ + step.duration_us);
        break;
      case Step::Op::restart:
        restart();
        break;
      case Step::Op::http:
        if (open) http_post(step.tab, "send", "text", step.text, step.name);
        break;
      case Step::Op::hide:
        if (open) {
          ++coverage_["hide"];
          SimTab& tab = tabs_[step.tab];
          tab.hidden_until_us = std::max(tab.hidden_until_us, now_us_ + step.duration_us);
          tab.hidden_with_socket_open = tab.believes_open() && !tab.http_only;
          schedule(now_us_ + step.duration_us, EventKind::visible, step.tab, 0, step.duration_us);
        }
        break;
      case Step::Op::reload:
        if (open) {
          ++coverage_["reload"];
          load_page(step.tab);
        }
        break;
      case Step::Op::slow:
        if (open) {
          ++coverage_["slow-reader"];
          tabs_[step.tab].read_us = step.duration_us;
        }
        break;
    }
    schedule(now_us_ + step.think_us, EventKind::workload);
  }

  std::string_view path_of(const SimTab& tab) const {
    return tab.page == model::Page::reconnection ? reconnection_path : page_path;
  }

  void open_new_tab(int browser, bool reconnection_page) {
    if (static_cast<int>(tabs_.size()) >= config_.tabs_max) return;
    tabs_.emplace_back();
    tabs_.back().browser = browser % config_.browsers;
    tabs_.back().page = reconnection_page ? model::Page::reconnection : model::Page::broadcasting;
    tabs_.back().network = Rng(config_.seed, "network/tab" + std::to_string(tabs_.size() - 1));
    ++coverage_["open"];
    load_page(static_cast<int>(tabs_.size()) - 1);
  }

  // --- a tab's page and socket -------------------------------------------------------------
  // A page load: the GET (Mount renders the page), then the client probes and connects. Until
  // the first tree arrives the page's forms are disabled.
  void load_page(int id) {
    SimTab& tab = tabs_[id];
    if (tab.connected()) drop(id);  // unloading the page closes its socket
    tab.socket = SimTab::Socket::closed;
    tab.loading = true;
    tab.page_ready = false;
    stop_heartbeat(id);  // the new page arms its own on its first connect
    tab.http_only = false;
    ++tab.page_loads;
    ++tab.generation;
    schedule(now_us_ + latency(id), EventKind::page_load, id, tab.generation);
  }

  void on_page_load(const Event& event) {
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
  void begin_connect(int id) {
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
    tab.pongs = 0;
    tab.dispatch_scheduled = false;
    tab.to_server_free_us = tab.to_client_free_us = now_us_;  // new streams
    schedule(now_us_ + latency(id), EventKind::probe, id, tab.generation);
  }

  bool connecting(const Event& event) const {
    const SimTab& tab = tabs_[event.tab];
    return tab.socket == SimTab::Socket::connecting && tab.generation == event.generation;
  }

  void on_probe(const Event& event) {
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

  void on_socket_open(const Event& event) {
    if (deferred(event)) return;
    if (!connecting(event)) return;
    SimTab& tab = tabs_[event.tab];
    ConnectResult opened =
        engine_->connect({std::string(path_of(tab)), "sim", "", cookies_[tab.browser]});
    assert(opened.connection);
    tab.connection = opened.connection;
    tab.socket = SimTab::Socket::open;
    tab.last_heard_us = now_us_;
    tab_of_[tab.connection.get()] = event.tab;
    start_heartbeat(event.tab);
    settle_heartbeat(event.tab);
    model_.open(event.tab, tab.browser, tab.page);
    ++result_.tab_events;
    check_tab_state(event.tab,
                    tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent");
    deliver_to_client(event.tab, std::move(opened.first_frame));
  }

  // The socket closes and both ends learn of it. The client sends its actions over HTTP until it
  // reconnects (backoff is off: at its next heartbeat tick, on becoming visible, on a cache
  // restore).
  void drop(int id) {
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
  void close_by_server(int id) {
    drop(id);
    start_heartbeat(id);
    socket_closed_by_server_ = true;
  }

  void reconnect(int id, const char* why) {
    SimTab& tab = tabs_[id];
    // A loading page connects by itself; a client left on HTTP does not reconnect.
    if (tab.loading || tab.http_only) return;
    ++coverage_[why];
    if (tab.connected()) drop(id);  // a half-open socket's server end is already an orphan
    begin_connect(id);
  }

  // The client times a hidden tab only when its socket was open as it hid; 3 s or more hidden,
  // it reconnects half a second after becoming visible, unless it is reconnecting already.
  void on_visible(const Event& event) {
    SimTab& tab = tabs_[event.tab];
    if (!tab.hidden_with_socket_open) return;
    tab.hidden_with_socket_open = false;
    if (event.count < SimConfig::hidden_reconnect_us) {
      ++coverage_["visible-short"];
      return;
    }
    schedule(now_us_ + SimConfig::visibility_reconnect_delay_us, EventKind::visibility_reconnect,
             event.tab, tab.page_loads);
  }

  void on_visibility_reconnect(const Event& event) {
    const SimTab& tab = tabs_[event.tab];
    if (tab.page_loads != event.generation || tab.socket == SimTab::Socket::connecting) return;
    reconnect(event.tab, "visible-reconnect");
  }

  void restart() {
    ++coverage_["restart"];
    socket_closed_by_server_ = true;
    for (auto& tab : tabs_) {
      if (tab.socket == SimTab::Socket::connecting) tab.http_only = true;  // the attempt failed
      if (!tab.loading) ++tab.generation;  // pending events die; a page GET waits for the new
      tab.socket = SimTab::Socket::closed;
      tab.connection.reset();
      tab.replies_awaited = 0;
    }
    orphans_.clear();
    tab_of_.clear();
    model_.restart();
    item_bytes_.clear();
    start_engine();  // the in-memory log and sessions are gone
  }

  // --- what the user does ------------------------------------------------------------------
  // A form submit: on the socket when it is open (the form stays busy until the reply), over
  // HTTP while the socket connects or after it closed; nothing while the page loads.
  void user_action(int id, std::string_view action, std::string_view field = {},
                   std::string_view value = {}) {
    SimTab& tab = tabs_[id];
    if (!tab.page_ready) {
      ++coverage_["loading-skip"];
      return;
    }
    if (tab.socket == SimTab::Socket::connecting && now_us_ < tab.transport_from_us) {
      ++coverage_["no-transport-skip"];  // the client logs "No transport available"
      return;
    }
    if (!tab.believes_open()) return http_post(id, action, field, value, "");
    if (tab.replies_awaited > 0) {
      ++coverage_["busy-skip"];  // a busy form cannot be submitted
      return;
    }
    ++coverage_[action];
    ++tab.replies_awaited;
    socket_send(id, action, field, value);
  }

  // The client writes a frame on its socket; it reaches the server after the latency.
  void socket_send(int id, std::string_view action, std::string_view field = {},
                   std::string_view value = {}) {
    SimTab& tab = tabs_[id];
    tab.to_server_free_us = std::max(now_us_ + latency(id), tab.to_server_free_us);
    schedule(action_event(EventKind::to_server, id, action, field, value));
  }

  Event action_event(EventKind kind, int id, std::string_view action, std::string_view field,
                     std::string_view value) {
    Event event;
    event.kind = kind;
    event.tab = id;
    event.generation = tabs_[id].generation;
    event.time_us = tabs_[id].to_server_free_us;
    event.payload = action_message(action, field, value);
    event.action = action;
    event.value = value;
    return event;
  }

  // The client's HTTP fallback: a JSON POST to the page URL; `name` is the name the URL carries
  // (a tab that joined over its socket has none there).
  void http_post(int id, std::string_view action, std::string_view field, std::string_view value,
                 const std::string& name) {
    ++coverage_[name.empty() ? "http-fallback" : "http"];
    Event event = action_event(EventKind::http_post, id, action, field, value);
    // The page's client posts only while its socket is not open, and applies the reply; a post
    // beside an open socket stands for one made outside the page.
    event.count = tabs_[id].believes_open() ? 0 : tabs_[id].page_loads;
    event.time_us = std::max(now_us_ + latency(id), tabs_[id].to_server_free_us);
    event.name = name;
    schedule(std::move(event));
  }

  // --- the client's heartbeat --------------------------------------------------------------
  // An interval per page, armed on its first connect, ticking every 20 s across reconnects. A
  // tick does nothing while the tab is hidden or reconnecting; it reconnects a socket that is
  // not open (closed by the server: a drop, a slow-reader cut, a restart), and otherwise pings,
  // reconnecting when no pong came within 10 s. Once the workload ended, it runs only on a tab
  // whose socket is not healthy and can heal (its ticks would only ping), so that the run
  // quiesces.
  void start_heartbeat(int id) {
    SimTab& tab = tabs_[id];
    if (tab.heartbeat_on) return;
    tab.heartbeat_on = true;
    ++tab.heartbeat_epoch;
    schedule(now_us_ + SimConfig::heartbeat_us, EventKind::ping, id, tab.heartbeat_epoch);
  }

  void stop_heartbeat(int id) {
    tabs_[id].heartbeat_on = false;
    ++tabs_[id].heartbeat_epoch;  // its pending tick is cancelled
  }

  void settle_heartbeat(int id) {
    const SimTab& tab = tabs_[id];
    if (steps_done_ >= steps_.size() && ((tab.connected() && !tab.pong_awaited) || tab.http_only)) {
      stop_heartbeat(id);
    }
  }

  void on_ping(const Event& event) {
    SimTab& tab = tabs_[event.tab];
    schedule(now_us_ + SimConfig::heartbeat_us, EventKind::ping, event.tab, tab.heartbeat_epoch);
    if (now_us_ < tab.hidden_until_us || tab.loading) return;
    if (tab.socket == SimTab::Socket::connecting || tab.pong_awaited) return;
    if (tab.socket == SimTab::Socket::closed) return reconnect(event.tab, "heartbeat-reconnect");
    tab.pong_awaited = true;
    socket_send(event.tab, "__ping__");
    schedule(now_us_ + SimConfig::pong_deadline_us, EventKind::pong_deadline, event.tab,
             tab.generation, tab.pongs);
  }

  // Reached only without a pong: the client clears the deadline when the pong comes.
  void on_pong_deadline(const Event& event) {
    tabs_[event.tab].pong_awaited = false;
    // The client tears its page state down and reconnects. On a half-open socket the server
    // hears nothing of it: the old connection lives on as an orphan.
    reconnect(event.tab, "heartbeat-reconnect");
  }

  // A timer that was cleared never fires: it neither runs nor moves the clock.
  bool cancelled(const Event& event) const {
    switch (event.kind) {
      case EventKind::ping: {
        const SimTab& tab = tabs_[event.tab];
        return tab.heartbeat_epoch != event.generation;  // stopping bumps the epoch too
      }
      case EventKind::pong_deadline: {
        const SimTab& tab = tabs_[event.tab];
        return !tab.believes_open() || tab.generation != event.generation ||
               tab.pongs > event.count;
      }
      case EventKind::reap:
        return !orphans_.contains(event.tab);  // cut off before, or gone in a restart
      default:
        return false;
    }
  }

  // --- half-open sockets on the server ----------------------------------------------------
  static constexpr int orphan_id_base = 1 << 24;  // above any tab id
  bool is_orphan(int id) const { return id >= orphan_id_base; }

  // The tab's socket goes half-open. The server cannot tell: its end becomes an orphan, whose
  // frames fill the dead socket, while the client waits for its heartbeat to notice.
  void go_half_open(int id) {
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

  void on_reap(const Event& event) {
    ++coverage_["orphan-reaped"];
    close_orphan(event.tab);
  }

  void close_orphan(int id) {
    const auto found = orphans_.find(id);
    engine_->disconnect(*found->second.connection);
    tab_of_.erase(found->second.connection.get());
    orphans_.erase(found);
    model_.close(id);
  }

  // Broadcasts still run on an orphan; its frames go nowhere and fill its outbound queue.
  void on_orphan_dispatch(const Event& event) {
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

  // --- the server side --------------------------------------------------------------------
  bool current(const Event& event) const {
    const SimTab& tab = tabs_[event.tab];
    return tab.connected() && tab.generation == event.generation;
  }

  // A stalled server holds every request until the stall ends, in arrival order.
  bool deferred(const Event& event) {
    if (now_us_ >= stalled_until_us_) return false;
    Event later = event;
    later.time_us = stalled_until_us_;
    schedule(std::move(later));
    return true;
  }

  void on_to_server(const Event& event) {
    if (deferred(event)) return;
    if (!current(event)) return;  // the socket is gone: the frame is lost with it
    SimTab& tab = tabs_[event.tab];
    ++result_.tab_events;
    tab.last_heard_us = now_us_;
    Effects effects = engine_->receive(*tab.connection, event.payload);
    const std::string_view action = event.action;
    if (action == "join") model_.join(event.tab, event.value);
    if (action == "send") model_.send(event.tab, event.value);
    if (action == "increment") model_.increment(event.tab);
    if (action == "saveNotes") model_.save_notes(event.tab, event.value);
    check_tab_state(event.tab, tab.page == model::Page::reconnection ? "persist-restored"
                                                                     : "username-per-connection");
    check_queues(event.tab, tab.browser, effects.wake);
    for (std::string& frame : effects.frames) {
      if (!tab.connected()) break;  // cut off as a slow reader
      deliver_to_client(event.tab, std::move(frame));
    }
    wake(effects.wake);
  }

  void on_http_post(const Event& event) {
    if (deferred(event)) return;
    ++result_.tab_events;
    const SimTab& tab = tabs_[event.tab];
    std::string target(path_of(tab));
    if (!event.name.empty()) target += "?username=" + url::encode_component(event.name);
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
    }
    check_queues(-1, tab.browser, response.wake);
    wake(response.wake);
    if (event.count != 0 && response.status == 200) {
      Event reply;
      reply.time_us = now_us_ + latency(event.tab);
      reply.kind = EventKind::http_reply;
      reply.tab = event.tab;
      reply.generation = event.count;
      reply.payload = std::move(response.body);
      schedule(std::move(reply));
    }
  }

  // The client applies the reply's tree to what it holds, whatever came on the socket since.
  // Only a page held over an open socket is ever checked: any other is replaced whole by the
  // next socket's first tree before a check sees it, so only that one is rebuilt here.
  void on_http_reply(const Event& event) {
    SimTab& tab = tabs_[event.tab];
    if (tab.loading || tab.page_loads != event.generation) return;  // its page is gone
    ++coverage_["http-reply"];
    if (!tab.connected() || !tab.socket_tree_held) return;
    const Json* tree = parsed(event.payload).find("tree");
    assert(tree && tree->find("s"));  // a full tree: the engine's answer to a JSON action
    tab.held.apply(*tree);
    tab.view_diverged = true;
  }

  void wake(const std::vector<std::shared_ptr<Connection>>& connections) {
    for (const auto& connection : connections) {
      const auto found = tab_of_.find(connection.get());
      if (found == tab_of_.end()) continue;
      const int id = found->second;
      bool& scheduled =
          is_orphan(id) ? orphans_.at(id).dispatch_scheduled : tabs_[id].dispatch_scheduled;
      if (scheduled) continue;
      scheduled = true;
      schedule(now_us_ + network_of(id).below(config_.dispatch_delay_us_max + 1),
               EventKind::dispatch, id, is_orphan(id) ? 0 : tabs_[id].generation);
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
  void count_slow_reader_cut() {
    ++coverage_["slow-reader-cut"];
    ++engine_->metrics().errors_slow_reader;
  }

  // Into the connection's outbound queue; a client that does not keep up is cut off.
  void deliver_to_client(int id, std::string frame) {
    SimTab& tab = tabs_[id];
    const Connection& connection = *tab.connection;
    const RenderHash render = server_render_.of(engine_->sent_tree(connection));
    if (!tab.outbound.queue.push(std::move(frame))) {
      count_slow_reader_cut();
      return close_by_server(id);
    }
    tab.outbound.renders.push_back(render);
    write_frames(id);
  }

  // The server writes while the network takes more; each frame reaches the client after the
  // latency, in order, no sooner than the client can read it.
  void write_frames(int id) {
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
      frame.expected_render = out.renders.front();
      schedule(std::move(frame));
      out.renders.pop_front();
    }
  }

  // --- the client side --------------------------------------------------------------------
  void on_to_client(const Event& event) {
    if (!current(event)) return;
    SimTab& tab = tabs_[event.tab];
    --tab.outbound.in_network;
    ++result_.tab_events;
    const Json& message = parsed(event.payload);
    if (message.find("pong")) {
      ++tab.pongs;
      tab.pong_awaited = false;
      settle_heartbeat(event.tab);
    }
    if (const Json* meta = message.find("meta"); meta && meta->find("action")) {
      if (tab.replies_awaited > 0) --tab.replies_awaited;  // the form is reset
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
        fail("wire-correct", "tab " + std::to_string(event.tab) +
                                 " rebuilt HTML that differs from the server's render");
      }
    }
    write_frames(event.tab);
  }

  // A fan-out sends the same bytes to many tabs: parse them once (bounded memo).
  const Json& parsed(const std::string& payload) {
    if (const auto found = parsed_frames_.find(payload); found != parsed_frames_.end()) {
      return found->second;
    }
    if (parsed_frames_.size() >= parsed_frames_max) parsed_frames_.clear();
    return parsed_frames_.emplace(payload, parse_json(payload, &items_)).first->second;
  }

  // --- checks -----------------------------------------------------------------------------
  void fail(std::string_view invariant, std::string detail) {
    if (result_.failures.size() < 20)
      result_.failures.push_back({std::string(invariant), std::move(detail), result_.events});
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
    ++checks_["diff-proportional"];
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
  void check_tab_state(int id, std::string_view invariant) {
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
      if (sender_browser >= 0) ++checks_["group-isolation"];
      return;
    }
    const std::size_t failures_before = result_.failures.size();
    for (std::size_t id = 0; id < tabs_.size(); ++id) {
      check_queue_of(static_cast<int>(id), sender, sender_browser);
    }
    for (const auto& [id, orphan] : orphans_) check_queue_of(id, sender, sender_browser);
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
  void check_persisted(int id, std::string_view invariant) {
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
  void check_page_html(int id, const HttpResponse& page) {
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
  void check_probe(int id, const HttpResponse& answer) {
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
  void check_by_hash(int id) {
    ++checks_["wire-correct"];
    if (!shows_server_render(id)) {
      fail("wire-correct", "tab " + std::to_string(id) + " does not show the server's render");
    }
    check_server_converged(id);
  }

  bool shows_server_render(int id) {
    const Connection& connection = *tabs_[id].connection;
    return tabs_[id].held.html_hash() ==
           server_render_.of(connection.page().render(engine_->page_state(connection)));
  }

  // At quiescence, the server's state of a tab against the model, whatever the tab shows.
  void check_server_converged(int id) {
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
  void check_quiescence() {
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
             "tab " + std::to_string(id) + "'s form stayed busy: an action it sent got no reply");
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
        fail("convergence", "tab " + std::to_string(id) + " shows " + std::to_string(shown) +
                                " of " + std::to_string(model_.log().size()) +
                                " messages after quiescence");
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

  const SimConfig config_;
  const std::vector<Step>& steps_;
  model::Model model_;
  Rng engine_random_;
  std::vector<std::string> cookies_;
  std::unique_ptr<Engine> engine_;
  model::Counts counts_at_start_;
  std::vector<SimTab> tabs_;
  std::unordered_map<const Connection*, int> tab_of_;  // tabs (and orphans) by connection
  std::map<int, Orphan> orphans_;
  int next_orphan_ = 0;
  EventQueue<Event> queue_;
  std::uint64_t now_us_ = 0;
  std::size_t steps_done_ = 0;
  std::uint64_t workload_done_us_ = 0;
  bool socket_closed_by_server_ = false;
  std::uint64_t stalled_until_us_ = 0;
  ServerRenderHasher server_render_;
  std::vector<std::size_t> item_bytes_;  // see item_bytes()
  static constexpr std::size_t parsed_frames_max = 64;
  static constexpr std::size_t quiescence_pages_max = 64;
  std::unordered_map<std::string, Json> parsed_frames_;
  JsonInterner items_;  // range items, parsed once for every frame and tab
  RunResult result_;
  Tally checks_{invariant_names};
  Tally coverage_{coverage_names};
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
  // Drawn after the older choices, so those stay what they were for every seed.
  c.weight_hide = weight(1);
  c.weight_reload = weight(1);
  c.weight_slow = swarm.chance(0.3) ? 1 : 0;
  c.latency_long_tail = swarm.chance(0.5);
  if (c.weight_slow) {  // slow readers against a small outbound queue: some are cut off
    c.read_us_max = swarm.between(50'000, 500'000);
    c.outbound_frames_max = swarm.between(1, 8);
    c.network_frames_max = swarm.between(1, 2);
  }
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
      << " zombie_weight=" << weight_zombie << " hide_weight=" << weight_hide
      << " reload_weight=" << weight_reload << " slow_weight=" << weight_slow
      << " read_us_max=" << read_us_max << " outbound_frames_max=" << outbound_frames_max
      << " network_frames_max=" << network_frames_max
      << " reconnection_tabs=" << reconnection_tabs_percent << "% latency_us=" << latency_us_min
      << ".." << latency_us_max << (latency_long_tail ? " (long-tailed)" : " (uniform)")
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
  const int weights[] = {c.weight_open,      c.weight_join,    c.weight_send,   c.weight_close,
                         c.weight_reconnect, c.weight_restart, c.weight_http,   c.weight_persist,
                         c.weight_persist,   c.weight_stall,   c.weight_zombie, c.weight_hide,
                         c.weight_reload,    c.weight_slow};
  static_assert(std::size(weights) == static_cast<std::size_t>(Step::Op::slow) + 1);
  int total = 0;
  for (int w : weights) total += w;
  int opened = 0;
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
      opened = std::min(opened + 1, c.tabs_max);
    } else {
      step.tab = static_cast<int>(workload.below(static_cast<std::uint64_t>(std::max(opened, 1))));
      if (step.op == Step::Op::join) step.text = pick_name(workload);
      if (step.op == Step::Op::send || step.op == Step::Op::http ||
          step.op == Step::Op::save_notes) {
        step.text = pick_text(workload);
      }
      if (step.op == Step::Op::http) step.name = pick_name(workload);
    }
    if (step.op == Step::Op::stall) step.duration_us = workload.between(1, c.stall_us_max);
    if (step.op == Step::Op::hide) step.duration_us = workload.below(SimConfig::hidden_us_max + 1);
    if (step.op == Step::Op::slow) step.duration_us = workload.between(1, c.read_us_max);
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
