#include "reconnection_page.hpp"

#include <limits>

#include "limits.hpp"
#include "template.hpp"
#include "text.hpp"

namespace lvt {
namespace {
using S = ReconnectionState;

// The page's template: one for every server in the process (it holds no server's data).
const Template<S>& page_template() {
  static const Template<S> page{
      html<S>("<main class=\"demo\"><h1>Reconnection</h1>"
              "<p><a href=\"/\">All demos</a></p>"
              "<p>Counter: <strong>"),
      value<S>([](const S& s) { return std::to_string(s.counter); }),
      // The newline after <textarea>: the HTML parser drops one leading newline.
      html<S>("</strong></p>"
              "<form method=\"POST\"><button name=\"increment\">Increment</button></form>"
              "<form method=\"POST\" lvt-form:preserve>"
              "<textarea name=\"notes\" rows=\"4\" aria-label=\"Notes\">\n"),
      value<S>([](const S& s) { return s.notes; }),
      html<S>("</textarea><button name=\"saveNotes\">Save notes</button></form></main>"),
  };
  return page;
}

}  // namespace

ReconnectionPage::ReconnectionPage()
    : PageOf("/realtime/reconnection", "Reconnection", /*persists=*/true) {
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
  return page_template().render(state);
}

}  // namespace lvt
