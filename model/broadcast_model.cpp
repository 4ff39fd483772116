#include "broadcast_model.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace lvt::model {

std::string_view trimmed(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t utf8_chars(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::string too_long_error(std::string_view field) {
  if (field == "username") {
    return "Username must be at most " + std::to_string(username_chars_max) + " characters";
  }
  if (field == "text") {
    return "Message must be at most " + std::to_string(message_chars_max) + " characters";
  }
  assert(field == "notes");
  return "Notes must be at most " + std::to_string(notes_chars_max) + " characters";
}

void Model::open(TabId id, BrowserId browser, Page page) {
  Tab& tab = tabs_[id];
  assert(!tab.connected);
  tab = Tab{};
  tab.browser = browser;
  tab.page = page;
  tab.connected = true;
  tab.span = config_.log_window;
  read_log(tab);
  tab.fields = persisted(browser);
  tab.tasks = tasks_of(browser);
}

Model::LogWindow Model::log_window(std::size_t span) const {
  const std::size_t kept = std::min(log_.size(), config_.log_messages_max);
  const std::size_t shown = span == 0 ? kept : std::min(span, kept);
  return {log_.size() - shown, log_.size(), span != 0 && shown < kept};
}

void Model::read_log(Tab& tab) const {
  const LogWindow window = log_window(tab.span);
  tab.first = window.first;
  tab.messages = window.end;
  tab.older = window.older;
}

void Model::older(TabId id) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.page != Page::broadcasting) return;
  tab.errors.clear();  // an action that succeeds
  if (tab.span != 0) tab.span = std::min(tab.span + config_.log_window, config_.log_messages_max);
  read_log(tab);
}

Persisted Model::persisted(BrowserId browser) const {
  const auto found = persisted_by_group_.find(group_of(browser));
  return found == persisted_by_group_.end() ? Persisted{} : found->second;
}

void Model::increment(TabId id) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.page != Page::reconnection) return;
  tab.errors.clear();
  ++tab.fields.counter;
  persisted_by_group_[group_of(tab.browser)] = tab.fields;
}

void Model::save_notes(TabId id, std::string_view notes) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.page != Page::reconnection) return;
  if (utf8_chars(notes) > notes_chars_max) {
    tab.errors = {{"notes", too_long_error("notes")}};
    return;
  }
  tab.errors.clear();
  tab.fields.notes = notes;  // verbatim
  persisted_by_group_[group_of(tab.browser)] = tab.fields;
}

void Model::increment_http(BrowserId browser) {
  Persisted fields = persisted(browser);
  ++fields.counter;
  persisted_by_group_[group_of(browser)] = fields;
}

void Model::save_notes_http(BrowserId browser, std::string_view notes) {
  if (utf8_chars(notes) > notes_chars_max) return;
  Persisted fields = persisted(browser);
  fields.notes = notes;
  persisted_by_group_[group_of(browser)] = fields;
}

void Model::orphan(TabId id, TabId orphan) {
  assert(!tabs_.contains(orphan) || !tabs_.at(orphan).connected);
  tabs_[orphan] = tabs_.at(id);
  tabs_.at(id).connected = false;
  tabs_.at(id).waiting = 0;
}

void Model::close(TabId id) {
  Tab& tab = tabs_.at(id);
  tab.connected = false;
  tab.waiting = 0;
}

void Model::join(TabId id, std::string_view name) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.page != Page::broadcasting) return;
  const std::string_view clean = trimmed(name);
  if (utf8_chars(clean) > username_chars_max) {
    tab.errors = {{"username", too_long_error("username")}};
    return;
  }
  tab.errors.clear();  // an empty name is a no-op, and a success
  if (!clean.empty()) tab.username = clean;
}

