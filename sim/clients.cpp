// What a simulated tab does, as the real client does it: its page load, HEAD probe and socket,
// its user's actions (over the socket or HTTP), its heartbeat, and the frames it applies.
#include "clients.hpp"

#include <cassert>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <utility>

#include "checker.hpp"
#include "form_value.hpp"
#include "server.hpp"
#include "session.hpp"

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

// What the client writes for a form submit: the clicked button's name as the action and the
// form's fields, each through its parseValue, in data: {"action":ACTION,"data":{FIELD:VALUE}}.
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

// The simulator's own UTF-8 reading, for the frames it spells by hand (its texts are valid).
std::size_t utf8_sequence_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

std::uint32_t utf8_code_point(std::string_view bytes) {
  if (bytes.size() == 1) return static_cast<unsigned char>(bytes[0]);
  const unsigned lead_bits = bytes.size() == 2 ? 0x1F : bytes.size() == 3 ? 0x0F : 0x07;
  std::uint32_t code_point = static_cast<unsigned char>(bytes[0]) & lead_bits;
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(bytes[i]) & 0x3F);
  }
  return code_point;
}

// \uXXXX, or a surrogate pair past the Basic Multilingual Plane, in upper- or lower-case hex.
void append_unicode_escape(std::string& out, std::uint32_t code_point, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  auto unit = [&](std::uint32_t value) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xF];
  };
  if (code_point < 0x10000) return unit(code_point);
  code_point -= 0x10000;
  unit(0xD800 + (code_point >> 10));
  unit(0xDC00 + (code_point & 0x3FF));
}

// Frames and bodies another client could write that test a reader's edges, each with the
// error a server must answer (empty: it reads a send of `text`). Seven are not JSON though a
// fast reader might take them: a string cut after a backslash, a backslash before the closing
// braces, a raw tab before a letter that would make it an escape, a high surrogate followed by
// no low one (or by one that a reader taking a digit too many would find); a member with no
// value; an escape with a letter past F for a digit. Two nest to the depth a server reads and
// one level over it.
struct OddPayload {
  std::string payload;
  std::string_view unreadable;  // the error's code, or empty
};
constexpr std::size_t odd_payload_kinds = 9;

OddPayload odd_payload(std::size_t kind, std::string_view text) {
  const std::string head = "{\"action\":\"send\",\"data\":{\"text\":";
  if (kind == 5 || kind == 6) {
    const std::size_t arrays = json_depth_max - 2 + (kind == 6 ? 1 : 0);
    std::string out = head;
    append_json_stringified(out, text);
    out += ",\"n\":" + std::string(arrays, '[') + "1" + std::string(arrays, ']') + "}}";
    return {std::move(out), kind == 5 ? std::string_view() : "invalid_json"};
  }
  if (kind == 7) return {"{\"action\":\"send\",\"data\":{\"text\"}}", "invalid_json"};
  if (kind == 8) return {head + "\"\\u00G1\"}}", "invalid_json"};
  static constexpr const char* broken[] = {"\"odd\\", "\"odd\\}}", "\"a\tb\"}}",
                                           "\"\\uD83D\\u0DC00\"}}", "\"\\uD83Dx\"}}"};
  return {head + broken[kind], "invalid_json"};
}

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

Clients::Clients(Context& context, Checker& checker) : context_(context), checker_(checker) {
  Rng cookies(context.config.seed, "browsers");
  for (int b = 0; b < context.config.browsers; ++b) {
    cookies_.push_back(std::string(session_cookie_name) + "=" +
                       new_session_id([&cookies](unsigned char* bytes, std::size_t n) {
                         for (std::size_t i = 0; i < n; ++i)
                           bytes[i] = static_cast<unsigned char>(cookies.next());
                       }));
  }
}

