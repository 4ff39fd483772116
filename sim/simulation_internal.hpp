// The simulator's inside, shared by the files that make up one `Simulation`: simulation.cpp
// (the event loop, the workload, server faults), simulation_tabs.cpp (what a tab and its client
// do), simulation_server.cpp (the server's side of sockets and HTTP) and simulation_checks.cpp
// (the invariants against the model). Not part of lvt_sim's interface.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broadcasting_page.hpp"
#include "demo_apps.hpp"
#include "engine.hpp"
#include "event_queue.hpp"
#include "json_value.hpp"
#include "outbound_queue.hpp"
#include "page_text.hpp"
#include "rate_limit_model.hpp"
#include "rng.hpp"
#include "server_render_hash.hpp"
#include "simulation.hpp"
#include "task_list_page.hpp"
#include "tree_applier.hpp"

namespace lvt::sim::detail {

inline constexpr std::string_view page_path = "/realtime/broadcasting";
inline constexpr std::string_view reconnection_path = "/realtime/reconnection";
inline constexpr std::string_view tasks_path = "/realtime/tasks";

// A form field as the user filled it in: its name and the text typed.
struct FormField {
  std::string_view name, value;
};

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
  reap,                  // the server's idle timeout closes a half-open socket
  form_post,             // a page without JavaScript posts its form
  json_get,              // a JSON GET of the page's tree reaches the server
  foreign_upgrade        // another site's page asks for a WebSocket
};

struct Event {
  std::uint64_t time_us = 0;
  EventKind kind = EventKind::workload;
  int tab = -1;
  std::uint64_t generation = 0;  // the connection attempt the event belongs to
  // visible: how long the tab was hidden; pong_deadline: the pongs it had when the ping left.
  std::uint64_t count = 0;
  // http_post, http_reply, visibility_reconnect: the page (load) of the tab it belongs to; an
  // HTTP post with 0 comes from outside the page, and its reply is not applied.
  std::uint64_t page_load = 0;
  std::string payload;
  std::string name;  // http_post, form_post, json_get: the name in the page URL
  // to_server, http_post: the action the payload carries and its one field's value, as the
  // model takes them (the simulator wrote the payload: no need to parse it back).
  std::string_view action;  // always a literal
  std::string value;
  std::string task_id;         // a task action's id field, as the server reads it
  RenderHash expected_render;  // to_client: the server's render when the frame was made
  // to_client, on the frames the oracle judges: what the model predicted the tab shows once it
  // has applied this frame (the model's view when the frame was made).
  std::optional<model::View> expected_view;
};

// A connection's frames on their way: the server's bounded outbound queue, then the network
// (socket buffers) that holds a few more, then the client, which reads them one by one.
struct Outbound {
  OutboundQueue queue{limits::outbound_frames_default, limits::outbound_bytes_default};
  // The server's render when each queued frame was made, and the model's view where the
  // oracle will judge the frame.
  struct Expected {
    RenderHash render;
    std::optional<model::View> view;
  };
  std::deque<Expected> expected;
  std::size_t in_network = 0;  // written, not yet read
};

struct SimTab {
  // half_open: the client believes its socket open, but every frame either way is lost and
  // neither end is told; the server's end lives on as an orphan. Only the heartbeat notices.
  enum class Socket { closed, connecting, open, half_open };
  int browser = 0;
  model::Page page = model::Page::broadcasting;
  std::uint64_t generation = 0;  // bumped by every page load and connection attempt

  // The page.
  bool loading = false;          // the page GET is on its way
  bool page_ready = false;       // the first tree since the page loaded has arrived
  std::uint64_t page_loads = 0;  // HTTP replies belong to the page that posted
  int replies_awaited = 0;       // actions sent on the socket, not answered yet
  // The client's one busy form (aria-busy): from a submit, whatever its transport, until the next
  // frame or HTTP reply that carries a meta, the page's reset on a reconnect, or a new page. The
  // user waits for it.
  bool form_busy = false;
  TreeApplier held;  // the tree the client holds, hence the HTML it shows
  // An HTTP reply landed after the socket's tree, and the client applied it to what it holds: the
  // server's diffs now merge into a page it does not know of, until the tab shows the server's
  // render again (a full tree, or diffs that happen to rebuild it).
  bool view_diverged = false;

