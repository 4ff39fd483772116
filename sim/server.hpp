// The simulated server: one engine from server/engine with the demo apps registered, the
// browsers' cookies, and a `ServerEnd` per open socket (a tab's, or an orphan's once the tab's
// socket went half-open). It handles the requests and frames that reach it, runs broadcasts on
// each connection after a dispatch delay, and carries the faults of a server: stalls, restarts,
// half-open sockets reaped at their idle timeout, slow readers cut.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "context.hpp"
#include "demo_apps.hpp"
#include "engine.hpp"
#include "server_end.hpp"
#include "server_render_hash.hpp"

namespace lvt::sim::detail {

class Checker;
class Clients;

class Server {
 public:
  Server(Context& context, Checker& checker, Clients& clients);

  // --- faults the workload injects -------------------------------------------------------------
  void stall(std::uint64_t duration_us);
  std::uint64_t stalled_until_us() const { return stalled_until_us_; }
  void restart();              // the in-memory log and sessions are gone
  void close_socket(int tab);  // the server (or the network) closes the tab's socket
  void go_half_open(int tab);  // the tab's socket loses every frame; its end becomes an orphan

  // --- what the tab's client does to its socket, learnt at once -------------------------------
  void disconnect(int tab);
  void frame_read(int tab);  // the client read a frame: the network has room for more

  // --- requests and frames that reach the server -----------------------------------------------
  void on(const event::PageGet& event);
  void on(const event::Probe& event);
  void on(const event::SocketOpen& event);
  void on(const event::FrameToServer& event);
  void on(const event::HttpPost& event);
  void on(const event::FormPost& event);
  void on(const event::JsonGet& event);
  void on(const event::ForeignUpgrade& event);
  void on(const event::CookieRequest& event);
  void on(const event::Dispatch& event);
  void on(const event::Reap& event);
  bool cancelled(const event::Reap& event) const { return !ends_.contains(event.end); }

  // --- what the checks read --------------------------------------------------------------------
  const Engine& engine() const { return *engine_; }
  // The random bytes the engine drew last (for a new session id, as protocol.md has it).
  const std::vector<unsigned char>& random_drawn_last() const { return random_drawn_last_; }
  Engine& engine() { return *engine_; }
  const DemoApps& apps() const { return apps_; }
  const std::map<int, ServerEnd>& ends() const { return ends_; }
  // The tab's end while its socket is open on both ends, else nullptr.
  const ServerEnd* end_of(int tab) const {
    const auto found = ends_.find(tab);
    return found == ends_.end() ? nullptr : &found->second;
  }
  int id_of(const Connection& connection) const {  // a tab's or orphan's id, or -1
    const auto found = id_of_.find(&connection);
    return found == id_of_.end() ? -1 : found->second;
  }
  static bool is_orphan(int id) { return id >= orphan_id_base; }
  // What the engine was sent since it started, as the server's metrics must count it.
  struct Requests {
    std::uint64_t upgrades = 0;               // accepted ones
    std::uint64_t foreign_upgrades = 0;       // refused for their Origin
    std::uint64_t pageless_upgrades = 0;      // refused: no page at their path
    std::uint64_t foreign_posts = 0;          // refused: another site's form
    std::uint64_t foreign_hosts = 0;          // refused: another host name
    std::uint64_t foreign_host_upgrades = 0;  // upgrades refused for another host name
    std::uint64_t frames = 0;
    std::uint64_t frames_too_big = 0;   // refused with 1009
    std::uint64_t frames_not_utf8 = 0;  // refused with 1007
    std::uint64_t http = 0;
  };
  const Requests& requests() const { return requests_; }
  // The engine's log lines since it started that explain a refusal, by what they name: a
  // payload refused unread ("...: invalid_json"), an unknown action, another site's origin,
  // another host name.
  struct Logged {
    std::uint64_t unreadable = 0, unknown_actions = 0, foreign_origins = 0, foreign_hosts = 0;
    // Debug lines: written when the engine was told not to, connections opened, actions found
    // unknown, dispatches, and the count of broadcasts the last dispatch left waiting.
    std::uint64_t debug_unasked = 0, debug_opened = 0, debug_unknown = 0, debug_dispatches = 0;
    std::uint64_t debug_waiting_last = 0;
  };
  const Logged& logged() const { return logged_; }
  // A GET of one of the server's own pages, as a visitor's browser or a scraper sends it.
  HttpResponse get(std::string target) {
    return http({"GET", std::move(target), site_host_, "", "", "", ""});
  }
  RenderHash render_hash(int tab);  // the server's render of the tab's page now

 private:
  static constexpr int orphan_id_base = 1 << 24;  // above any tab id

  void start_engine();
  HttpResponse http(const HttpRequest& request);  // counted, as the engine's metrics count it
  const std::string& cookie_of(int tab) const;
  model::Page page_of(int tab) const;
  std::string target_with_name(int tab, const std::string& name, bool escape_broken) const;
  bool current(int tab, std::uint64_t generation) const {
    const ServerEnd* end = end_of(tab);
    return end != nullptr && end->generation == generation;
  }
  Rng& network_of(int id);
  void send_frame(int id, Frame frame, std::optional<PredictedAnswer> answer = {});
  void cut(int id);
  void close_end(int tab, std::uint16_t code);  // the engine's close, through the write path
  void close_orphan(int id);
  void wake(const std::vector<std::shared_ptr<Connection>>& connections);
  ConnectResult side_upgrade(const ConnectRequest& request, std::uint64_t& refused);

  Context& context_;
  Checker& checker_;
  Clients& clients_;
  // The Host the simulated browsers name, and their pages' origin: the server as a browser on
  // this machine reaches it, by IPv4 or IPv6 loopback address and port (through the server's
  // Host checks: digits, dots, brackets, a port).
  const std::string site_host_, site_origin_;
  Rng engine_random_;
  std::vector<unsigned char> random_drawn_last_;  // what the engine last drew from engine_random_
  std::unique_ptr<Engine> engine_;
  DemoApps apps_;  // the pages registered with the engine
  ServerRenderHasher server_render_;
  std::map<int, ServerEnd> ends_;                     // by tab or orphan id
  std::unordered_map<const Connection*, int> id_of_;  // the same, by connection
  int next_orphan_ = 0;
  std::uint64_t stalled_until_us_ = 0;
  Requests requests_;
  Logged logged_;
};

}  // namespace lvt::sim::detail