// --- a tab's page and socket ---------------------------------------------------------------------
void Clients::open_tab(int browser, model::Page page) {
  if (static_cast<int>(tabs_.size()) >= context_.config.tabs_max) return;
  tabs_.emplace_back();
  tabs_.back().browser = browser % context_.config.browsers;
  tabs_.back().page = page;
  tabs_.back().network =
      Rng(context_.config.seed, "network/tab" + std::to_string(tabs_.size() - 1));
  ++context_.coverage["open"];
  load_page(static_cast<int>(tabs_.size()) - 1);
}

void Clients::reload(int id) {
  ++context_.coverage["reload"];
  load_page(id);
}

// A page load: the GET (Mount renders the page), then the client probes and connects. Until
// the first tree arrives the page's forms are disabled.
void Clients::load_page(int id) {
  TabClient& tab = tabs_[id];
  if (tab.open()) drop(id);  // unloading the page closes its socket
  tab.socket = TabClient::Socket::closed;
  tab.loading = true;
  tab.page_ready = false;
  tab.form_busy = false;
  stop_heartbeat(id);  // the new page arms its own on its first connect
  tab.http_only = false;
  ++tab.page_loads;
  ++tab.generation;
  context_.schedule(context_.now_us + context_.latency(tab.network),
                    event::PageGet{id, tab.generation});
}

bool Clients::awaits_page(int id, std::uint64_t generation) const {
  return tabs_[id].generation == generation;  // not superseded by another load
}

void Clients::page_served(int id) {
  tabs_[id].loading = false;
  begin_connect(id);
}

// A new connection: the client clears its tree, probes with HEAD, opens a new socket and
// takes the full tree the server pushes.
void Clients::begin_connect(int id) {
  TabClient& tab = tabs_[id];
  assert(!tab.open());
  tab.socket = TabClient::Socket::connecting;
  ++tab.generation;
  tab.held.reset();
  tab.socket_tree_held = tab.view_diverged = tab.pong_awaited = false;
  tab.transport_from_us = std::numeric_limits<std::uint64_t>::max();  // the probe is out
  tab.replies_awaited = 0;
  tab.form_busy = false;  // the client's reset of its session state
  tab.pongs = 0;
  tab.to_server_free_us = tab.to_client_free_us = context_.now_us;  // new streams
  context_.schedule(context_.now_us + context_.latency(tab.network),
                    event::Probe{id, tab.generation});
}

bool Clients::connecting(int id, std::uint64_t generation) const {
  const TabClient& tab = tabs_[id];
  return tab.socket == TabClient::Socket::connecting && tab.generation == generation;
}

// The probe's answer goes back, then the upgrade request comes in.
void Clients::probe_answered(int id) {
  TabClient& tab = tabs_[id];
  tab.transport_from_us = context_.now_us + context_.latency(tab.network);
  context_.schedule(tab.transport_from_us + context_.latency(tab.network),
                    event::SocketOpen{id, tab.generation});
}

void Clients::socket_opened(int id) {
  tabs_[id].socket = TabClient::Socket::open;
  tabs_[id].close_awaited = 0;  // a new socket (the one that was to close went half-open)
  start_heartbeat(id);
  settle_heartbeat(id);
}

// The client closes its socket (unloading the page, reconnecting); the server learns at once.
void Clients::drop(int id) {
  server_->disconnect(id);
  closed(id);
}

void Clients::closed(int id) {
  TabClient& tab = tabs_[id];
  tab.socket = TabClient::Socket::closed;
  tab.replies_awaited = 0;
  tab.close_awaited = 0;
  ++tab.generation;
}

// The server (or the network) closed the socket; the client's next heartbeat tick finds it
// closed and reconnects (backoff is off).
void Clients::socket_closed(int id) {
  closed(id);
  start_heartbeat(id);
}

void Clients::socket_half_open(int id) {
  tabs_[id].socket = TabClient::Socket::half_open;
}

// Every socket closed; a connect attempt in progress failed; pending events die, but a page
// GET waits for the new server.
void Clients::server_restarted() {
  for (TabClient& tab : tabs_) {
    if (tab.socket == TabClient::Socket::connecting) tab.http_only = true;
    if (!tab.loading) ++tab.generation;
    tab.socket = TabClient::Socket::closed;
    tab.replies_awaited = 0;
    tab.close_awaited = 0;
  }
}

