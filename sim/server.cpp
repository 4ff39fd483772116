// The server's side of the simulation: requests and frames reach the engine, broadcasts are
// dispatched, frames go through each connection's write path, half-open sockets live on as
// orphans until reaped.
#include "server.hpp"

#include <cstdlib>

#include <algorithm>
#include <cassert>
#include <optional>
#include <utility>

#include "checker.hpp"
#include "clients.hpp"
#include "dispatch.hpp"
#include "engine_config.hpp"
#include "form_value.hpp"

namespace lvt::sim::detail {

Server::Server(Context& context, Checker& checker, Clients& clients)
    : context_(context),
      checker_(checker),
      clients_(clients),
      site_host_(context.config.ipv6_loopback ? "[::1]:8080" : "127.0.0.1:8080"),
      site_origin_("http://" + site_host_),
      engine_random_(context.config.seed, "engine") {
  start_engine();
}

void Server::start_engine() {
  const SimConfig& config = context_.config;
  const EngineConfig engine_config = engine_config_of(config);
  EngineEnv env;
  env.now_us = [this] { return context_.now_us; };
  env.fill_random = [this](unsigned char* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      bytes[i] = static_cast<unsigned char>(engine_random_.next());
    random_drawn_last_.assign(bytes, bytes + n);
  };
  env.logs = [debug = config.debug_logs](LogLevel level) {
    return level != LogLevel::debug || debug;
  };
  env.log = [this, debug = config.debug_logs](LogLevel level, std::string_view line) {
    if (level == LogLevel::debug) {
      if (!debug) ++logged_.debug_unasked;
      if (line.starts_with("connection ") && line.find(" opened on ") != line.npos)
        ++logged_.debug_opened;
      if (line.starts_with("action ") && line.ends_with(": unknown action"))
        ++logged_.debug_unknown;
      if (line.starts_with("dispatch ") && line.ends_with(" waiting")) {
        ++logged_.debug_dispatches;
        const std::size_t number = line.rfind(", ") + 2;
        logged_.debug_waiting_last =
            std::strtoull(std::string(line.substr(number)).c_str(), nullptr, 10);
      }
      return;
    }
    if (level == LogLevel::info &&
        (line.ends_with(": invalid_json") || line.ends_with(": invalid_message"))) {
      ++logged_.unreadable;
    }
    if (level == LogLevel::info && line.starts_with("unknown action: ")) ++logged_.unknown_actions;
    if (level == LogLevel::warn && line.starts_with("refused ") &&
        line.find(" from origin ") != line.npos) {
      ++logged_.foreign_origins;
    }
    if (level == LogLevel::warn && line.starts_with("refused ") &&
        line.find(" for host ") != line.npos) {
      ++logged_.foreign_hosts;
    }
  };
  engine_ = std::make_unique<Engine>(engine_config, env);
  apps_ = add_demo_apps(*engine_, DemoAppsConfig{config.log_messages_max, config.log_window});
  server_render_.clear();
  requests_ = {};
  logged_ = {};
  checker_.engine_started();
}

HttpResponse Server::http(const HttpRequest& request) {
  ++requests_.http;
  return engine_->handle_http(request);
}

const std::string& Server::cookie_of(int tab) const {
  return clients_.cookie_of(tab);
}

model::Page Server::page_of(int tab) const {
  return clients_.tabs()[tab].page;
}

// The page URL with the name a GET form puts there; or, when `escape_broken`, after an escape no
// decoder takes (%4Z), for which the server drops the field, as Go's url.ParseQuery does.
std::string Server::target_with_name(int tab, const std::string& name, bool escape_broken) const {
  std::string target(path_of(page_of(tab)));
  if (!name.empty())
    target += "?username=" + std::string(escape_broken ? "%4Z" : "") + form_urlencoded(name);
  return target;
}

// The name the server reads from that URL.
static std::string name_read(const std::string& name, bool escape_broken) {
  return escape_broken ? std::string() : name;
}

Rng& Server::network_of(int id) {
  return is_orphan(id) ? *ends_.at(id).network : clients_.tabs()[id].network;
}

RenderHash Server::render_hash(int tab) {
  const Connection& connection = *ends_.at(tab).connection;
  return server_render_.of(connection.page().render(engine_->page_state(connection)));
}

// --- faults --------------------------------------------------------------------------------------
// A stalled server holds every request until the stall ends, in arrival order.
void Server::stall(std::uint64_t duration_us) {
  ++context_.coverage["stall"];
  stalled_until_us_ = std::max(stalled_until_us_, context_.now_us + duration_us);
}

void Server::restart() {
  ++context_.coverage["restart"];
  checker_.check_metrics();  // of the engine about to go
  context_.socket_closed_by_server = true;
  clients_.server_restarted();
  ends_.clear();
  id_of_.clear();
  checker_.server_restarted();
  start_engine();
}

void Server::close_socket(int tab) {
  disconnect(tab);
  clients_.socket_closed(tab);
  context_.socket_closed_by_server = true;
}

// The server cannot tell a half-open socket: its end becomes an orphan, whose frames fill the
// dead socket, while the client waits for its heartbeat to notice.
void Server::go_half_open(int tab) {
  const int orphan_id = orphan_id_base + next_orphan_++;
  ++context_.coverage["orphan"];
  auto node = ends_.extract(tab);
  node.key() = orphan_id;
  ServerEnd& orphan = ends_.insert(std::move(node)).position->second;
  orphan.network = Rng(context_.config.seed, "network/orphan" + std::to_string(orphan_id));
  id_of_[orphan.connection.get()] = orphan_id;
  clients_.socket_half_open(tab);
  checker_.orphaned(tab, orphan_id);
  context_.schedule(std::max(context_.now_us, orphan.last_heard_us + SimConfig::idle_timeout_us),
                    event::Reap{orphan_id});
  if (orphan.connection->dispatch_jobs_waiting() > 0) wake({orphan.connection});
}

void Server::on(const event::Reap& event) {
  ++context_.coverage["orphan-reaped"];
  close_orphan(event.end);
}

void Server::close_orphan(int id) {
  const auto found = ends_.find(id);
  engine_->disconnect(*found->second.connection);
  checker_.closed(id, *found->second.connection);
  id_of_.erase(found->second.connection.get());
  ends_.erase(found);
}

void Server::disconnect(int tab) {
  const auto found = ends_.find(tab);
  assert(found != ends_.end());
  ++context_.tab_events;
  found->second.stop();
  engine_->disconnect(*found->second.connection);
  checker_.closed(tab, *found->second.connection);
  id_of_.erase(found->second.connection.get());
  ends_.erase(found);
}

// --- a tab's page and socket ---------------------------------------------------------------------
void Server::on(const event::PageGet& event) {
  if (!clients_.awaits_page(event.tab, event.generation)) return;  // superseded by another load
  const HttpResponse page = http({"GET", std::string(path_of(page_of(event.tab))), site_host_,
                                  cookie_of(event.tab), "text/html", "", ""});
  checker_.check_page_get(event.tab, page);
  clients_.page_served(event.tab);
}

void Server::on(const event::Probe& event) {
  if (!clients_.connecting(event.tab, event.generation)) return;
  const HttpResponse answer = http({"HEAD", std::string(path_of(page_of(event.tab))), site_host_,
                                    cookie_of(event.tab), "", "", ""});
  ++context_.coverage["probe"];
  checker_.check_probe(event.tab, answer);
  clients_.probe_answered(event.tab);
}

void Server::on(const event::SocketOpen& event) {
  if (!clients_.connecting(event.tab, event.generation)) return;
  const TabClient& tab = clients_.tabs()[event.tab];
  ConnectResult opened = engine_->connect(
      {std::string(path_of(tab.page)), site_host_, site_origin_, cookie_of(event.tab)});
  assert(opened.connection);
  ++requests_.upgrades;
  ServerEnd& end =
      ends_
          .try_emplace(event.tab, opened.connection, tab.browser, event.generation,
                       context_.config.outbound_frames_max, context_.config.network_frames_max)
          .first->second;
  end.last_heard_us = context_.now_us;
  end.page = tab.page;
  id_of_[end.connection.get()] = event.tab;
  clients_.socket_opened(event.tab);
  checker_.socket_opened(event.tab, tab.browser, tab.page);
  ++context_.tab_events;
  checker_.check_tab_state(
      event.tab, tab.page == model::Page::reconnection ? "persist-restored" : "mount-coherent");
  send_frame(event.tab, std::move(opened.first_frame));
}

void Server::on(const event::FrameToServer& event) {
  if (!current(event.tab, event.generation)) return;  // the socket is gone: the frame with it
  ServerEnd& end = ends_.at(event.tab);
  const model::Page page = page_of(event.tab);
  ++context_.tab_events;
  end.last_heard_us = context_.now_us;
  ++requests_.frames;
  Effects effects = engine_->receive(*end.connection, event.payload);
  if (event.close_code_expected == close_too_big) ++requests_.frames_too_big;
  if (event.close_code_expected == close_not_utf8) ++requests_.frames_not_utf8;
  if (event.close_code_expected != 0 || effects.close) {
    checker_.check_close(event.tab, event.close_code_expected, effects);
    if (effects.close) close_end(event.tab, effects.close->first);
    return;
  }
  std::optional<PredictedAnswer> answer = checker_.action_at_socket(event.tab, page, event.action);
  checker_.check_tab_state(event.tab, page == model::Page::reconnection ? "persist-restored"
                                      : page == model::Page::tasks      ? "convergence"
                                                                   : "username-per-connection");
  checker_.check_queues(event.tab, end.browser, effects.wake);
  for (Frame& frame : effects.frames) {
    if (end_of(event.tab) == nullptr) break;  // cut off as a slow reader
    send_frame(event.tab, std::move(frame), std::exchange(answer, std::nullopt));
  }
  wake(effects.wake);
}

// --- HTTP apart from the page load ---------------------------------------------------------------
// A fresh state mounted from the URL runs the action: only what reaches the group stays.
void Server::on(const event::HttpPost& event) {
  ++context_.tab_events;
  const int browser = clients_.tabs()[event.tab].browser;
  // From outside the page (a script, curl) it carries no Origin, which no browser omits on a
  // POST: the server takes it as not a browser's, so no other site's.
  HttpResponse response =
      http({"POST", target_with_name(event.tab, event.name, event.name_escape_broken), site_host_,
            cookie_of(event.tab), "application/json", "application/json", event.payload,
            event.page_load == 0 ? std::string() : site_origin_});
  checker_.action_over_http(browser, page_of(event.tab), event.action,
                            name_read(event.name, event.name_escape_broken));
  if (!event.action.unreadable.empty())
    checker_.check_http_refusal(event.tab, event.action.unreadable, response);
  checker_.check_no_set_cookie(event.tab, "JSON POST", response);
  checker_.check_queues(-1, browser, response.wake);
  wake(response.wake);
  if (event.page_load != 0 && response.status == 200) {
    Rng& network = clients_.tabs()[event.tab].network;
    context_.schedule(context_.now_us + context_.latency(network),
                      event::HttpReply{event.tab, event.page_load, std::move(response.body)});
  }
}

// The no-JavaScript form: the action runs on a fresh Mount from the URL, as over HTTP, and the
// answer sends the browser back to the page.
void Server::on(const event::FormPost& event) {
  ++context_.tab_events;
  const int browser = clients_.tabs()[event.tab].browser;
  const std::string target = target_with_name(event.tab, event.name, event.name_escape_broken);
  const HttpResponse response =
      http({"POST", target, site_host_, cookie_of(event.tab), "text/html",
            "application/x-www-form-urlencoded", event.payload, site_origin_});
  checker_.action_over_http(browser, page_of(event.tab), event.action,
                            name_read(event.name, event.name_escape_broken));
  checker_.check_queues(-1, browser, response.wake);
  wake(response.wake);
  checker_.check_form_post(event.tab, response, target);
}

// The client's JSON GET: the page's full tree, as a fresh Mount from the URL renders it.
void Server::on(const event::JsonGet& event) {
  ++context_.tab_events;
  ++context_.coverage["json-get"];
  const HttpResponse response =
      http({"GET", target_with_name(event.tab, event.name, event.name_escape_broken), site_host_,
            cookie_of(event.tab), "application/json", "", ""});
  checker_.check_json_get(event.tab, name_read(event.name, event.name_escape_broken), response);
}

// Another site's page opening a WebSocket to ours with its users' cookie: refused, or any
// site could act as them.
// An upgrade outside the tab's own socket: an accepted one is closed at once and counted as an
// upgrade, a refused one under `refused`.
ConnectResult Server::side_upgrade(const ConnectRequest& request, std::uint64_t& refused) {
  ConnectResult result = engine_->connect(request);
  if (result.connection) {
    ++requests_.upgrades;
    engine_->disconnect(*result.connection);
  } else {
    ++refused;
  }
  return result;
}

void Server::on(const event::ForeignUpgrade& event) {
  const std::string path(path_of(page_of(event.tab)));
  const std::string& cookie = cookie_of(event.tab);
  const ConnectResult foreign =
      side_upgrade({path, site_host_, "http://evil.example", cookie}, requests_.foreign_upgrades);
  checker_.check_foreign_upgrade(event.tab, foreign.connection != nullptr, foreign.refuse_status);
  // A socket asked for under another host name (DNS rebinding): refused, 421.
  checker_.check_rebound_upgrade(
      event.tab, side_upgrade({path, "evil.example", "", cookie}, requests_.foreign_host_upgrades));
  // A client that is no browser (a script, `lvtlab load`) sends no Origin: it may connect.
  checker_.check_script_upgrade(
      event.tab, side_upgrade({path, site_host_, "", cookie}, requests_.foreign_upgrades));
  // The same site's page asking for a socket at a path with no live page: refused, 404.
  checker_.check_pageless_upgrade(
      event.tab, side_upgrade({"/realtime/nowhere", site_host_, site_origin_, cookie},
                              requests_.pageless_upgrades));
  // Another site's form posting to ours with our user's cookie (CSRF): refused, nothing changed.
  const HttpResponse post = http(
      {"POST", path + "?username=Mallory", site_host_, cookie_of(event.tab), "text/html",
       "application/x-www-form-urlencoded", "text=from+another+site&send=", "http://evil.example"});
  ++requests_.foreign_posts;
  checker_.check_refused(event.tab, "another site's form POST", post, 403);
  // A page asked for under another host name (DNS rebinding): nothing served.
  const HttpResponse rebound =
      http({"GET", path, "evil.example", cookie_of(event.tab), "text/html", "", ""});
  ++requests_.foreign_hosts;
  checker_.check_refused(event.tab, "a GET for host evil.example", rebound, 421);
  // A method the site has no use for: refused, nothing changed.
  const HttpResponse deleted = http({"DELETE", path, site_host_, cookie_of(event.tab), "", "", ""});
  checker_.check_refused(event.tab, "a DELETE of the page", deleted, 405);
}

// The tab's browser posts its form, then loads its page, with another Cookie header: the model
// places each request in the browser's own group or in a new one of its own.
void Server::on(const event::CookieRequest& event) {
  ++context_.tab_events;
  const model::Page page = page_of(event.tab);
  const std::string target = target_with_name(event.tab, event.name, false);
  const HttpResponse answer =
      http({"POST", target, site_host_, event.cookie, "text/html",
            "application/x-www-form-urlencoded", event.payload, site_origin_});
  const int post_browser = checker_.browser_of_cookie(event.tab, event.kind);
  checker_.action_over_http(post_browser, page, event.action, event.name);
  checker_.check_queues(-1, post_browser, answer.wake);
  wake(answer.wake);
  checker_.check_form_post(event.tab, answer, target);
  checker_.check_set_cookie(event.tab, event.kind, answer);
  const HttpResponse shown =
      http({"GET", std::string(path_of(page)), site_host_, event.cookie, "text/html", "", ""});
  checker_.check_set_cookie(event.tab, event.kind, shown);
  checker_.check_page_get(event.tab, shown, checker_.browser_of_cookie(event.tab, event.kind));
}

// --- broadcasts and the write path ---------------------------------------------------------------
void Server::wake(const std::vector<std::shared_ptr<Connection>>& connections) {
  for (const auto& connection : connections) {
    const int id = id_of(*connection);
    if (id < 0) continue;
    ServerEnd& end = ends_.at(id);
    if (end.dispatch_scheduled) continue;
    end.dispatch_scheduled = true;
    const std::uint64_t delay_us = network_of(id).below(context_.config.dispatch_delay_us_max + 1);
    context_.schedule(context_.now_us + delay_us, event::Dispatch{id, end.generation});
  }
}

// Broadcasts run on an orphan too; its frames go nowhere and fill its write path.
void Server::on(const event::Dispatch& event) {
  const auto found = ends_.find(event.end);
  if (found == ends_.end() || found->second.generation != event.generation) return;
  ServerEnd& end = found->second;
  const bool orphan = is_orphan(event.end);
  end.dispatch_scheduled = false;
  if (end.connection->dispatch_jobs_waiting() == 0) return;
  const bool broadcasting = !orphan && page_of(event.end) == model::Page::broadcasting;
  const Checker::Window shown_before =
      broadcasting ? checker_.window_held(event.end) : Checker::Window{};
  const std::shared_ptr<Connection> connection = end.connection;
  Effects effects = dispatch_counting_shared(*engine_, *connection, context_.coverage);
  checker_.delivered(event.end);
  if (context_.config.debug_logs) checker_.check_dispatch_logged(event.end, *connection);
  if (broadcasting) {
    for (const Frame& frame : effects.frames) {
      checker_.check_diff_proportional(frame.text(), shown_before, checker_.window_held(event.end));
    }
  }
  ++context_.coverage["deliver"];
  if (!orphan) checker_.check_tab_state(event.end, "convergence");
  checker_.check_queues(event.end, -1, effects.wake);
  for (Frame& frame : effects.frames) {
    if (!ends_.contains(event.end)) break;  // cut off as a slow reader
    send_frame(event.end, std::move(frame));
  }
  wake(effects.wake);
  if (ends_.contains(event.end) && connection->dispatch_jobs_waiting() > 0) wake({connection});
}

// Into the connection's write path; a client that does not keep up is cut off. An orphan's
// written frames enter a network nobody reads.
void Server::send_frame(int id, Frame frame, std::optional<PredictedAnswer> answer) {
  ServerEnd& end = ends_.at(id);
  if (end.closing()) return;  // the transport writes nothing after a close
  const bool orphan = is_orphan(id);
  ServerEnd::Expected expected;
  if (!orphan) {
    expected.render = server_render_.of(engine_->sent_tree(*end.connection));
    expected.view = checker_.view_if_judged(id, end.frames_made);
    expected.answer = std::move(answer);
  }
  std::vector<ServerEnd::Written> written;
  if (!end.send(std::move(frame), std::move(expected), written)) return cut(id);
  ++end.frames_made;
  if (orphan) return;
  clients_.deliver(id, std::move(written));
}

// Through the write path, as the transport closes: the tab reads the close frame after what
// was queued before it, and then the socket is gone.
void Server::close_end(int tab, std::uint16_t code) {
  std::vector<ServerEnd::Written> written;
  ends_.at(tab).close(code, written);
  clients_.deliver(tab, std::move(written));
}

void Server::frame_read(int tab) {
  std::vector<ServerEnd::Written> written;
  ends_.at(tab).frame_read(written);
  clients_.deliver(tab, std::move(written));
}

// The transport's part when the write path overflows: it counts, and cuts the socket.
void Server::cut(int id) {
  ++context_.coverage["slow-reader-cut"];
  ++engine_->metrics().errors_slow_reader;
  if (is_orphan(id)) return close_orphan(id);
  close_socket(id);
}

}  // namespace lvt::sim::detail
