#include "broadcasting_page.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "limits.hpp"
#include "planted.hpp"
#include "template.hpp"
#include "text.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

using S = BroadcastingState;
using T = Template<S>;

const Template<Message>& message_template() {
  static const Template<Message> item{
      html<Message>("<p data-key=\""),
      value<Message>([](const Message& m) { return std::to_string(m.id); }),
      html<Message>("\"><strong>"),
      value<Message>([](const Message& m) { return m.user; }),
      html<Message>(":</strong> "),
      value<Message>([](const Message& m) { return m.text; }),
      html<Message>("</p>"),
  };
  return item;
}

bool joined(const S& state) {
  return !state.username.empty();
}

tree::Item render_message(const Message& message) {
  return message_template().render(message).slots;
}

void encode_message(Message& message) {
  const tree::Item item = render_message(message);
  wire::append_item(message.item_json, item);
  message.item_html = tree::item_html(*message_template().statics(), item);
  assert(message.item_json.size() <= BroadcastingLimits::item_bytes_max);
}

// What the page demonstrates and what its group is, in one line: the group mode decides who
// a message reaches, and a visitor who does not know it mistakes a group for a bug.
constexpr std::string_view cookie_scope =
    "Each tab keeps its own name; a message reaches the other tabs of this browser at once (one "
    "session group per browser cookie). Another browser or a private window is another group: "
    "it sees new messages when it reloads. Started with --group-mode global, the server puts "
    "every visitor in one group.";
constexpr std::string_view global_scope =
    "Each tab keeps its own name; every visitor is in one group (--group-mode global), so a "
    "message reaches every open tab at once.";

T make_page_template(std::string_view scope) {
  return T{
      html<S>("<main class=\"demo\"><h1>Broadcasting</h1>"
              "<p><a href=\"/\">All demos</a></p><p class=\"scope\">" +
              std::string(scope) + "</p>"),
      when<S>(joined,
              T{html<S>("<p>Posting as <strong>"), value<S>([](const S& s) { return s.username; }),
                html<S>("</strong></p>")},
              // A GET form: without JavaScript, joining puts the name in the tab's URL,
              // where Mount finds it; the client intercepts it like any other form.
              T{html<S>("<form method=\"GET\" autocomplete=\"off\">"
                        "<input name=\"username\" placeholder=\"Your name\" "
                        "aria-label=\"Your name\">"
                        "<button name=\"join\">Join</button>"),
                field_error<S>("username"), html<S>("</form>")}),
      // Everyone sees the log, joined or not: a tab shows its window on its first render, and
      // pages back through what the server kept.
      when<S>([](const S& s) { return s.shown->size() > 0; },
              T{when<S>([](const S& s) { return s.shown->has_older(); },
                        T{html<S>("<form method=\"POST\"><button name=\"older\">Older "
                                  "messages</button></form>")},
                        T{html<S>("")}),
                html<S>("<div id=\"messages\">"), each<S>([](const S& s) {
                  return tree::Range{message_template().statics(), 0, s.shown, s.shown->size()};
                }),
                html<S>("</div>")},
              T{html<S>("<p class=\"empty\">No messages yet.</p>")}),
      when<S>(joined,
              T{html<S>("<form method=\"POST\" autocomplete=\"off\">"
                        "<input name=\"text\" placeholder=\"Message\" "
                        "aria-label=\"Message\">"
                        "<button name=\"send\">Send</button>"),
                field_error<S>("text"), html<S>("</form>")},
              T{html<S>("")}),
      html<S>("</main>"),
  };
}

// The page's templates, one per group mode, for every server in the process (they hold no
// server's data).
const T& page_template(GroupMode group_mode) {
  static const T cookie = make_page_template(cookie_scope);
  static const T global = make_page_template(global_scope);
  return group_mode == GroupMode::global ? global : cookie;
}

std::string too_long(std::string_view what, std::size_t chars_max) {
  return std::string(what) + " must be at most " + std::to_string(chars_max) + " characters";
}

}  // namespace