void Clients::reconnect(int id, const char* why) {
  TabClient& tab = tabs_[id];
  // A loading page connects by itself; a client left on HTTP does not reconnect.
  if (tab.loading || tab.http_only) return;
  ++context_.coverage[why];
  if (tab.open()) drop(id);  // a half-open socket's server end is already an orphan
  begin_connect(id);
}

// The client times a hidden tab only when its socket was open as it hid; 3 s or more hidden,
// it reconnects half a second after becoming visible, unless it is reconnecting already.
void Clients::hide(int id, std::uint64_t duration_us) {
  ++context_.coverage["hide"];
  TabClient& tab = tabs_[id];
  tab.hidden_until_us = std::max(tab.hidden_until_us, context_.now_us + duration_us);
  tab.hidden_with_socket_open = tab.believes_open() && !tab.http_only;
  context_.schedule(context_.now_us + duration_us, event::Visible{id, duration_us});
}

void Clients::on(const event::Visible& event) {
  TabClient& tab = tabs_[event.tab];
  if (!tab.hidden_with_socket_open) return;
  tab.hidden_with_socket_open = false;
  if (event.hidden_us < SimConfig::hidden_reconnect_us) {
    ++context_.coverage["visible-short"];
    return;
  }
  context_.schedule(context_.now_us + SimConfig::visibility_reconnect_delay_us,
                    event::VisibilityReconnect{event.tab, tab.page_loads});
}

void Clients::on(const event::VisibilityReconnect& event) {
  const TabClient& tab = tabs_[event.tab];
  if (tab.page_loads != event.page_load || tab.socket == TabClient::Socket::connecting) return;
  reconnect(event.tab, "visible-reconnect");
}

// --- what the user does --------------------------------------------------------------------------
// A form submit, once the page is live and its form not busy: the form becomes busy, and the
// action goes on the socket when it is open, over HTTP while the socket connects or after it
// closed, nowhere while a reconnect's probe is out.
void Clients::user_action(int id, std::string_view action, const std::vector<FormField>& fields) {
  TabClient& tab = tabs_[id];
  if (!tab.page_ready) {
    ++context_.coverage["loading-skip"];
    return;
  }
  if (tab.form_busy) {
    ++context_.coverage["busy-skip"];
    return;
  }
  tab.form_busy = true;
  if (tab.socket == TabClient::Socket::connecting && context_.now_us < tab.transport_from_us) {
    ++context_.coverage["no-transport-skip"];  // the client logs "No transport available"
    return;
  }
  if (!tab.believes_open()) return http_post(id, action, fields, "");
  const int task = task_action_index(action);
  ++context_.coverage[task < 0 ? action : task_coverage_names[task]];
  ++tab.replies_awaited;
  socket_send(id, action, fields);
}

// The client writes a frame on its socket; it reaches the server after the latency, in order.
void Clients::socket_send(int id, std::string_view action, const std::vector<FormField>& fields) {
  TabClient& tab = tabs_[id];
  tab.to_server_free_us =
      std::max(context_.now_us + context_.latency(tab.network), tab.to_server_free_us);
  auto event = action_event<event::FrameToServer>(id, action, fields);
  event.generation = tab.generation;
  context_.schedule(tab.to_server_free_us, std::move(event));
}

// The action as the client sends it, each field through its parseValue; the model is told what
// a correct server reads: a task's id field in task_id, any other field in value.
template <class Event>
Event Clients::action_event(int id, std::string_view action, const std::vector<FormField>& fields) {
  Event event;
  event.tab = id;
  event.action.name = action;
  std::vector<std::pair<std::string_view, FormValue>> sent;
  for (const FormField& field : fields) {
    FormValue value = form_value(field.value);
    if (!value.json.starts_with('"') && field.name != "id") ++context_.coverage["number-field"];
    if (field.name == "id") {
      event.action.task_id = value.server_text;
    } else {
      count_limits(field.name, value.server_text);
      event.action.value = value.server_text;
    }
    sent.emplace_back(field.name, std::move(value));
  }
  event.payload = action_message(action, sent);
  return event;
}

