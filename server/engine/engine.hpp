// The server's logic with no I/O, no threads of its own and no wall clock: events in (an HTTP
// request, a WebSocket opened, a frame received, a broadcast due, a close), effects out (frames
// to send, connections with broadcasts to run, a close). Time and randomness are injected, so
// the real server and the deterministic simulator run this same code.
//
// Threading contract: any method may be called from any thread, but calls for one connection
// (receive, dispatch, disconnect) must be serialised, as running each connection on one shard's
// thread does.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fifo.hpp"
#include "frame.hpp"
#include "limits.hpp"
#include "metrics.hpp"
#include "page.hpp"
#include "replica.hpp"
#include "session.hpp"
#include "tree.hpp"

namespace lvt {

enum class GroupMode { cookie, global };
// What a full per-recipient dispatch queue does with one more broadcast: drop it (livetemplate)
// or let a waiting equal refresh absorb it (nothing lost, memory still bounded).
enum class DispatchPolicy { drop, coalesce };

// Several replicas share the log through a store and broadcasts through a bus (replica.hpp).
struct ReplicaConfig {
  bool enabled = false;
  std::string instance_id;  // unique among the replicas: its own broadcasts come back to it
  // After a link to the store or bus comes back, refresh every local connection of a replicated
  // page from the log (off: livetemplate, whose tabs stay stale until their next broadcast).
  bool heal = true;
  // A group's persisted fields live in the store (and in each replica's memory) this long after
  // their last write.
  std::uint64_t session_ttl_s = limits::session_ttl_s_default;
};

struct EngineConfig {
  GroupMode group_mode = GroupMode::cookie;
  DispatchPolicy dispatch_policy = DispatchPolicy::drop;
  std::size_t dispatch_queue_jobs_max = limits::dispatch_queue_jobs_default;
  std::size_t frame_bytes_max = limits::frame_bytes_default;
  std::size_t session_groups_max = limits::session_groups_default;
  double actions_per_second = limits::actions_per_second_default;
  double actions_burst = limits::actions_burst_default;
  std::vector<std::string> allowed_origins;  // besides the page's own origin
  // Host names (no port) a request may name; empty: any. The server always fills it (DNS
  // rebinding), as the simulator does.
  std::vector<std::string> allowed_hosts = {};
  unsigned heartbeat_ms = 0;  // 0: leave the client's default
  bool websocket_enabled = true;
  // A broadcast's update encoded once for the connections that go from one view to the same
  // view (Page::shared_view); off, each connection diffs its own (the same bytes, more work).
  bool share_peer_updates = true;
  ReplicaConfig replica;
};

enum class LogLevel { debug, info, warn };

struct EngineEnv {
  std::function<std::uint64_t()> now_us;
  // Microseconds since the Unix epoch, for what other processes read (a broadcast's
  // timestamp); unset: now_us.
  std::function<std::uint64_t()> wall_us = nullptr;
  std::function<void(unsigned char*, std::size_t)> fill_random;
  std::function<void(LogLevel, std::string_view)> log = [](LogLevel, std::string_view) {};
  // Whether `log` writes lines of this level: the engine builds its debug lines (one per action,
  // fan-out and dispatch) only when they are written.
  std::function<bool(LogLevel)> logs = [](LogLevel) { return false; };
  // With replicas: a group of a replicated page gained its first local connection (true) or lost
  // its last (false). Called under the engine's registry lock, so calls for one group come in
  // the order their counts changed: queue them, never call the engine back.
  std::function<void(const std::string& group, bool subscribe)> bus_subscription =
      [](const std::string&, bool) {};
  // With replicas: a write of a group's persisted fields to the store, which no one waits for
  // (its reply goes to Engine::session_written). Called under the engine's locks: queue it.
  std::function<void(StoreCommand)> store_write = [](StoreCommand) {};
};

using ConnectionId = std::uint64_t;

struct BroadcastJob {
  std::string action;  // canonical name
  std::shared_ptr<const nlohmann::json> data;
  bool refresh = false;
};

enum class Offer { queued, queued_wake, coalesced, dropped, closed };

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  ConnectionId id() const { return id_; }
  const std::string& group() const { return group_; }
  const Page& page() const { return *page_; }
  // Any thread: queue a broadcast for this connection under the engine's policy.
  Offer offer(BroadcastJob job);
  std::size_t dispatch_jobs_waiting() const;
  // Whether the connection's action waits for the shared store: its next frame must wait too.
  bool awaiting_store() const { return awaiting_store_; }