  // The client's socket.
  Socket socket = Socket::closed;
  std::shared_ptr<Connection> connection;  // the server's end, while the socket is open
  bool socket_tree_held = false;           // the socket's first (full) tree has arrived
  // While connecting, the client has a transport (a CONNECTING socket, so actions go over HTTP)
  // only once its HEAD probe is answered; before, an action is lost.
  std::uint64_t transport_from_us = 0;
  // A connect attempt failed: the client uses HTTP until the page reloads (its useHTTP), and
  // neither the heartbeat nor becoming visible reconnects it.
  bool http_only = false;

  // The client's heartbeat and visibility.
  bool heartbeat_on = false;             // the page's heartbeat interval is running
  std::uint64_t heartbeat_epoch = 0;     // bumped when it starts or stops: older ticks are void
  bool pong_awaited = false;             // a ping went out on this socket; its deadline is pending
  std::uint64_t pongs = 0;               // pongs received on this connection
  std::uint64_t hidden_until_us = 0;     // the tab is hidden until then
  bool hidden_with_socket_open = false;  // the client timed its hiding

  // The network between them, and the server's side of the connection.
  Outbound outbound;
  std::uint64_t to_server_free_us = 0;  // per-connection streams stay ordered
  std::uint64_t to_client_free_us = 0;
  Rng network{0, ""};               // this tab's latencies and dispatch delays
  std::uint64_t read_us = 0;        // a slow reader takes this long over each frame
  std::uint64_t last_heard_us = 0;  // when the server last received a frame from the socket
  bool dispatch_scheduled = false;  // a dispatch event is pending for the connection
  std::uint64_t frames_made = 0;    // frames the server made for this tab's current socket

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
  explicit Simulation(const Scenario& scenario);
  RunResult run();

 private:
  // --- simulation.cpp: the event loop, the workload, server faults -------------------------
  RunResult finish();
  void handle(const Event& event);
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
  void schedule(Event&& event) {
    const std::uint64_t time_us = event.time_us;
    queue_.push(time_us, std::move(event));
  }
  bool cancelled(const Event& event) const;
  bool deferred(const Event& event);
  // Each tab (and orphan) draws from its own network stream, so that removing one tab's steps
  // while shrinking leaves every other tab's latencies as they were.
  Rng& network_of(int id) { return is_orphan(id) ? orphans_.at(id).network : tabs_[id].network; }
  std::uint64_t latency(int id);
  void trace(const Event& event);
  void start_engine();
  void on_workload();
  void open_new_tab(int browser, model::Page page);
  void task_step(const Step& step);
  void restart();

  // --- simulation_tabs.cpp: a tab's page, socket, heartbeat and user --------------------------
  std::string_view path_of(const SimTab& tab) const {
    return tab.page == model::Page::reconnection ? reconnection_path
           : tab.page == model::Page::tasks      ? tasks_path
                                                 : page_path;
  }
  void load_page(int id);
  void on_page_load(const Event& event);
  void begin_connect(int id);
  bool connecting(const Event& event) const {
    const SimTab& tab = tabs_[event.tab];
    return tab.socket == SimTab::Socket::connecting && tab.generation == event.generation;
  }
  void on_probe(const Event& event);
  void on_socket_open(const Event& event);
  void drop(int id);
  void close_by_server(int id);
  void reconnect(int id, const char* why);
  void on_visible(const Event& event);
  void on_visibility_reconnect(const Event& event);
  void user_action(int id, std::string_view action, const std::vector<FormField>& fields = {});
  void socket_send(int id, std::string_view action, const std::vector<FormField>& fields = {});
  Event action_event(EventKind kind, int id, std::string_view action,
                     const std::vector<FormField>& fields);
  void http_post(int id, std::string_view action, const std::vector<FormField>& fields,
                 const std::string& name);
  void form_post(int id, const std::string& text, const std::string& name, int button_style);
  void request_at_server(int id, EventKind kind, const std::string& name);
  std::string target_with_name(const SimTab& tab, const std::string& name) const;
  void count_limits(std::string_view field, std::string_view value);
  void start_heartbeat(int id);
  void stop_heartbeat(int id);
  void settle_heartbeat(int id);
  void on_ping(const Event& event);
  void on_pong_deadline(const Event& event);
  void on_http_reply(const Event& event);
  void on_to_client(const Event& event);
  const Json* parsed_frame(int id, const std::string& payload);
  const Json& parsed(const std::string& payload);