// Field values at and over their limits, counted as the model counts them (characters, after
// trimming where the page trims).
void Clients::count_limits(std::string_view field, std::string_view value) {
  const bool notes = field == "notes";
  const std::size_t chars = model::utf8_chars(notes ? value : model::trimmed(value));
  const std::size_t chars_max = field == "username" ? model::username_chars_max
                                : notes             ? model::notes_chars_max
                                : field == "title"  ? model::task_title_chars_max
                                                    : model::message_chars_max;
  if (chars == chars_max) ++context_.coverage["field-at-limit"];
  if (chars > chars_max) ++context_.coverage["field-over-limit"];
}

// The client's HTTP fallback: a JSON POST to the page URL; `name` is the name the URL carries
// (a tab that joined over its socket has none there). The page's client posts only while its
// socket is not open, and applies the reply; a post beside an open socket stands for one made
// outside the page.
void Clients::http_post(int id, std::string_view action, const std::vector<FormField>& fields,
                        const std::string& name) {
  TabClient& tab = tabs_[id];
  ++context_.coverage[name.empty() ? "http-fallback" : "http"];
  auto event = action_event<event::HttpPost>(id, action, fields);
  event.page_load = tab.believes_open() ? 0 : tab.page_loads;
  // From outside the page, now and then a body no server may read (kind 5 is readable).
  if (const std::size_t size = event.action.value.size();
      event.page_load == 0 && size % 4 == 1 && size / 4 % odd_payload_kinds != 5) {
    ++context_.coverage["http-not-json"];
    OddPayload odd = odd_payload(size / 4 % odd_payload_kinds, event.action.value);
    event.payload = std::move(odd.payload);
    event.action = {"", "", "", odd.unreadable};
  }
  event.name = name;
  event.name_escape_broken = breaks_name_escape(name);
  context_.schedule(
      std::max(context_.now_us + context_.latency(tab.network), tab.to_server_free_us),
      std::move(event));
}

// A page without JavaScript: its join form put the name in the URL (a GET form), and its other
// form posts to that URL; the server answers 303 back to it. Broadcasting sends the text;
// Reconnection saves it as notes, or (for texts whose length is a multiple of 3) increments;
// Tasks adds it as a task's title.
void Clients::form_post(int id, const std::string& text, const std::string& name,
                        int button_style) {
  ++context_.coverage["form-post"];
  if (button_style != 0) ++context_.coverage["button-style"];
  event::FormPost event = form_post_event(id, text, name, button_style);
  event.name_escape_broken = breaks_name_escape(name);
  context_.schedule(context_.now_us + context_.latency(tabs_[id].network), std::move(event));
}

event::FormPost Clients::form_post_event(int id, const std::string& text, const std::string& name,
                                         int button_style) {
  const TabClient& tab = tabs_[id];
  const bool increment = tab.page == model::Page::reconnection && text.size() % 3 == 0;
  const std::string_view action = tab.page == model::Page::broadcasting ? "send"
                                  : tab.page == model::Page::tasks      ? "add"
                                  : increment                           ? "increment"
                                                                        : "saveNotes";
  const std::string_view field = action == "send" ? "text" : action == "add" ? "title" : "notes";
  count_limits(field, text);
  event::FormPost event{id, name, false, {}, {action, text, {}}};
  if (!increment) event.payload = std::string(field) + "=" + form_urlencoded(text) + "&";
  event.payload += form_urlencoded(button_name(action, button_style)) + "=";
  return event;
}

// An in-page navigation: the client asks its socket to run Mount again with the new query, and
// waits for the answer; without an open socket it has nothing to send it on.
void Clients::navigate(int id, const std::string& name) {
  TabClient& tab = tabs_[id];
  if (!tab.page_ready || !tab.believes_open()) return;
  ++context_.coverage["navigate"];
  ++tab.replies_awaited;
  socket_send(id, "__navigate__", {{"username", name}});
}

