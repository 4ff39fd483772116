// The checker's judgement of what tabs hold, and the model kept in step with what happened.
#include "checker.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "clients.hpp"
#include "server.hpp"

namespace lvt::sim::detail {
namespace {

// Whether a document is styled as a person sees it: its head has a <style> element holding at
// least one rule ("selector { ... }"). The rules themselves are the page's design, not judged.
bool styled(std::string_view html) {
  const std::size_t head_end = html.find("</head>");
  const std::size_t open = html.find("<style>");
  const std::size_t close = open == std::string_view::npos ? open : html.find("</style>", open);
  if (head_end == std::string_view::npos || close == std::string_view::npos || close > head_end)
    return false;
  const std::string_view rules = html.substr(open + 7, close - open - 7);
  const std::size_t brace = rules.find('{');
  return brace != std::string_view::npos && brace > 0 && rules.find('}', brace) != rules.npos;
}

// Whether a page's answer forbids caching it: it holds one session's state at one moment, which
// a back button must not show again from a cache.
bool uncached(const HttpResponse& response) {
  return std::any_of(response.headers.begin(), response.headers.end(), [](const auto& header) {
    return header.first == "Cache-Control" && header.second == "no-store";
  });
}

// RFC 4648 section 5 with its padding, six bits at a time off an accumulator.
std::string base64url(const std::vector<unsigned char>& bytes) {
  constexpr std::string_view digits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0, held = 0;
  for (const unsigned char byte : bytes) {
    bits = ((bits << 8) | byte) & 0xFFFF;
    held += 8;
    for (; held >= 6; held -= 6) out += digits[(bits >> (held - 6)) & 63];
  }
  if (held > 0) out += digits[(bits << (6 - held)) & 63];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// The task command an action stands for, or nothing for another action.
std::optional<model::TaskCommand> task_command(const ActionTaken& action) {
  const int index = task_action_index(action.name);
  if (index < 0) return std::nullopt;
  return model::TaskCommand{static_cast<model::TaskOp>(index), action.task_id, action.value};
}

// The actions each page has (its buttons' names); any other is answered "unknown action".
bool page_has(model::Page page, std::string_view action) {
  switch (page) {
    case model::Page::broadcasting:
      return action == "join" || action == "send" || action == "older";
    case model::Page::reconnection:
      return action == "increment" || action == "saveNotes";
    case model::Page::tasks:
      return task_action_index(action) >= 0;
  }
  return false;
}

}  // namespace

Checker::Checker(Context& context, Clients& clients)
    : context_(context),
      clients_(clients),
      model_({context.config.group_mode, context.config.dispatch_policy,
              context.config.dispatch_queue_max, context.config.log_messages_max,
              context.config.log_window}),
      rate_limit_(context.config.actions_per_second, context.config.actions_burst) {}

// --- what happened -------------------------------------------------------------------------------
void Checker::server_restarted() {
  model_.restart();
  item_bytes_.clear();
}

void Checker::socket_opened(int tab, int browser, model::Page page) {
  model_.open(tab, browser, page);
  rate_limit_.open(tab, context_.now_us);
}

// An action over the socket, unless the rate limit refused it (then nothing runs).
std::optional<PredictedAnswer> Checker::action_at_socket(int tab, model::Page page,
                                                         const ActionTaken& taken) {
  std::string_view action = taken.name;
  const bool within_rate = rate_limit_.take(tab, context_.now_us);
  if (action == "__ping__") {
    if (within_rate) {
      pings_refused_.erase(tab);
    } else {
      pings_refused_.insert(tab);
    }
  }
  if (!within_rate) {
    ++rate_refusals_;
    ++context_.coverage[action == "__ping__" ? "rate-limited-ping" : "rate-limited"];
    action = {};
  }
  if (action == "join") model_.join(tab, taken.value);
  if (action == "send" && model_.send(tab, taken.value)) count_log_eviction();
  if (action == "increment") model_.increment(tab);
  if (action == "saveNotes") model_.save_notes(tab, taken.value);
  if (action == "__navigate__") model_.navigate(tab, taken.value);
  if (action == "older") model_.older(tab);
  if (const auto command = task_command(taken);
      command && !action.empty() && page == model::Page::tasks) {
    model_.task(tab, *command);
    if (!model_.tab(tab).errors.empty()) ++context_.coverage["task-refused"];
  }
  if (taken.name == "__ping__") return std::nullopt;
  if (!taken.unreadable.empty()) {
    if (within_rate) count_unreadable(taken.unreadable);
    return PredictedAnswer{
        false, {}, true, std::string(within_rate ? taken.unreadable : "rate_limited")};
  }
  if (!within_rate) {
    return PredictedAnswer{false, {{"action", std::string(model::rate_limited_message)}}};
  }
  if (action == "__navigate__") return PredictedAnswer{};  // no action runs: no errors
  if (!page_has(page, action)) {
    ++unknown_actions_;
    return PredictedAnswer{false, {{"action", "unknown action: " + std::string(action)}}};
  }
  const model::FieldErrors& errors = model_.tab(tab).errors;
  return PredictedAnswer{errors.empty(), errors};
}

void Checker::count_unreadable(std::string_view code) {
  ++(code == "invalid_json" ? invalid_json_ : invalid_message_);
}

void Checker::count_log_eviction() {
  if (model_.log().size() > context_.config.log_messages_max) ++context_.coverage["log-evicted"];
}

void Checker::check_answer(int tab, const Json& message, const PredictedAnswer& predicted) {
  ++context_.checks["wire-correct"];
  const Json* meta = message.find("meta");
  if (predicted.envelope) {
    const Json* type = message.find("type");  // {"type":"error","code":...}
    const Json* code = message.find("code");
    const std::string held = meta != nullptr                         ? "a meta"
                             : code == nullptr || !code->is_string() ? "no error code"
                                                                     : "error " + code->text();
    if (meta == nullptr && type != nullptr && type->is_string() && type->text() == "error" &&
        held == "error " + predicted.code) {
      return;
    }
    return context_.fail(
        "wire-correct",
        "tab " + std::to_string(tab) + "'s frame with no action in it was answered otherwise", tab,
        "error " + predicted.code, held);
  }
  const Json* success = meta == nullptr ? nullptr : meta->find("success");
  const Json* errors = meta == nullptr ? nullptr : meta->find("errors");
  std::map<std::string, std::string> held;
  if (errors != nullptr && errors->is_object()) {
    for (const auto& [field, message] : errors->members()) held[field] = message.text();
  }
  const bool same = success != nullptr && success->is_boolean() &&
                    success->boolean() == predicted.success && errors != nullptr &&
                    errors->is_object() && held == predicted.errors;
  if (same) return;
  auto described = [](bool ok, const std::map<std::string, std::string>& fields) {
    std::string out = ok ? "success" : "refused";
    for (const auto& [field, message] : fields) out += ", " + field + ": " + message;
    return out;
  };
  std::string answered = "no meta";
  if (meta != nullptr) {
    answered = success == nullptr || !success->is_boolean() ? "no success"
                                                            : described(success->boolean(), held);
  }
  context_.fail("wire-correct",
                "tab " + std::to_string(tab) + "'s action was answered other than the model says",
                tab, described(predicted.success, predicted.errors), answered);
}

// An action over HTTP (the client's fallback, or a form without JavaScript) runs on a fresh
// state mounted from the URL: only what reaches the group stays.
void Checker::action_over_http(int browser, model::Page page, const ActionTaken& action,
                               std::string_view name) {
  if (!action.unreadable.empty()) return count_unreadable(action.unreadable);
  if (!page_has(page, action.name)) ++unknown_actions_;
  if (page == model::Page::broadcasting && action.name == "send") {
    if (model_.send_http(browser, name, action.value)) count_log_eviction();
  } else if (page == model::Page::reconnection && action.name == "increment") {
    model_.increment_http(browser);
  } else if (page == model::Page::reconnection && action.name == "saveNotes") {
    model_.save_notes_http(browser, action.value);
  } else if (const auto command = task_command(action); command && page == model::Page::tasks) {
    model_.task_http(browser, *command);
  }
}

// --- what tabs hold ------------------------------------------------------------------------------
// What a fresh Mount shows the tab's browser: no error (errors belong to the connection that
// was refused), the whole log, the group's fields and list.
model::View Checker::fresh_mount_view(int tab, int browser, std::string username) const {
  const model::Model::LogWindow window = model_.log_window(model_.config().log_window);
  return model::View{clients_.tabs()[tab].page,
                     std::move(username),
                     window.end,
                     model_.persisted(browser),
                     model_.config().group_mode,
                     {},
                     model_.tasks_of(browser),
                     window.first,
                     window.older};
}

// The page a GET renders shows the whole log (Mount copies it) or the group's fields.
void Checker::check_page_get(int id, const HttpResponse& page, int browser) {
  const std::string_view invariant =
      clients_.tabs()[id].page == model::Page::reconnection ? "persist-restored" : "mount-coherent";
  if (page.status != 200) {
    ++context_.checks[invariant];
    return context_.fail(
        invariant, "tab " + std::to_string(id) + "'s page GET got " + std::to_string(page.status),
        id);
  }
  if (!uncached(page)) {
    ++context_.checks[invariant];
    return context_.fail(invariant, "tab " + std::to_string(id) + "'s page may be cached", id,
                         "Cache-Control: no-store", "none");
  }
  if (!styled(page.body)) {
    ++context_.checks[invariant];
    return context_.fail(invariant, "tab " + std::to_string(id) + "'s page has no style", id,
                         "a <style> with rules in its head", "none");
  }
  if (browser < 0) browser = clients_.tabs()[id].browser;
  judge_view(id, fresh_mount_view(id, browser, ""), page.body, "'s page GET", invariant);
}

// The form POST of a page without JavaScript: 303 back to the page.
void Checker::check_form_post(int tab, const HttpResponse& response, const std::string& target) {
  ++context_.checks["wire-correct"];
  const auto location = std::find_if(response.headers.begin(), response.headers.end(),
                                     [](const auto& header) { return header.first == "Location"; });
  if (response.status != 303 || location == response.headers.end() || location->second != target) {
    context_.fail(
        "wire-correct",
        "tab " + std::to_string(tab) + "'s form POST got " + std::to_string(response.status) +
            " instead of 303 back to " + target,
        tab, "303 See Other, Location: " + target,
        std::to_string(response.status) +
            (location == response.headers.end() ? "" : ", Location: " + location->second));
  }
}

// The site's index, as a visitor follows it: an element <a href="PATH">TITLE</a> for each page,
// each closed before the next opens, and nothing else linked.
void Checker::check_index() {
  const HttpResponse index = server_->get("/");
  const std::string_view body = index.body;
  std::multiset<std::string> links;
  std::string error = index.status != 200 ? "status " + std::to_string(index.status)
                      : !styled(body)     ? "has no style"
                                          : "";
  for (std::size_t at = body.find("<a "); error.empty() && at != std::string_view::npos;
       at = body.find("<a ", at)) {
    const std::size_t href = body.find(" href=\"", at);
    const std::size_t href_end = href == std::string_view::npos ? href : body.find('"', href + 7);
    const std::size_t open_end = body.find('>', at);
    const std::size_t close = body.find("</a>", at);
    const std::size_t next = body.find("<a ", at + 3);
    if (href_end == std::string_view::npos || open_end < href_end ||
        close == std::string_view::npos || close < open_end || close > next ||
        close == open_end + 1) {
      error = "a link not written <a href=\"PATH\">TITLE</a> at byte " + std::to_string(at);
      break;
    }
    links.emplace(body.substr(href + 7, href_end - href - 7));
    at = close;
  }
  const std::multiset<std::string> pages = {
      std::string(broadcasting_path), std::string(reconnection_path), std::string(tasks_path)};
  ++context_.checks["wire-correct"];
  if (error.empty() && links == pages) return;
  std::string held;
  for (const std::string& link : links) held += (held.empty() ? "" : " ") + link;
  context_.fail("wire-correct", "the index page " + (error.empty() ? "links other pages" : error),
                -1, "a link to each page", held);
}

// The JSON GET's full tree, as the client applies it, against a fresh Mount from the URL.
void Checker::check_json_get(int tab, const std::string& name, const HttpResponse& response) {
  const std::string_view invariant = clients_.tabs()[tab].page == model::Page::reconnection
                                         ? "persist-restored"
                                         : "mount-coherent";
  const Json* reply = response.status == 200 ? clients_.parsed_frame(tab, response.body) : nullptr;
  const Json* tree = reply == nullptr ? nullptr : reply->find("tree");
  if (tree == nullptr || tree->find("s") == nullptr || !uncached(response)) {
    ++context_.checks[invariant];
    return context_.fail(invariant,
                         "tab " + std::to_string(tab) + "'s JSON GET got " +
                             std::to_string(response.status) +
                             (uncached(response) ? " without a full tree" : ", cacheable"),
                         tab);
  }
  TreeApplier page;
  page.apply(*tree);
  // Mount joins the name in the URL when it is one a join would take.
  const std::string_view trimmed = model::trimmed(name);
  const bool joins = !trimmed.empty() && model::utf8_chars(trimmed) <= model::username_chars_max;
  judge_view(tab,
             fresh_mount_view(tab, clients_.tabs()[tab].browser,
                              joins ? std::string(trimmed) : std::string()),
             page.html(), "'s JSON GET", invariant);
}

void Checker::check_http_refusal(int tab, std::string_view code, const HttpResponse& response) {
  ++context_.checks["wire-correct"];
  const Json* reply = response.status == 400 ? clients_.parsed_frame(tab, response.body) : nullptr;
  const Json* type = reply == nullptr ? nullptr : reply->find("type");
  const Json* held = reply == nullptr ? nullptr : reply->find("code");
  if (type != nullptr && type->is_string() && type->text() == "error" && held != nullptr &&
      held->is_string() && held->text() == code) {
    return;
  }
  context_.fail("wire-correct",
                "tab " + std::to_string(tab) + "'s unreadable HTTP action was answered " +
                    std::to_string(response.status) + " " + response.body.substr(0, 80),
                tab, "400 error " + std::string(code), std::to_string(response.status));
}

int Checker::browser_of_cookie(int tab, int kind) {
  const int browser = clients_.tabs()[tab].browser;
  switch (cookie_kinds[kind].meaning) {
    case CookieMeaning::own:
      return browser;
    case CookieMeaning::forged:  // one id per browser: its requests share that id's group
      return forged_browser_base + browser;
    case CookieMeaning::new_group:
      break;
  }
  return forged_browser_base + context_.config.browsers + anonymous_browsers_++;
}

void Checker::check_set_cookie(int tab, int kind, const HttpResponse& answer) {
  const bool new_group = model_.config().group_mode == model::GroupMode::cookie &&
                         cookie_kinds[kind].meaning == CookieMeaning::new_group;
  std::string set_cookie;
  for (const auto& [name, value] : answer.headers) {
    if (name == "Set-Cookie") set_cookie = value;
  }
  ++context_.checks["bad-input-contained"];
  // The cookie's value: the 32 random bytes the server drew for it, in base64url with its
  // padding, as protocol.md has it.
  const std::string value = "livetemplate-id=" + base64url(server_->random_drawn_last()) + ";";
  if (new_group ? set_cookie.starts_with(value) : set_cookie.empty()) return;
  context_.fail(
      "bad-input-contained",
      "tab " + std::to_string(tab) + "'s request with the cookie '" + cookie_kinds[kind].name +
          "' was answered " +
          (set_cookie.empty() ? "without a Set-Cookie" : "with Set-Cookie: " + set_cookie),
      tab, new_group ? "Set-Cookie: " + value + " ..." : "no Set-Cookie",
      set_cookie.empty() ? "none" : set_cookie);
}

void Checker::check_foreign_upgrade(int tab, bool accepted, unsigned status) {
  ++context_.checks["bad-input-contained"];
  if (accepted || status != 403) {
    return context_.fail(
        "bad-input-contained",
        "an upgrade with Origin http://evil.example was " +
            (accepted ? std::string("accepted") : "refused with " + std::to_string(status)) +
            " for tab " + std::to_string(tab) + "'s group",
        tab, "refused (403)", accepted ? "accepted" : std::to_string(status));
  }
  ++context_.coverage["foreign-origin-refused"];
}

void Checker::check_script_upgrade(int tab, const ConnectResult& result) {
  ++context_.checks["wire-correct"];
  if (result.connection) return;
  context_.fail("wire-correct",
                "an upgrade without Origin (no browser's) was refused with " +
                    std::to_string(result.refuse_status) + " for tab " + std::to_string(tab) +
                    "'s group",
                tab, "accepted", std::to_string(result.refuse_status));
}

void Checker::check_rebound_upgrade(int tab, const ConnectResult& result) {
  ++context_.checks["bad-input-contained"];
  if (!result.connection && result.refuse_status == 421) return;
  context_.fail("bad-input-contained",
                "an upgrade for host evil.example was " +
                    (result.connection ? std::string("accepted")
                                       : "refused with " + std::to_string(result.refuse_status)) +
                    " for tab " + std::to_string(tab) + "'s group",
                tab, "refused (421)",
                result.connection ? "accepted" : std::to_string(result.refuse_status));
}

void Checker::check_no_set_cookie(int tab, std::string_view what, const HttpResponse& response) {
  ++context_.checks["wire-correct"];
  for (const auto& [name, value] : response.headers) {
    if (name != "Set-Cookie") continue;
    return context_.fail("wire-correct",
                         "tab " + std::to_string(tab) + "'s " + std::string(what) +
                             " with its own cookie was answered with Set-Cookie: " + value,
                         tab, "no Set-Cookie", value);
  }
}

void Checker::check_close(int tab, std::uint16_t code_expected, const Effects& effects) {
  ++context_.checks["bad-input-contained"];
  const std::uint16_t code = effects.close ? effects.close->first : 0;
  if (code == code_expected && effects.frames.empty() && effects.wake.empty()) return;
  const auto spelled = [](std::uint16_t close_code) {
    return close_code == 0 ? std::string("no close") : "close " + std::to_string(close_code);
  };
  context_.fail("bad-input-contained",
                "tab " + std::to_string(tab) + "'s frame was answered with " + spelled(code) +
                    (effects.frames.empty() ? "" : " and frames") +
                    (effects.wake.empty() ? "" : " and broadcasts"),
                tab, spelled(code_expected) + ", nothing else", spelled(code));
}

void Checker::check_close_received(int tab, std::uint16_t code) {
  const std::uint16_t awaited = clients_.tabs()[tab].close_awaited;
  ++context_.checks["bad-input-contained"];
  if (code == awaited) return;
  context_.fail("bad-input-contained",
                "tab " + std::to_string(tab) + " read a close frame with " + std::to_string(code),
                tab, awaited == 0 ? "no close" : "close " + std::to_string(awaited),
                "close " + std::to_string(code));
}

void Checker::check_pageless_upgrade(int tab, const ConnectResult& result) {
  ++context_.checks["bad-input-contained"];
  if (!result.connection && result.refuse_status == 404) return;
  context_.fail(
      "bad-input-contained",
      "tab " + std::to_string(tab) + "'s upgrade at a path with no page was " +
          (result.connection ? "accepted" : "refused with " + std::to_string(result.refuse_status)),
      tab, "refused (404)", result.connection ? "accepted" : std::to_string(result.refuse_status));
}

void Checker::check_refused(int tab, std::string_view what, const HttpResponse& answer,
                            unsigned status) {
  ++context_.checks["bad-input-contained"];
  if (answer.status == status) {
    if (status != 405)
      ++context_.coverage[status == 421 ? "foreign-host-refused" : "foreign-post-refused"];
    return;
  }
  context_.fail("bad-input-contained",
                std::string(what) + " was answered " + std::to_string(answer.status), tab,
                std::to_string(status), std::to_string(answer.status));
}

std::optional<model::View> Checker::view_if_judged(int tab, std::uint64_t frames_made) const {
  if (frames_made >= 2 && frames_made % oracle_frames_every != 0) return std::nullopt;
  return model::view_of(model_.tab(tab), model_.config().group_mode);
}

// A frame applied: the tab must rebuild the server's render, and where the oracle judges the
// frame, show what the model predicted.
void Checker::check_frame(int tab, bool shows_render, const std::optional<model::View>& expected,
                          const TreeApplier& held) {
  ++context_.checks["wire-correct"];
  if (!shows_render) {
    context_.fail(
        "wire-correct",
        "tab " + std::to_string(tab) + " rebuilt HTML that differs from the server's render", tab);
  }
  if (expected) judge_view(tab, *expected, held.html(), "after a frame", "convergence");
}

void Checker::check_pong_missing(int tab, bool healthy) {
  if (!healthy) return;
  ++context_.checks["wire-correct"];
  context_.fail("wire-correct",
                "tab " + std::to_string(tab) + "'s ping on a healthy socket got no pong in " +
                    std::to_string(SimConfig::pong_deadline_us / 1'000'000) + " s",
                tab, "{\"pong\":true}", "nothing");
}

void Checker::frame_not_json(int tab, std::string_view error, std::string_view payload) {
  ++context_.checks["wire-correct"];
  context_.fail(
      "wire-correct",
      "tab " + std::to_string(tab) + " got a frame that is not JSON (" + std::string(error) + ")",
      tab, "a JSON frame", std::string(payload.substr(0, 160)));
}

// The oracle's judgement: the text the tab shows against the text the model's view must show,
// both read by the model's own code. The first difference names the invariant: a wrong name,
// a page short of (or beyond) the predicted messages (`count_invariant`), or messages that are
// not the log's (wrong text, escaping, order).
void Checker::judge_view(int id, const model::View& view, std::string_view html,
                         std::string_view when, std::string_view count_invariant) {
  const bool reconnection = view.page == model::Page::reconnection;
  const bool tasks = view.page == model::Page::tasks;
  ++context_.checks[reconnection ? "persist-restored" : tasks ? count_invariant : "log-prefix"];
  if (view.messages > model_.log().size()) return;  // a frame from before a restart
  const std::vector<std::string> held = model::text_blocks(html);
  if (model::shows(held, view, model_.log())) return;
  const std::vector<std::string> expected = model::expected_blocks(view, model_.log());
  const model::BlockDifference difference = model::first_difference(expected, held);
  // A Tasks tab showing another list than its last render's missed (or gained) a refresh.
  std::string_view invariant = reconnection ? "persist-restored"
                               : tasks      ? count_invariant
                                            : "log-prefix";
  std::string what = "shows other text than the model predicts";
  if (!reconnection && !tasks) {
    model::View named = view;
    for (named.messages = view.first; named.messages <= model_.log().size(); ++named.messages) {
      if (model::shows(held, named, model_.log())) break;
    }
    const std::size_t name_block = 3;  // after the title, the link home and the explanation
    if (named.messages <= model_.log().size()) {
      invariant = count_invariant;
      what = "shows " + std::to_string(named.messages) + " messages, the model says " +
             std::to_string(view.messages);
    } else if (held.size() <= name_block || held[name_block] != expected[name_block]) {
      invariant = "username-per-connection";
      what = "does not show its name as the model predicts ('" + view.username + "')";
    }
  }
  if (invariant != count_invariant && shows_other_errors(held, view)) {
    invariant = "username-per-connection";  // the connection's own state, like its name
    what = view.errors.empty() ? "shows a field error the model does not predict"
                               : "does not show the field error the model predicts";
  }
  ++context_.checks[invariant];
  context_.fail(invariant,
                "tab " + std::to_string(id) + std::string(when == "'s page GET" ? "" : " ") +
                    std::string(when) + " " + what,
                id, difference.expected, difference.held);
}

// Whether `held` is the view's page with other field errors: none where the view has some, or
// one of the page's where it has none.
bool Checker::shows_other_errors(const std::vector<std::string>& held,
                                 const model::View& view) const {
  model::View other = view;
  if (!view.errors.empty()) {
    other.errors.clear();
    return model::shows(held, other, model_.log());
  }
  if (view.page == model::Page::tasks) {  // any refusal's message, where it shows
    for (const std::string_view message :
         {model::task_title_empty_message, model::task_title_long_message,
          model::task_list_full_message, model::task_missing_message}) {
      other.errors = {{"title", std::string(message)}};
      if (model::shows(held, other, model_.log())) return true;
    }
    return false;
  }
  const bool reconnection = view.page == model::Page::reconnection;
  for (const std::string_view field : reconnection
                                          ? std::vector<std::string_view>{"notes"}
                                          : std::vector<std::string_view>{"username", "text"}) {
    other.errors = {{std::string(field), model::too_long_error(field)}};
    if (model::shows(held, other, model_.log())) return true;
  }
  return false;
}

// The HEAD probe: 200, no body, and the header that sends the client to its WebSocket; any
// other answer would leave the tab in HTTP mode, out of step with the model.
void Checker::check_probe(int id, const HttpResponse& answer) {
  ++context_.checks["convergence"];
  bool enabled = false;
  for (const auto& [name, value] : answer.headers) {
    enabled = enabled || (name == websocket_header && value == "enabled");
  }
  if (answer.status != 200 || !answer.body.empty() || !enabled) {
    context_.fail("convergence", "tab " + std::to_string(id) + "'s HEAD probe got " +
                                     std::to_string(answer.status) + " without " +
                                     std::string(websocket_header) + ": enabled");
  }
}

// At quiescence, a tab whose page is not rebuilt: it must show the server's render, and the
// server's state must be the model's.
void Checker::check_by_hash(int id) {
  ++context_.checks["wire-correct"];
  if (!shows_server_render(id)) {
    context_.fail("wire-correct",
                  "tab " + std::to_string(id) + " does not show the server's render");
  }
  check_server_converged(id);
}

bool Checker::shows_server_render(int id) {
  return clients_.tabs()[id].held.html_hash() == server_->render_hash(id);
}

// At quiescence, the server's state of a tab against the model, whatever the tab shows.
void Checker::check_server_converged(int id) {
  const TabClient& tab = clients_.tabs()[id];
  check_tab_state(id, "convergence");
  if (tab.page == model::Page::tasks) {
    // Every broadcast has run: the tab shows its group's list as it is now.
    ++context_.checks["convergence"];
    if (model_.tab(id).tasks != model_.tasks_of(tab.browser)) {
      context_.fail("convergence",
                    "tab " + std::to_string(id) + " shows another list than its group's " +
                        "after quiescence",
                    id);
    }
    return;
  }
  if (tab.page == model::Page::reconnection) return;
  if (model_.stale(id)) {
    ++context_.stale_tabs;
  } else if (window_held(id).end != model_.log().size()) {
    context_.fail("convergence",
                  "tab " + std::to_string(id) + " shows " + std::to_string(window_held(id).end) +
                      " of " + std::to_string(model_.log().size()) + " messages after quiescence");
  }
}

// Once everything drained: what every connected tab shows against the model.
void Checker::check_quiescence() {
  ++context_.checks["convergence"];
  // A socket the server closed heals at the client's next heartbeat tick (or the one after,
  // when the tab was hidden or reconnecting).
  const std::uint64_t bound_us =
      context_.config.quiesce_us_max() +
      (context_.socket_closed_by_server ? 2 * SimConfig::heartbeat_us : 0);
  if (context_.now_us - context_.workload_done_us > bound_us) {
    context_.fail("convergence",
                  "the last tab converged " +
                      std::to_string((context_.now_us - context_.workload_done_us) / 1000) +
                      " ms after the workload ended (bound " + std::to_string(bound_us / 1000) +
                      " ms)");
  }
  check_metrics();
  check_index();
  // Rebuilding a page costs O(log): every tab's when there are few, else an even sample of
  // them; the others are held to the server's render by hash, and the server to the model.
  const std::size_t html_every =
      std::max<std::size_t>(1, clients_.tabs().size() / quiescence_pages_max);
  for (std::size_t id = 0; id < clients_.tabs().size(); ++id) {
    const TabClient& tab = clients_.tabs()[id];
    if (!tab.open()) continue;
    const model::Tab& predicted = model_.tab(static_cast<int>(id));
    ++context_.checks["convergence"];
    if (tab.replies_awaited > 0) {
      context_.fail("convergence", "tab " + std::to_string(id) +
                                       ": an action it sent on its socket got no answer");
    }
    if (tab.form_busy) {
      context_.fail("convergence", "tab " + std::to_string(id) + "'s form stayed busy");
    }
    if (tab.close_awaited != 0) {
      ++context_.checks["bad-input-contained"];
      context_.fail("bad-input-contained",
                    "tab " + std::to_string(id) + "'s socket stayed open after a frame the " +
                        "server may not read",
                    static_cast<int>(id), "close " + std::to_string(tab.close_awaited), "open");
    }
    if (tab.view_diverged && !shows_server_render(static_cast<int>(id))) {
      ++context_.diverged_tabs;  // the protocol's finding: its page is not the server's
      check_server_converged(static_cast<int>(id));
      continue;
    }
    if (id % html_every != 0) {
      check_by_hash(static_cast<int>(id));
      continue;
    }
    judge_view(static_cast<int>(id), model::view_of(predicted, model_.config().group_mode),
               tab.held.html(), "at quiescence", "convergence");
    // And byte for byte what the server renders for its connection (its own HTML writer).
    if (const ServerEnd* end = server_->end_of(static_cast<int>(id))) {
      ++context_.checks["wire-correct"];
      if (tab.held.html() != server_->engine().render_html(*end->connection)) {
        context_.fail("wire-correct",
                      "tab " + std::to_string(id) + "'s HTML is not the server's render of it",
                      static_cast<int>(id));
      }
    }
    check_server_converged(static_cast<int>(id));
  }
}

}  // namespace lvt::sim::detail