bool Model::send(TabId id, std::string_view text) {
  Tab& sender = tabs_.at(id);
  if (!sender.connected || sender.page != Page::broadcasting) return false;
  // Refused only when it would be sent: without a name or text it is a no-op, and a success.
  if (!sender.username.empty() && !trimmed(text).empty() &&
      utf8_chars(trimmed(text)) > message_chars_max) {
    sender.errors = {{"text", too_long_error("text")}};
    return false;
  }
  sender.errors.clear();
  if (!append_and_broadcast(sender.username, text, sender.browser, id)) return false;
  read_log(sender);
  return true;
}

bool Model::send_http(BrowserId browser, std::string_view name, std::string_view text) {
  const std::string_view clean_name = trimmed(name);
  const std::string user =
      utf8_chars(clean_name) <= username_chars_max ? std::string(clean_name) : std::string();
  return append_and_broadcast(user, text, browser, /*except=*/-1);
}

bool Model::append_and_broadcast(const std::string& user, std::string_view text, BrowserId browser,
                                 TabId except) {
  const std::string_view clean = trimmed(text);
  if (user.empty() || clean.empty() || utf8_chars(clean) > message_chars_max) return false;
  log_.push_back({log_.size() + 1, user, std::string(clean)});
  broadcast(Page::broadcasting, browser, except);  // NewMessage
  return true;
}

bool Model::task(TabId id, const TaskCommand& command) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.page != Page::tasks) return false;
  const std::string group = std::to_string(group_of(tab.browser));
  const TaskResult result = task_lists_.apply(group, command);
  if (result.outcome == TaskOutcome::refused) {
    tab.errors = {{result.field, result.message}};
  } else {
    tab.errors.clear();  // an operation that changes nothing is a success too
  }
  tab.tasks = task_lists_.tasks(group);
  if (result.outcome != TaskOutcome::changed) return false;
  broadcast(Page::tasks, tab.browser, id);  // TasksChanged
  return true;
}

bool Model::task_http(BrowserId browser, const TaskCommand& command) {
  const TaskResult result = task_lists_.apply(std::to_string(group_of(browser)), command);
  if (result.outcome != TaskOutcome::changed) return false;
  broadcast(Page::tasks, browser, /*except=*/-1);
  return true;
}

void Model::broadcast(Page page, BrowserId browser, TabId except) {
  for (auto& [other_id, other] : tabs_) {
    if (other_id == except || !other.connected || other.page != page ||
        group_of(other.browser) != group_of(browser)) {
      continue;
    }
    if (config_.dispatch_policy == DispatchPolicy::coalesce && other.waiting > 0) {
      ++counts_.coalesced;
    } else if (other.waiting >= config_.dispatch_queue_max) {
      ++counts_.dropped;
    } else {
      ++other.waiting;
      ++counts_.queued;
    }
  }
}

void Model::navigate(TabId id, std::string_view name) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected) return;
  switch (tab.page) {
    case Page::broadcasting: {
      tab.span = config_.log_window;  // Mount starts the window afresh
      read_log(tab);
      const std::string_view joined = trimmed(name);
      if (!joined.empty() && utf8_chars(joined) <= username_chars_max) tab.username = joined;
      break;
    }
    case Page::reconnection:
      persisted_by_group_[group_of(tab.browser)] = tab.fields;
      break;
    case Page::tasks:
      tab.tasks = tasks_of(tab.browser);
      break;
  }
}

void Model::deliver(TabId id) {
  Tab& tab = tabs_.at(id);
  if (!tab.connected || tab.waiting == 0) return;
  --tab.waiting;
  ++counts_.delivered;
  if (tab.page == Page::tasks) {
    tab.tasks = tasks_of(tab.browser);  // TasksChanged re-reads the group's list
  } else {
    read_log(tab);  // NewMessage re-reads the log
  }
}

void Model::restart() {
  log_.clear();
  persisted_by_group_.clear();
  task_lists_ = TaskListModel{};
  for (auto& [id, tab] : tabs_) {
    tab.connected = false;
    tab.waiting = 0;
  }
}

bool Model::stale(TabId id) const {
  const Tab& tab = tabs_.at(id);
  return tab.connected && tab.page == Page::broadcasting && tab.waiting == 0 &&
         tab.messages < log_.size();
}

}  // namespace lvt::model