// A frame another client could write (the protocol allows it): the send's text with every other
// character as a \u escape, or (one text in three) each character that a hex digit follows, in
// upper- and lower-case hex, `data` before or after `action`; after it, sometimes, an action name
// at the longest the server takes (unknown to the page) and one byte over (no action: an error
// envelope). An escape followed by hex-looking text shows a reader that takes a fifth digit.
void Clients::raw_send(int id, const std::string& text) {
  TabClient& tab = tabs_[id];
  if (!tab.page_ready || tab.form_busy || !tab.believes_open()) return;
  // Now and then a frame no client may write instead.
  if (text.size() % 8 == 5)
    return unreadable_frame(id, text.size() % 16 == 5 ? close_too_big : close_not_utf8);
  ++context_.coverage["raw-frame"];
  std::string spelled;
  const bool every_other = text.size() % 3 != 0;
  bool escape = true;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = utf8_sequence_length(static_cast<unsigned char>(text[at]));
    const std::uint32_t code_point = utf8_code_point(std::string_view(text).substr(at, length));
    const bool before_hex = at + length < text.size() &&
                            std::isxdigit(static_cast<unsigned char>(text[at + length])) != 0;
    if ((every_other ? escape : before_hex) || code_point < 0x20 || text[at] == '"' ||
        text[at] == '\\') {
      append_unicode_escape(spelled, code_point, /*upper=*/at % 3 == 0);
    } else {
      spelled.append(text, at, length);
    }
    escape = !escape;
    at += length;
  }
  tab.form_busy = true;
  ++tab.replies_awaited;
  tab.to_server_free_us =
      std::max(context_.now_us + context_.latency(tab.network), tab.to_server_free_us);
  event::FrameToServer frame;
  frame.tab = id;
  frame.generation = tab.generation;
  // Members in either order: the server reads the usual one on its fast path (which escapes
  // before hex digits are spelled for).
  frame.payload = !every_other || text.size() % 2 == 0
                      ? "{\"action\":\"send\",\"data\":{\"text\":\"" + spelled + "\"}}"
                      : "{\"data\":{\"text\":\"" + spelled + "\"},\"action\":\"send\"}";
  frame.action = {"send", text, {}};
  context_.schedule(tab.to_server_free_us, std::move(frame));
  odd_frame(id, text, text.size() / 2 % odd_payload_kinds);
  if (text.size() % 4 != 0) return;
  for (const std::string* name : {&long_action_name, &long_action_name_over}) {
    event::FrameToServer named;
    named.tab = id;
    named.generation = tab.generation;
    named.payload = "{\"action\":\"" + *name + "\",\"data\":{}}";
    named.action.name = *name;
    if (name == &long_action_name_over) named.action.unreadable = "invalid_message";
    if (name == &long_action_name) ++tab.replies_awaited;
    context_.schedule(tab.to_server_free_us, std::move(named));
  }
}

// After a raw send, one of the odd frames: answered with its error, or read as the send.
void Clients::odd_frame(int id, const std::string& text, std::size_t kind) {
  TabClient& tab = tabs_[id];
  OddPayload odd = odd_payload(kind, text);
  ++context_.coverage[kind == 5 ? "frame-nested-at-bound" : "frame-not-json"];
  event::FrameToServer frame;
  frame.tab = id;
  frame.generation = tab.generation;
  frame.payload = std::move(odd.payload);
  frame.action = {odd.unreadable.empty() ? "send" : "", text, {}, odd.unreadable};
  if (odd.unreadable.empty()) ++tab.replies_awaited;
  context_.schedule(tab.to_server_free_us, std::move(frame));
}

