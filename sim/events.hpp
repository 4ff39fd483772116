// The simulator's events: one struct per kind, holding only what that kind needs, and `Event`,
// their variant. Client-side events name the tab; server-side events on a connection name the
// server end (a tab's id while attached, an orphan's id once the tab's socket went half-open).
// `generation` ties an event to one page load or connection attempt of its tab: an event of an
// older one is void.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "frame.hpp"
#include "page_text.hpp"
#include "render_hash.hpp"

namespace lvt::sim::detail {

// An action as the model takes it: the simulator wrote the payload, so it need not parse it back.
// What the model predicts an action's answer says: its meta's success and errors.
struct PredictedAnswer {
  bool success = true;
  std::map<std::string, std::string> errors = {};
  bool envelope = false;  // no action was read: an error envelope, no meta
  std::string code = {};  // the envelope's code
};

struct ActionTaken {
  std::string_view name = {};  // a literal ("send", "join", "__ping__", ...)
  std::string value = {};      // its one field's value as a correct server reads it
  std::string task_id = {};    // a task action's id field
  // Not empty: the payload holds no action a server may read (it is not JSON, or its action name
  // is too long), and this is the code of the error it must answer (invalid_json, ...).
  std::string_view unreadable = {};
};

namespace event {

struct Workload {};  // the workload's next step

// --- at the server ------------------------------------------------------------------------------
struct PageGet {  // a tab's page GET
  int tab = 0;
  std::uint64_t generation = 0;
};
struct Probe {  // the client's HEAD probe before it connects
  int tab = 0;
  std::uint64_t generation = 0;
};
struct SocketOpen {  // the client's WebSocket upgrade
  int tab = 0;
  std::uint64_t generation = 0;
};
struct FrameToServer {  // a frame the client wrote on its socket
  int tab = 0;
  std::uint64_t generation = 0;
  std::string payload = {};
  ActionTaken action = {};
  // Not 0: a frame no server may read (too big, not UTF-8), to be answered by closing the
  // socket with this code; no action is taken.
  std::uint16_t close_code_expected = 0;
};
struct HttpPost {  // the client's JSON POST (its HTTP fallback), or one from outside the page
  int tab = 0;
  std::uint64_t page_load = 0;  // the page that posted; 0 from outside it (its reply is ignored)
  std::string name = {};        // the name in the page URL
  bool name_escape_broken = false;  // the URL spells the name after %4Z, see Server
  std::string payload = {};
  ActionTaken action = {};
};
struct FormPost {  // a page without JavaScript posts its form
  int tab = 0;
  std::string name = {};
  bool name_escape_broken = false;  // the URL spells the name after %4Z, see Server
  std::string payload = {};
  ActionTaken action = {};
};
struct JsonGet {  // the client's JSON GET of the page's tree
  int tab = 0;
  std::string name = {};
  bool name_escape_broken = false;  // the URL spells the name after %4Z, see Server
};
struct ForeignUpgrade {  // another site's page asks for a WebSocket with the tab's cookie
  int tab = 0;
};
struct CookieRequest {  // the tab's form posted, then its page loaded, with another cookie
  int tab = 0;
  int kind = 0;             // in cookie_kinds
  std::string cookie = {};  // the Cookie header sent
  std::string name = {};
  std::string payload = {};  // the form's body
  ActionTaken action = {};
};
struct Dispatch {  // the server runs a waiting broadcast on a connection
  int end = 0;
  std::uint64_t generation = 0;
};
struct Reap {  // the server's idle timeout closes a half-open socket's end
  int end = 0;
};

// --- at the client ------------------------------------------------------------------------------
struct FrameToClient {
  int tab = 0;
  std::uint64_t generation = 0;
  Frame payload = {};
  RenderHash expected_render = {};  // the server's render when the frame was made
  // On the frames the oracle judges: what the model predicts the tab shows once it applied it.
  std::optional<model::View> expected_view = {};
  std::optional<PredictedAnswer> answer = {};  // on the answer to an action
  std::uint16_t close_code = 0;                // not 0: the server's close frame
};
struct HttpReply {  // the answer to an HTTP action reaches the page that sent it
  int tab = 0;
  std::uint64_t page_load = 0;
  std::string payload = {};
};
struct HeartbeatTick {
  int tab = 0;
  std::uint64_t epoch = 0;  // the interval it belongs to: stopping or restarting it voids it
};
struct PongDeadline {
  int tab = 0;
  std::uint64_t generation = 0;
  std::uint64_t pongs_at_ping = 0;  // a pong since then clears it
};
struct Visible {  // a hidden tab becomes visible again
  int tab = 0;
  std::uint64_t hidden_us = 0;
};
struct VisibilityReconnect {  // the client's reconnect, half a second after becoming visible
  int tab = 0;
  std::uint64_t page_load = 0;
};

}  // namespace event

using Event =
    std::variant<event::Workload, event::PageGet, event::Probe, event::SocketOpen,
                 event::FrameToServer, event::HttpPost, event::FormPost, event::JsonGet,
                 event::ForeignUpgrade, event::CookieRequest, event::Dispatch, event::Reap,
                 event::FrameToClient, event::HttpReply, event::HeartbeatTick, event::PongDeadline,
                 event::Visible, event::VisibilityReconnect>;

// The events the server handles (and a stall holds back).
inline bool at_server(const Event& event) {
  return std::holds_alternative<event::PageGet>(event) ||
         std::holds_alternative<event::Probe>(event) ||
         std::holds_alternative<event::SocketOpen>(event) ||
         std::holds_alternative<event::FrameToServer>(event) ||
         std::holds_alternative<event::HttpPost>(event) ||
         std::holds_alternative<event::FormPost>(event) ||
         std::holds_alternative<event::JsonGet>(event) ||
         std::holds_alternative<event::ForeignUpgrade>(event) ||
         std::holds_alternative<event::CookieRequest>(event) ||
         std::holds_alternative<event::Dispatch>(event);
}

}  // namespace lvt::sim::detail
