// The simulated browsers' tabs, each doing what the real client does: its page load, HEAD probe
// and socket, its user's actions (over the socket, over HTTP, as a form without JavaScript), its
// heartbeat and visibility, and the frames and replies it applies. Requests reach the server as
// events; what the tab then holds is handed to the checker.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "context.hpp"
#include "json_value.hpp"
#include "server_end.hpp"
#include "tab_client.hpp"

namespace lvt::sim::detail {

class Checker;
class Server;

// A form field as the user filled it in: its name and the text typed.
struct FormField {
  std::string_view name, value;
};

inline constexpr std::string_view broadcasting_path = "/realtime/broadcasting";
inline constexpr std::string_view reconnection_path = "/realtime/reconnection";
inline constexpr std::string_view tasks_path = "/realtime/tasks";

// The longest action name a server takes (protocol.md), and two names that stand for one that
// long and one a byte longer in ActionTaken (whose name is a view of a string that lives on).
inline constexpr std::size_t action_name_bytes_max = 128;
inline const std::string long_action_name(action_name_bytes_max, 'a');
inline const std::string long_action_name_over(action_name_bytes_max + 1, 'a');

// The largest frame the simulated server reads (the server's default); one byte more is closed
// with 1009, as is a frame that is not UTF-8 with 1007 (RFC 6455 7.4.1).
inline constexpr std::size_t frame_bytes_max = 64 * 1024;
inline constexpr std::uint16_t close_too_big = 1009, close_not_utf8 = 1007;

// The deepest JSON a server reads (README.md, Serve: 16 levels); one level more is invalid_json.
inline constexpr std::size_t json_depth_max = 16;

inline std::string_view path_of(model::Page page) {
  return page == model::Page::reconnection ? reconnection_path
         : page == model::Page::tasks      ? tasks_path
                                           : broadcasting_path;
}

class Clients {
 public:
  Clients(Context& context, Checker& checker);
  void connect_to(Server& server) { server_ = &server; }

  std::vector<TabClient>& tabs() { return tabs_; }
  const std::vector<TabClient>& tabs() const { return tabs_; }
  bool exists(int id) const { return id >= 0 && id < static_cast<int>(tabs_.size()); }

  // --- what the workload makes a tab's user do ---------------------------------------------------
  void open_tab(int browser, model::Page page);
  void reload(int id);
  void reconnect(int id, const char* why);
  void hide(int id, std::uint64_t duration_us);
  void read_slowly(int id, std::uint64_t read_us) { tabs_[id].read_us = read_us; }
  void user_action(int id, std::string_view action, const std::vector<FormField>& fields = {});
  void http_post(int id, std::string_view action, const std::vector<FormField>& fields,
                 const std::string& name);
  void form_post(int id, const std::string& text, const std::string& name, int button_style);
  void json_get(int id, const std::string& name);
  void navigate(int id, const std::string& name);
  void raw_send(int id, const std::string& text);
  void unreadable_frame(int id, std::uint16_t close_code);
  void odd_frame(int id, const std::string& text, std::size_t kind);
  void foreign_upgrade(int id);
  void cookie_request(int id, int kind, const std::string& text, const std::string& name);
  // The Cookie header the tab's browser sends: its session cookie, from the seed.
  const std::string& cookie_of(int id) const { return cookies_[tabs_[id].browser]; }
  void settle_heartbeat(int id);  // once the workload ended: only ticks that can heal run

  // --- what the server tells a tab at once (both ends of a socket learn together) ----------------
  // Whether the server still serves the tab's page GET or connect attempt of `generation`.
  bool awaits_page(int id, std::uint64_t generation) const;
  bool connecting(int id, std::uint64_t generation) const;
  void page_served(int id);     // the page's HTML is in: the client probes and connects
  void probe_answered(int id);  // the answer is on its way back; the upgrade follows
  void socket_opened(int id);
  void socket_closed(int id);  // the server closed it, or the client did
  void socket_half_open(int id);
  void server_restarted();
  // A frame the server wrote, to be read after the latency, in order, as fast as the tab reads.
  void deliver(int id, ServerEnd::Written&& written);
  void deliver(int id, std::vector<ServerEnd::Written>&& written) {  // in order
    for (ServerEnd::Written& frame : written) deliver(id, std::move(frame));
  }

  // --- the tab's events
  // ----------------------------------------------------------------------------
  void on(const event::FrameToClient& event);
  void on(const event::HttpReply& event);
  void on(const event::HeartbeatTick& event);
  void on(const event::PongDeadline& event);
  void on(const event::Visible& event);
  void on(const event::VisibilityReconnect& event);
  // A timer that was cleared never fires: it neither runs nor moves the clock.
  bool cancelled(const event::HeartbeatTick& event) const;
  bool cancelled(const event::PongDeadline& event) const;

  // The frame as the client's JSON.parse reads it, or nullptr (and a failure) when it is not JSON.
  const Json* parsed_frame(int id, const std::string& payload);
  void count_range_ops();

 private:
  void load_page(int id);
  void begin_connect(int id);
  void drop(int id);
  void closed(int id);
  void socket_send(int id, std::string_view action, const std::vector<FormField>& fields = {});
  template <class Event>
  Event action_event(int id, std::string_view action, const std::vector<FormField>& fields);
  event::FormPost form_post_event(int id, const std::string& text, const std::string& name,
                                  int button_style);
  void count_limits(std::string_view field, std::string_view value);
  bool breaks_name_escape(const std::string& name);
  void start_heartbeat(int id);
  void stop_heartbeat(int id);

  Context& context_;
  Checker& checker_;
  Server* server_ = nullptr;
  std::vector<std::string> cookies_;  // each browser's cookie jar: its session cookie
  std::vector<TabClient> tabs_;
  // A fan-out sends the same bytes to many tabs: parse them once (a bounded memo).
  static constexpr std::size_t parsed_frames_max = 64;
  std::unordered_map<std::string, Json> parsed_frames_;
  JsonInterner items_;  // range items, parsed once for every frame and tab
};

}  // namespace lvt::sim::detail