// A frame one byte over the server's limit, or a send whose text holds U+D800 encoded as UTF-8
// would encode it (a lone surrogate, which UTF-8 excludes): the server must close the socket with
// the code for it, having read nothing.
void Clients::unreadable_frame(int id, std::uint16_t close_code) {
  TabClient& tab = tabs_[id];
  ++context_.coverage[close_code == close_too_big ? "frame-too-big" : "frame-not-utf8"];
  event::FrameToServer frame;
  frame.tab = id;
  frame.generation = tab.generation;
  frame.close_code_expected = close_code;
  if (tab.close_awaited == 0) tab.close_awaited = close_code;  // the first one closes the socket
  // Not UTF-8: a surrogate encoded, a code point past U+10FFFF, an overlong '/', by turns.
  static constexpr const char* not_utf8[] = {"\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF"};
  frame.payload = "{\"action\":\"send\",\"data\":{\"text\":\"" +
                  (close_code == close_too_big ? std::string(frame_bytes_max, 'x')
                                               : std::string(not_utf8[tab.unreadable_sent++ % 3])) +
                  "\"}}";
  tab.to_server_free_us =
      std::max(context_.now_us + context_.latency(tab.network), tab.to_server_free_us);
  context_.schedule(tab.to_server_free_us, std::move(frame));
}

// Whether a page URL carrying `name` spells it after a broken escape (%4Z): a user pasting a
// mangled link, which a server must not decode into some other name. One name in three.
bool Clients::breaks_name_escape(const std::string& name) {
  if (name.size() % 3 != 1) return false;
  ++context_.coverage["url-escape-broken"];
  return true;
}

// Requests from the tab's browser apart from the page's own socket and forms.
void Clients::json_get(int id, const std::string& name) {
  context_.schedule(context_.now_us + context_.latency(tabs_[id].network),
                    event::JsonGet{id, name, breaks_name_escape(name)});
}

void Clients::foreign_upgrade(int id) {
  context_.schedule(context_.now_us + context_.latency(tabs_[id].network),
                    event::ForeignUpgrade{id});
}

// The browser's form post and page load, with the Cookie header of `kind`: its own session
// cookie among other sites' cookies (a host's cookies are shared by every port and app on it)
// or beside look-alike names, none at all, ours malformed, or a well-formed id never issued.
void Clients::cookie_request(int id, int kind, const std::string& text, const std::string& name) {
  const std::string& own = cookie_of(id);
  const std::string own_id = own.substr(own.find('=') + 1);
  std::string other_id = own_id;  // well-formed, and no browser's
  other_id[0] = other_id[0] == 'A' ? 'B' : 'A';
  const std::string ours(session_cookie_name);
  std::string cookie;
  switch (kind) {
    case 0:
      cookie = "_ga=GA1.1.42.7; " + own + "; theme=dark";
      break;
    case 1:
      cookie = "x" + ours + "=" + other_id + "; " + own + "; " + ours + "2=" + other_id;
      break;
    case 2:
      break;
    case 3:
      cookie = ours + "=abc";
      break;
    case 4:
      cookie = ours + "=!" + own_id.substr(1);  // the first digit: every one is checked
      break;
    case 5:
      cookie = ours + "=" + own_id.substr(0, own_id.size() - 1);
      break;
    case 6:
      cookie = ours + ";;=" + own_id;
      break;
    default:
      cookie = ours + "=" + other_id;
      break;
  }
  const CookieMeaning meaning = cookie_kinds[kind].meaning;
  ++context_.coverage[meaning == CookieMeaning::own         ? "cookie-own"
                      : meaning == CookieMeaning::new_group ? "cookie-malformed"
                                                            : "cookie-forged"];
  event::FormPost post = form_post_event(id, text, name, 0);
  context_.schedule(context_.now_us + context_.latency(tabs_[id].network),
                    event::CookieRequest{id, kind, std::move(cookie), std::move(post.name),
                                         std::move(post.payload), std::move(post.action)});
}