 private:
  friend class Engine;
  Connection(ConnectionId id, std::string group, std::string registry_key, const Page& page,
             nlohmann::json params, const EngineConfig& config, Metrics& metrics);

  const ConnectionId id_;
  const std::string group_;
  const std::string registry_key_;  // page path and group: broadcasts stay on one page
  const Page* const page_;
  const nlohmann::json params_;  // the URL query, for Mount on (re)connect
  const EngineConfig& config_;
  Metrics& metrics_;

  // Touched only by the connection's own serialised calls.
  std::unique_ptr<PageState> state_;
  tree::Node sent_;  // the tree the client holds
  // Whether sent_ is the render of state_ as it is now: an action or a broadcast that sent no
  // frame may have changed the state since, and only a current sent_ may take a shared update.
  bool sent_current_ = false;
  double rate_tokens_;
  std::uint64_t rate_refilled_us_ = 0;
  bool awaiting_store_ = false;

  mutable std::mutex queue_mutex_;
  Fifo<BroadcastJob> queue_;  // guarded by queue_mutex_
  bool closed_ = false;       // guarded by queue_mutex_
};

// What the engine waits for when it needs the shared store: whoever runs the engine sends
// `command` to the store and calls `resume` with the reply (on the connection's strand when the
// wait is a connection's), whose answer replaces the one that carried this wait. A failed or
// lost round trip is a reply with ok false: resume must be called exactly once.
template <class Answer>
struct StoreWait {
  StoreCommand command;
  std::function<Answer(const StoreReply&)> resume;
};

struct Effects {
  std::vector<Frame> frames;                      // to this connection, in order
  std::vector<std::shared_ptr<Connection>> wake;  // run dispatch() on each, on its own strand
  std::optional<std::pair<std::uint16_t, std::string>> close;
  std::shared_ptr<StoreWait<Effects>> store;  // with replicas; read no frame until resumed
};

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // path and query
  std::string host;
  std::string cookie;
  std::string accept;
  std::string content_type;
  std::string body;
  // Empty when absent. A POST naming another site in them is refused; one with neither is not
  // from a browser's cross-site form or fetch (browsers send Origin on every cross-origin POST).
  std::string origin = {};
  std::string referer = {};
};

// On every response of a page path: "enabled" sends the client to its WebSocket.
inline constexpr std::string_view websocket_header = "X-LiveTemplate-WebSocket";

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::shared_ptr<Connection>> wake;   // as in Effects
  std::shared_ptr<StoreWait<HttpResponse>> store;  // as in Effects
};

struct ConnectRequest {
  std::string target;
  std::string host;
  std::string origin;  // empty when the client sent none (not a browser)
  std::string cookie;
};

struct ConnectResult {
  std::shared_ptr<Connection> connection;  // null when refused
  std::string first_frame;                 // the full tree
  unsigned refuse_status = 0;
  std::string refuse_reason;
  // With replicas, a page of the shared log is opened once the cache has read the store.
  std::shared_ptr<StoreWait<ConnectResult>> store;
};

class Engine {
 public:
  Engine(EngineConfig config, EngineEnv env);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The engine knows no app: whoever builds it registers the pages it serves, before serving.
  void add_page(std::unique_ptr<Page> page);
  // The shared log's local copy, which LogAppends go to (replica.hpp), before serving.
  void use_shared_log(std::shared_ptr<SharedLogCache> cache);

  HttpResponse handle_http(const HttpRequest& request);
  ConnectResult connect(const ConnectRequest& request);
  Effects receive(Connection& connection, std::string_view frame);
  Effects dispatch(Connection& connection);  // runs one waiting broadcast, if any
  void disconnect(Connection& connection);

