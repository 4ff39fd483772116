#include "reconnection_page.hpp"

#include <limits>

#include "limits.hpp"
#include "template.hpp"
#include "text.hpp"

namespace lvt {
namespace {
using S = ReconnectionState;

// What the page demonstrates and what its group is, in one line: its fields are kept per
// session group, which the group mode decides.
constexpr std::string_view cookie_scope =
    "Counter and Notes are saved per session group (this browser's cookie) and come back after a "
    "reload or a reconnect; another open tab shows a change when it reloads, and another browser "
    "or a private window has its own. Started with --group-mode global, every visitor shares "
    "one Counter and Notes.";
constexpr std::string_view global_scope =
    "Counter and Notes are saved for the one group every visitor shares (--group-mode global) "
    "and come back after a reload or a reconnect; another open tab shows a change when it "
    "reloads.";

Template<S> make_page_template(std::string_view scope) {
  return Template<S>{
      html<S>("<main class=\"demo\"><h1>Reconnection</h1>"
              "<p><a href=\"/\">All demos</a></p><p class=\"scope\">" +
              std::string(scope) +
              "</p>"
              "<p>Counter: <strong>"),
      value<S>([](const S& s) { return std::to_string(s.counter); }),
      // The newline after <textarea>: the HTML parser drops one leading newline.
      html<S>("</strong></p>"
              "<form method=\"POST\"><button name=\"increment\">Increment</button></form>"
              "<form method=\"POST\" lvt-form:preserve>"
              "<textarea name=\"notes\" rows=\"4\" aria-label=\"Notes\">\n"),
      value<S>([](const S& s) { return s.notes; }),
      html<S>("</textarea><button name=\"saveNotes\">Save notes</button>"),
      field_error<S>("notes"),
      html<S>("</form></main>"),
  };
}

// The page's templates, one per group mode, for every server in the process (they hold no
// server's data).
const Template<S>& page_template(GroupMode group_mode) {
  static const Template<S> cookie = make_page_template(cookie_scope);
  static const Template<S> global = make_page_template(global_scope);
  return group_mode == GroupMode::global ? global : cookie;
}

}  // namespace

ReconnectionPage::ReconnectionPage(GroupMode group_mode)
    : PageOf("/realtime/reconnection", "Reconnection", /*persists=*/true), group_mode_(group_mode) {
  on("increment", [](S& s, ActionContext&) {
    if (s.counter < std::numeric_limits<std::int64_t>::max()) ++s.counter;
  });
  on("saveNotes", [](S& s, ActionContext& c) {
    std::string notes = c.field("notes").value_or("");  // verbatim: no trimming
    if (text::utf8_chars(notes) > limits::notes_chars_max) {
      c.fail("notes",
             "Notes must be at most " + std::to_string(limits::notes_chars_max) + " characters");
      return;
    }
    s.notes = std::move(notes);
  });
}

void ReconnectionPage::restore_state(S& state, const nlohmann::json& persisted) const {
  if (const auto counter = persisted.find("Counter");
      counter != persisted.end() && counter->is_number_integer()) {
    state.counter = counter->get<std::int64_t>();
  }
  if (const auto notes = persisted.find("Notes"); notes != persisted.end() && notes->is_string()) {
    state.notes = notes->get<std::string>();
  }
}

void ReconnectionPage::save_state(const S& state, nlohmann::json& persisted) const {
  persisted["Counter"] = state.counter;
  persisted["Notes"] = state.notes;
}

tree::Node ReconnectionPage::render_state(const S& state) const {
  return page_template(group_mode_).render(state);
}

}  // namespace lvt