// --- the client's heartbeat ----------------------------------------------------------------------
// An interval per page, armed on its first connect, ticking every 20 s across reconnects. A
// tick does nothing while the tab is hidden or reconnecting; it reconnects a socket that is
// not open (closed by the server: a drop, a slow-reader cut, a restart), and otherwise pings,
// reconnecting when no pong came within 10 s. Once the workload ended, it runs only on a tab
// whose socket is not healthy and can heal (its ticks would only ping), so that the run
// quiesces.
void Clients::start_heartbeat(int id) {
  TabClient& tab = tabs_[id];
  if (tab.heartbeat_on) return;
  tab.heartbeat_on = true;
  ++tab.heartbeat_epoch;
  context_.schedule(context_.now_us + SimConfig::heartbeat_us,
                    event::HeartbeatTick{id, tab.heartbeat_epoch});
}

void Clients::stop_heartbeat(int id) {
  tabs_[id].heartbeat_on = false;
  ++tabs_[id].heartbeat_epoch;  // its pending tick is cancelled
}

void Clients::settle_heartbeat(int id) {
  const TabClient& tab = tabs_[id];
  if (context_.workload_done() && ((tab.open() && !tab.pong_awaited) || tab.http_only)) {
    stop_heartbeat(id);
  }
}

bool Clients::cancelled(const event::HeartbeatTick& event) const {
  return tabs_[event.tab].heartbeat_epoch != event.epoch;  // stopping bumps the epoch too
}

bool Clients::cancelled(const event::PongDeadline& event) const {
  const TabClient& tab = tabs_[event.tab];
  return !tab.believes_open() || tab.generation != event.generation ||
         tab.pongs > event.pongs_at_ping;
}

void Clients::on(const event::HeartbeatTick& event) {
  TabClient& tab = tabs_[event.tab];
  context_.schedule(context_.now_us + SimConfig::heartbeat_us,
                    event::HeartbeatTick{event.tab, tab.heartbeat_epoch});
  if (context_.now_us < tab.hidden_until_us || tab.loading) return;
  if (tab.socket == TabClient::Socket::connecting) return;
  // A closed socket reconnects even with a ping unanswered (the client tests readyState first).
  if (tab.socket == TabClient::Socket::closed) return reconnect(event.tab, "heartbeat-reconnect");
  if (tab.pong_awaited) return;
  tab.pong_awaited = true;
  tab.ping_sent_us = context_.now_us;
  socket_send(event.tab, "__ping__");
  context_.schedule(context_.now_us + SimConfig::pong_deadline_us,
                    event::PongDeadline{event.tab, tab.generation, tab.pongs});
}

// Reached only without a pong: the client clears the deadline when the pong comes.
void Clients::on(const event::PongDeadline& event) {
  TabClient& tab = tabs_[event.tab];
  tab.pong_awaited = false;
  // A ping on a socket open at both ends, read at once, the server neither stalled since nor
  // refusing it for its rate, has had its pong ten seconds before the deadline.
  const bool healthy = tab.open() && tab.read_us == 0 &&
                       server_->stalled_until_us() < tab.ping_sent_us &&
                       !checker_.ping_refused(event.tab);
  checker_.check_pong_missing(event.tab, healthy);
  // The client tears its page state down and reconnects. On a half-open socket the server
  // hears nothing of it: the old connection lives on as an orphan.
  reconnect(event.tab, "heartbeat-reconnect");
}

// The client applies the reply's tree to what it holds, whatever came on the socket since.
// Only a page held over an open socket is ever checked: any other is replaced whole by the
// next socket's first tree before a check sees it, so only that one is rebuilt here.
void Clients::on(const event::HttpReply& event) {
  TabClient& tab = tabs_[event.tab];
  if (tab.loading || tab.page_loads != event.page_load) return;  // its page is gone
  ++context_.coverage["http-reply"];
  tab.form_busy = false;  // the reply's meta
  if (!tab.open() || !tab.socket_tree_held) return;
  const Json* reply = parsed_frame(event.tab, event.payload);
  if (reply == nullptr) return;
  const Json* tree = reply->find("tree");
  assert(tree && tree->find("s"));  // a full tree: the engine's answer to a JSON action
  tab.held.apply(*tree);
  tab.view_diverged = true;
}