  // With replicas (config().replica): a broadcast heard on the bus, and a link to the store or
  // the bus back after a loss (the bus resubscribed). Both read the store first.
  Effects bus_delivered(const GroupAction& action);
  Effects replica_reconnected();
  // The bus confirmed a subscription to the group's channel. A broadcast published between the
  // read that opened the group's first connection and this moment was missed: with heal on,
  // the group's connections read the store and refresh (the subscribe-then-read catch-up).
  Effects bus_subscribed(const std::string& group);
  // The store's reply to an EngineEnv::store_write.
  void session_written(const StoreReply& reply);

  // What the connection's state renders to now: the HTML the client must hold.
  std::string render_html(const Connection& connection) const;
  // The connection's page state, for checks (the simulator compares it with the model).
  const PageState& page_state(const Connection& connection) const { return *connection.state_; }
  // The tree the connection's last frame brought the client to, for checks.
  const tree::Node& sent_tree(const Connection& connection) const { return connection.sent_; }
  const Page* find_page(std::string_view path) const;
  // What the engine was built with: pages read the group mode to say what a group means.
  const EngineConfig& config() const { return config_; }
  Metrics& metrics() { return metrics_; }
  std::size_t group_connections(std::string_view page_path, std::string_view group) const;
  // Connections in the registry, over every page and group: what leak tests count.
  std::size_t registered_connections() const;
  // Whether a Host header names this server (config().allowed_hosts); an absent one (HTTP/1.0,
  // not a browser) does. The transport asks it for the files it serves itself.
  bool host_allowed(std::string_view host) const;

 private:
  std::string group_for(const std::string& cookie_header, std::string* new_cookie_id);
  bool origin_allowed(const std::string& origin, const std::string& host) const;
  // A state change's Origin, else its Referer's origin, is this page's or an allowed one.
  bool post_from_allowed_site(const HttpRequest& request) const;
  bool take_rate_token(Connection& connection);
  // `from` names the sender in debug lines: "connection N" or "HTTP".
  void fan_out(const std::string& registry_key, const Connection* sender, std::string_view from,
               std::vector<BroadcastRequest>& broadcasts,
               std::vector<std::shared_ptr<Connection>>& wake);
  struct ActionRun {
    ActionOutcome outcome = ActionOutcome::ok;
    std::string meta_json;                     // the answer's meta, encoded
    std::vector<BroadcastRequest> broadcasts;  // to fan out: only after success
    // With replicas, a successful action that appends to the log is finished by the store's
    // reply (finish_stored): its meta, its save and its broadcasts wait until then.
    std::optional<LogAppend> append;
    std::map<std::string, std::string> errors;  // when refused: field -> message
  };
  ActionRun run_action(const Page& page, PageState& state, const std::string& group,
                       std::string_view from, const std::string& action,
                       const nlohmann::json& data);
  void refuse_fields(PageState& state, const std::string& action,
                     const std::map<std::string, std::string>& errors, ActionRun& run);
  void succeed(const Page& page, PageState& state, const std::string& group,
               const std::string& action, ActionRun& run);
  void log_action(const Page& page, const std::string& group, std::string_view from,
                  const std::string& action, const nlohmann::json& data,
                  const ActionRun& run) const;
  void restore_persisted(const Page& page, PageState& state, const std::string& group) const;
  // Restore, Mount, save, as one step: two first Mounts of a group at once must not each make
  // what the group persists (say a new task list), the later save orphaning the other's.
  void mount_for_group(const Page& page, PageState& state, const std::string& group,
                       const nlohmann::json& params);
  void save_persisted(const Page& page, const PageState& state, const std::string& group);
  Frame update_frame(Connection& connection, std::string_view meta_json);
  // A broadcast's update for a connection whose client held the render of its state at
  // `before`: the frame encoded for the first connection of this thread that went from the
  // same view to the same view, else its own (then kept for the next).
  Frame shared_update_frame(Connection& connection, const std::string& refresh,
                            const SharedView& before);
  // Replicas (engine_replica.cpp).
  bool replicated(const Page& page) const {
    return config_.replica.enabled && !page.replicated_refresh().empty();
  }
  // With replicas, a persisting page's fields are written through to the store, and a page load,
  // an HTTP action or a new socket reads them back first.
  bool persisted_in_store(const Page& page) const {
    return config_.replica.enabled && page.persists();
  }
  // The group a cookie names, without making a new one (which has nothing stored).
  std::optional<std::string> existing_group(const std::string& cookie_header) const;
  // read_then, which also reads the group's persisted fields when the page keeps them in the
  // store; they replace this replica's copy before `then` mounts.
  template <class Answer>
  std::shared_ptr<StoreWait<Answer>> read_fields_then(const Page& page,
                                                      const std::string& cookie_header,
                                                      std::function<Answer()> then);
  // Under registry_mutex_: a connection of `page` joined (+1) or left (-1) `group`.
  void count_subscriber(const Page& page, const std::string& group, int change);
  StoreCommand read_command() const;
  void absorb(const StoreReply& reply);
  // A wait that reads what is new into the cache, then answers with `then()`.
  template <class Answer>
  std::shared_ptr<StoreWait<Answer>> read_then(std::function<Answer()> then);
  // The action's store round trip; `answer` makes the reply's answer from the finished run.
  template <class Answer>
  std::shared_ptr<StoreWait<Answer>> wait_for_append(
      const Page& page, std::shared_ptr<PageState> state, std::string group, std::string from,
      std::string action, nlohmann::json data, ActionRun run,
      std::function<Answer(ActionRun&, PageState&)> answer);
  void finish_stored(const Page& page, PageState& state, const std::string& group,
                     std::string_view from, const std::string& action, const nlohmann::json& data,
                     ActionRun& run, const StoreReply& reply);
  // Runs a broadcast from another replica (or a heal's refresh) on this replica's connections.
  void deliver_locally(const GroupAction& action, std::vector<std::shared_ptr<Connection>>& wake);
  // Under bus_mutex_: the read for the deliveries waiting; its resume sends the next, if any.
  std::shared_ptr<StoreWait<Effects>> delivery_read();
  ConnectResult open_connection(const Page* page, const ConnectRequest& request);
  HttpResponse serve_page_now(const Page& page, const HttpRequest& request,
                              const std::string& query);
  void log(LogLevel level, std::string_view message) const { env_.log(level, message); }
  bool logs_debug() const { return env_.logs(LogLevel::debug); }