BroadcastingPage::BroadcastingPage(std::shared_ptr<MessageLog> log, GroupMode group_mode,
                                   BroadcastingLimits limits)
    : PageOf("/realtime/broadcasting", "Broadcasting", /*persists=*/false),
      group_mode_(group_mode),
      limits_(limits),
      log_(std::move(log)) {
  log_->encode_items_with(&encode_message);
  on("join", [this](S& s, ActionContext& c) { join(s, c); });
  on("send", [this](S& s, ActionContext& c) { send(s, c); });
  on("older", [this](S& s, ActionContext&) { older(s); });
  on(
      "NewMessage",
      [this](S& s, ActionContext& c) {
        if (planted(PlantedBug::broadcast_before_append)) {
          const std::size_t newest = log_->snapshot();
          read_log(s, newest > 0 ? newest - 1 : 0);
        } else {
          read_log(s);
        }
        if (planted(PlantedBug::broadcast_from_broadcast)) c.broadcast("NewMessage");
      },
      /*refresh=*/true);
}

void BroadcastingPage::read_log(S& state, std::size_t end_max) const {
  state.shown = log_->window(state.span, &render_message, end_max);
}

bool BroadcastingPage::persists() const {
  return planted(PlantedBug::username_per_group);
}

void BroadcastingPage::restore_state(S& state, const nlohmann::json& persisted) const {
  if (const auto name = persisted.find("Username"); name != persisted.end() && name->is_string()) {
    state.username = name->get<std::string>();  // only with the username-per-group plant
  }
}

void BroadcastingPage::save_state(const S& state, nlohmann::json& persisted) const {
  persisted["Username"] = state.username;
}

void BroadcastingPage::mount_state(S& state, const nlohmann::json& params) const {
  state.span = limits_.window;
  if (!planted(PlantedBug::mount_skips_snapshot)) read_log(state);
  // A name in the URL (the no-JavaScript join form) joins this tab.
  if (const auto name = field_text(params, "username")) {
    const std::string_view trimmed = text::trim_space(*name);
    if (!trimmed.empty() && text::utf8_chars(trimmed) <= limits::username_chars_max) {
      state.username = trimmed;
    }
  }
}

void BroadcastingPage::join(S& state, ActionContext& context) const {
  const std::string raw = context.field("username").value_or("");
  const std::string_view name = text::trim_space(raw);
  if (name.empty()) return;
  if (text::utf8_chars(name) > limits::username_chars_max) {
    context.fail("username", too_long("Username", limits::username_chars_max));
    return;
  }
  state.username = name;
}

void BroadcastingPage::send(S& state, ActionContext& context) const {
  const std::string raw = context.field("text").value_or("");
  const std::string_view message = text::trim_space(raw);
  if (state.username.empty() || message.empty()) return;
  if (text::utf8_chars(message) > limits::message_chars_max) {
    context.fail("text", too_long("Message", limits::message_chars_max));
    return;
  }
  // Stored, then shown: in one process at once; with replicas once the shared store took it.
  context.append_to_log({state.username, std::string(message), "text",
                         [this](PageState& stored) { read_log(static_cast<S&>(stored)); }});
  context.broadcast("NewMessage");
}

// A window more of the older messages the server kept, up to all of them; the tab reads the
// log afresh, so what arrived meanwhile shows too.
void BroadcastingPage::older(S& state) const {
  const std::size_t more = limits_.window - (planted(PlantedBug::older_pages_one_short) ? 1 : 0);
  if (state.span != 0) state.span = std::min(state.span + more, log_->messages_max());
  read_log(state);
}

std::optional<SharedView> BroadcastingPage::shared_view(const PageState& state,
                                                        std::string_view refresh) const {
  if (refresh != replicated_refresh()) return std::nullopt;
  const MessageWindow& shown = *static_cast<const S&>(state).shown;
  // Messages never change once appended, so a window's place in the page's log is all it shows.
  if (planted(PlantedBug::shared_view_ignores_start)) {
    return SharedView{messages_slot, {0, shown.end(), 0}};
  }
  return SharedView{messages_slot, {shown.begin(), shown.end(), shown.has_older()}};
}

std::unique_ptr<PageState> BroadcastingPage::make_state() const {
  auto state = std::make_unique<S>();
  state->shown = log_->window(0, &render_message, 0);  // nothing yet, until Mount reads the log
  return state;
}

tree::Node BroadcastingPage::render_state(const S& state) const {
  assert(state.shown);
  return page_template(group_mode_).render(state);
}

}  // namespace lvt