  // --- simulation_server.cpp: the server's side of sockets and HTTP --------------------------
  static constexpr int orphan_id_base = 1 << 24;  // above any tab id
  bool is_orphan(int id) const { return id >= orphan_id_base; }
  void go_half_open(int id);
  void on_reap(const Event& event);
  void close_orphan(int id);
  void on_orphan_dispatch(const Event& event);
  bool current(const Event& event) const {
    const SimTab& tab = tabs_[event.tab];
    return tab.connected() && tab.generation == event.generation;
  }
  void on_to_server(const Event& event);
  void on_http_post(const Event& event);
  void on_form_post(const Event& event);
  void on_json_get(const Event& event);
  void on_foreign_upgrade(const Event& event);
  void wake(const std::vector<std::shared_ptr<Connection>>& connections);
  void on_dispatch(const Event& event);
  void count_slow_reader_cut();
  void deliver_to_client(int id, std::string frame);
  void write_frames(int id);

  // --- simulation_checks.cpp: the invariants against the model -------------------------------
  void fail(std::string_view invariant, std::string detail, int tab = -1, std::string expected = {},
            std::string held = {});
  const BroadcastingState& state_of(int id) const {
    return static_cast<const BroadcastingState&>(engine_->page_state(*tabs_[id].connection));
  }
  void check_diff_proportional(const std::string& frame, std::size_t before, std::size_t after);
  std::size_t item_bytes(std::size_t i);
  void check_tab_state(int id, std::string_view invariant);
  void check_queues(int sender, int sender_browser,
                    const std::vector<std::shared_ptr<Connection>>& woken);
  void check_queue_of(int id, int sender, int sender_browser);
  void check_persisted(int id, std::string_view invariant);
  void check_tasks(int id, std::string_view invariant);
  void count_range_ops();
  void check_field_errors(int id);
  bool shows_other_errors(const std::vector<std::string>& held, const model::View& view) const;
  void check_page_html(int id, const HttpResponse& page);
  bool oracle_judges_frame(const SimTab& tab) const;
  void judge_view(int id, const model::View& view, std::string_view html, std::string_view when,
                  std::string_view count_invariant);
  void check_probe(int id, const HttpResponse& answer);
  void check_by_hash(int id);
  bool shows_server_render(int id);
  void check_server_converged(int id);
  void check_quiescence();

  const SimConfig config_;
  const std::vector<Step>& steps_;
  model::Model model_;
  model::RateLimitModel rate_limit_;  // the model's own count of every connection's tokens
  Rng engine_random_;
  std::vector<std::string> cookies_;
  std::unique_ptr<Engine> engine_;
  DemoApps apps_;  // the pages the simulator registered with the engine
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
  // The oracle reads a tab's whole page: on every socket's first frames, then every this many.
  static constexpr std::uint64_t oracle_frames_every = 8;
  std::unordered_map<std::string, Json> parsed_frames_;
  JsonInterner items_;  // range items, parsed once for every frame and tab
  RunResult result_;
  Tally checks_{invariant_names};
  Tally coverage_{coverage_names};
};

}  // namespace lvt::sim::detail