  // HTTP (engine_http.cpp).
  HttpResponse serve_page(const Page& page, const HttpRequest& request, const std::string& query);
  HttpResponse fields_first(const Page& page, const HttpRequest& request,
                            std::function<HttpResponse()> act);
  HttpResponse serve_action_json(const Page& page, const HttpRequest& request,
                                 const std::string& query);
  HttpResponse serve_action_form(const Page& page, const HttpRequest& request,
                                 const std::string& query);
  std::string document_html(const Page& page, const tree::Node& body) const;

  const EngineConfig config_;
  const EngineEnv env_;
  Metrics metrics_;
  SessionStore sessions_;
  std::vector<std::unique_ptr<Page>> pages_;

  mutable std::mutex registry_mutex_;
  std::mutex mount_mutex_;  // see mount_for_group
  std::unordered_map<std::string, std::vector<std::shared_ptr<Connection>>> registry_;
  ConnectionId next_connection_id_ = 1;  // guarded by registry_mutex_

  std::shared_ptr<SharedLogCache> shared_log_;
  // Replicas: local connections of replicated pages per group (guarded by registry_mutex_),
  // what this replica published, and whose broadcasts it has run.
  std::unordered_map<std::string, std::size_t> subscribers_;
  std::atomic<std::uint64_t> publish_seq_{0};
  std::mutex bus_mutex_;
  DeliveriesSeen deliveries_seen_;  // guarded by bus_mutex_
  // Broadcasts heard that wait for the store read after the one out, one per group and action
  // (guarded by bus_mutex_).
  std::vector<GroupAction> deliveries_next_;
  bool delivery_read_out_ = false;
};

// {"type":"error","code":...}: an answer that leaves the connection open.
std::string error_envelope(std::string_view code);

}  // namespace lvt