// --- what the tab receives -----------------------------------------------------------------------
void Clients::deliver(int id, ServerEnd::Written&& written) {
  TabClient& tab = tabs_[id];
  const std::uint64_t at = std::max(context_.now_us + context_.latency(tab.network),
                                    tab.to_client_free_us + tab.read_us);
  tab.to_client_free_us = at;
  context_.schedule(at,
                    event::FrameToClient{id, tab.generation, std::move(written.frame),
                                         written.expected.render, std::move(written.expected.view),
                                         std::move(written.expected.answer), written.close_code});
}

void Clients::on(const event::FrameToClient& event) {
  TabClient& tab = tabs_[event.tab];
  if (!tab.open() || tab.generation != event.generation) return;  // its socket is gone
  ++context_.tab_events;
  if (event.close_code != 0) {  // the close frame: the client closes the socket and reconnects
    checker_.check_close_received(event.tab, event.close_code);
    return server_->close_socket(event.tab);
  }
  server_->frame_read(event.tab);
  const Json* parsed_message = parsed_frame(event.tab, event.payload.text());
  if (parsed_message == nullptr) return;  // the client drops it
  const Json& message = *parsed_message;
  if (const Json* pong = message.find("pong"); pong && truthy(*pong)) {  // as the client tests it
    ++context_.coverage["pong"];
    ++tab.pongs;
    tab.pong_awaited = false;
    settle_heartbeat(event.tab);
  }
  if (event.answer) checker_.check_answer(event.tab, message, *event.answer);
  if (const Json* meta = message.find("meta")) {
    const bool answer = meta->find("action") != nullptr;
    if (answer && tab.replies_awaited > 0) --tab.replies_awaited;
    // A peer's update or a new socket's first tree answers no action, yet ends a busy form.
    if (tab.form_busy && !answer) ++context_.coverage["busy-ended-early"];
    tab.form_busy = false;
  }
  if (const Json* tree = message.find("tree")) {
    tab.held.apply(*tree);  // shares the parsed frame with every tab that got the same bytes
    tab.page_ready = tab.socket_tree_held = true;
    if (tree->find("s")) tab.view_diverged = false;  // a full tree replaces the page
    const bool shows_render = tab.held.html_hash() == event.expected_render;
    if (tab.view_diverged && !shows_render) return;  // not the server's page
    tab.view_diverged = false;                       // it shows the server's render again
    checker_.check_frame(event.tab, shows_render, event.expected_view, tab.held);
  }
}

const Json* Clients::parsed_frame(int id, const std::string& payload) {
  if (const auto found = parsed_frames_.find(payload); found != parsed_frames_.end()) {
    return &found->second;
  }
  try {
    Json parsed = parse_json(payload, &items_);
    if (parsed_frames_.size() >= parsed_frames_max) parsed_frames_.clear();
    return &parsed_frames_.emplace(payload, std::move(parsed)).first->second;
  } catch (const std::runtime_error& error) {
    checker_.frame_not_json(id, error.what(), payload);
    return nullptr;
  }
}

// Every keyed range op the tabs applied, by kind.
void Clients::count_range_ops() {
  RangeOpCounts sum;
  for (const TabClient& tab : tabs_) {
    const RangeOpCounts& ops = tab.held.range_ops();
    sum.append += ops.append;
    sum.prepend += ops.prepend;
    sum.remove += ops.remove;
    sum.update += ops.update;
    sum.insert += ops.insert;
    sum.reorder += ops.reorder;
  }
  context_.coverage["range-append"] += sum.append;
  context_.coverage["range-prepend"] += sum.prepend;
  context_.coverage["range-remove"] += sum.remove;
  context_.coverage["range-update"] += sum.update;
  context_.coverage["range-insert"] += sum.insert;
  context_.coverage["range-reorder"] += sum.reorder;
}

}  // namespace lvt::sim::detail
