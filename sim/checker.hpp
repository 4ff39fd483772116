// The invariants of design.md, judged against `model/`, the oracle, which shares nothing with
// the engine. The checker is told what happened (an action reached the server, a broadcast
// ran, a socket opened or closed) and keeps the model in step; it judges two things:
//  - what tabs hold (checker.cpp): every page, JSON answer and frame a tab shows, read as text
//    by the model's own code, against the text the model's view must show, and at quiescence;
//  - the engine's state (checker_server_state.cpp): each connection's state and waiting
//    broadcasts against the model after every step, so that a divergence is blamed on the step
//    that made it, before any tab shows it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broadcast_model.hpp"
#include "context.hpp"
#include "engine.hpp"
#include "json_value.hpp"
#include "page_text.hpp"
#include "rate_limit_model.hpp"
#include "tree_applier.hpp"

namespace lvt::sim::detail {

class Clients;
class Server;

class Checker {
 public:
  Checker(Context& context, Clients& clients);
  void connect_to(Server& server) { server_ = &server; }

  // --- what happened, as the model takes it ----------------------------------------------------
  void engine_started() {
    counts_at_start_ = model_.counts();
    rate_refusals_ = unknown_actions_ = invalid_json_ = invalid_message_ = 0;
  }
  void server_restarted();
  void socket_opened(int tab, int browser, model::Page page);
  // A connection the engine closed holds no broadcast any more: what waited is released.
  void closed(int id, const Connection& connection);
  void orphaned(int tab, int orphan) { model_.orphan(tab, orphan); }
  void delivered(int id) { model_.deliver(id); }
  // Returns what the action's answer must say; nothing for a ping.
  std::optional<PredictedAnswer> action_at_socket(int tab, model::Page page,
                                                  const ActionTaken& action);
  // The meta of a frame that answers an action against the model's prediction.
  void check_answer(int tab, const Json& message, const PredictedAnswer& predicted);
  void action_over_http(int browser, model::Page page, const ActionTaken& action,
                        std::string_view name);

  // --- what tabs hold (checker.cpp) -----------------------------------------------------------
  // A page GET by the tab's browser, or by `browser` when another cookie placed it elsewhere.
  void check_page_get(int tab, const HttpResponse& page, int browser = -1);
  // The model's browser for a request of the tab with a cookie of `kind`: the tab's own, or a
  // new one (a group of its own) for a cookie that names no session of the tab's browser.
  int browser_of_cookie(int tab, int kind);
  // A new group's answer sets a cookie; one that names a group (well-formed) sets none.
  void check_set_cookie(int tab, int kind, const HttpResponse& answer);
  void check_probe(int tab, const HttpResponse& answer);
  void check_form_post(int tab, const HttpResponse& response, const std::string& target);
  void check_json_get(int tab, const std::string& name, const HttpResponse& response);
  // The answer to an HTTP action whose body no server may read: 400 and the error's code.
  void check_http_refusal(int tab, std::string_view code, const HttpResponse& response);
  void check_foreign_upgrade(int tab, bool accepted, unsigned status);
  void check_script_upgrade(int tab, const ConnectResult& result);   // no Origin: accepted
  void check_rebound_upgrade(int tab, const ConnectResult& result);  // another host: 421
  // A request with the tab's own cookie names its group: the answer sets no other.
  void check_no_set_cookie(int tab, std::string_view what, const HttpResponse& response);
  // A frame the tab sent that the server must refuse by closing (code_expected), or any close.
  void check_close(int tab, std::uint16_t code_expected, const Effects& effects);
  void check_close_received(int tab, std::uint16_t code);  // the close frame the tab read
  void check_pageless_upgrade(int tab, const ConnectResult& result);
  void check_refused(int tab, std::string_view what, const HttpResponse& answer, unsigned status);
  // What the model predicts a tab shows once it applied the frame being made, on the frames the
  // oracle judges: a socket's first two, then every 8th.
  std::optional<model::View> view_if_judged(int tab, std::uint64_t frames_made) const;
  void check_frame(int tab, bool shows_render, const std::optional<model::View>& expected,
                   const TreeApplier& held);
  void frame_not_json(int tab, std::string_view error, std::string_view payload);
  // Whether the tab's last ping was over its rate (and so answered with an error, no pong).
  bool ping_refused(int tab) const { return pings_refused_.contains(tab); }
  // A ping's deadline passed without its pong: a failure when the socket was healthy.
  void check_pong_missing(int tab, bool healthy);
  void check_quiescence();
  // The engine's metrics (what /metrics exports) against what it was sent and the model.
  void check_metrics();
  void check_index();   // the site's index links each page
  void check_logged();  // by check_metrics
  // The dispatch's debug line counts the broadcasts it left waiting as the connection holds them.
  void check_dispatch_logged(int id, const Connection& connection);
  void count_unreadable(std::string_view code);  // a payload the server must refuse unread
  void count_log_eviction();  // after an append: whether the server's ring evicted a message

  // --- the engine's state (checker_server_state.cpp) ------------------------------------------
  void check_tab_state(int id, std::string_view invariant);
  void check_queues(int sender, int sender_browser,
                    const std::vector<std::shared_ptr<Connection>>& woken);
  // The messages a Broadcasting tab's connection shows: log[begin, end).
  struct Window {
    std::size_t begin = 0, end = 0;
    bool older = false;  // the "Older messages" button shows
  };
  Window window_held(int id) const;
  void check_diff_proportional(const std::string& frame, Window before, Window after);

 private:
  void judge_view(int id, const model::View& view, std::string_view html, std::string_view when,
                  std::string_view count_invariant);
  model::View fresh_mount_view(int tab, int browser, std::string username) const;
  bool shows_other_errors(const std::vector<std::string>& held, const model::View& view) const;
  void check_by_hash(int id);
  bool shows_server_render(int id);
  void check_server_converged(int id);

  void check_field_errors(int id);
  void check_persisted(int id, std::string_view invariant);
  void check_tasks(int id, std::string_view invariant);
  void check_queue_of(int id, int sender, int sender_browser);
  std::size_t item_bytes(std::size_t i);

  Context& context_;
  Clients& clients_;
  Server* server_ = nullptr;
  model::Model model_;
  model::RateLimitModel rate_limit_;     // the model's own count of every connection's tokens
  model::Counts counts_at_start_;        // the model's counts when the engine started
  std::uint64_t rate_refusals_ = 0;      // the model's, since the engine started
  std::uint64_t unknown_actions_ = 0;    // actions sent to a page without them, since then
  std::uint64_t invalid_json_ = 0;       // payloads that are not JSON, since then
  std::uint64_t invalid_message_ = 0;    // JSON that is no action message, since then
  std::set<int> pings_refused_;          // tabs whose last ping the rate model refused
  std::vector<std::size_t> item_bytes_;  // see item_bytes()
  // The model's browsers of other cookies' groups: above any browser of a seed, no tab's.
  static constexpr int forged_browser_base = 1'000'000;
  int anonymous_browsers_ = 0;  // new groups made by browser_of_cookie
  static constexpr std::size_t quiescence_pages_max = 64;
  static constexpr std::uint64_t oracle_frames_every = 8;
};

}  // namespace lvt::sim::detail
