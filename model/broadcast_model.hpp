// The executable specification of the Broadcasting pattern: a small sequential model that
// predicts, from the events the server saw in order, what every tab must show (its Username and
// how much of the shared log) and which broadcasts wait for it. It is the oracle of the
// simulator. Surprising consequences it states on purpose:
//  - one log is shared by every group, so a tab that opens late in group A shows messages that
//    A's earlier tabs never received by broadcast (they came from other groups);
//  - a tab only learns of a message by broadcast from its own group, or on its next Mount, so a
//    tab in another group stays stale until it reconnects: a finding, not an engine failure;
//  - the server keeps the newest log_messages_max messages and a page shows a window of them: a
//    tab's window slides as messages arrive, and "Older messages" widens it by a window, up to
//    all the server kept (which by then may have moved on: the window starts at the oldest kept);
//  - under `drop` a full queue loses broadcasts, but each NewMessage re-reads the whole log, so
//    the broadcasts still waiting heal the tab; under `coalesce` one waiting refresh suffices;
//  - an action a tab sends over HTTP (its socket connecting or closed) runs on a fresh Mount
//    from the URL: the name the tab joined with over its socket is not there, so its send is
//    refused, while Reconnection's fields still change for the whole group;
//  - a half-open socket the client gave up on stays a connection of the group on the server,
//    taking (and under `drop` losing) broadcasts, until the server's idle timeout closes it;
//  - an action refused for a field (a name, message or notes too long) leaves its error on that
//    connection's page until the connection's next successful action (a no-op counts: an empty
//    send succeeds); a peer's broadcast leaves it, and a reconnect starts without it. Refused over
//    HTTP, the error is in the HTTP reply only: the socket's page, whose connection did not run
//    the action, shows none;
//  - a Tasks tab shows its group's task list as of its last render (its Mount, its own
//    operation, or a TasksChanged it ran); a successful change broadcasts TasksChanged to the
//    group's other Tasks tabs under the same queue rules as NewMessage, and a refused one shows
//    its message on the sender's tab only (as its field error) until its next unrefused one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "task_list_model.hpp"

namespace lvt::model {

enum class GroupMode { cookie, global };
enum class DispatchPolicy { drop, coalesce };

struct ModelConfig {
  GroupMode group_mode = GroupMode::cookie;
  DispatchPolicy dispatch_policy = DispatchPolicy::drop;
  std::size_t dispatch_queue_max = 16;
  // The server keeps the newest log_messages_max messages; a Broadcasting page shows the newest
  // log_window of them (0: all it keeps), and a window more for each "Older messages".
  std::size_t log_messages_max = SIZE_MAX;
  std::size_t log_window = 0;
};

struct Message {
  std::uint64_t id = 0;
  std::string user;
  std::string text;
};

using TabId = int;
using BrowserId = int;

enum class Page { broadcasting, reconnection, tasks };

// The Reconnection page's persisted fields, saved per group after every action and Mount.
struct Persisted {
  std::int64_t counter = 0;
  std::string notes;
  bool operator==(const Persisted&) const = default;
};

// A refused action's errors, by field ("username", "text", "notes"), as the page shows them.
using FieldErrors = std::map<std::string, std::string>;

struct Tab {
  BrowserId browser = 0;
  Page page = Page::broadcasting;
  bool connected = false;
  std::string username;  // per connection: empty after every (re)connect
  // The tab shows log[first, messages): the newest `span` (0: all) of what the server kept when
  // it last read the log, and a button for older ones when the server kept more.
  std::size_t messages = 0;
  std::size_t first = 0;
  std::size_t span = 0;
  bool older = false;
  std::size_t waiting = 0;  // NewMessage broadcasts queued for it
  Persisted fields;         // reconnection: this tab's copy, restored from its group at Mount
  FieldErrors errors;       // per connection: the last refused action's, until a success
  std::vector<Task> tasks;  // tasks: the group's list as of the tab's last render
};

struct Counts {
  std::uint64_t queued = 0, dropped = 0, coalesced = 0, delivered = 0;
};

class Model {
 public:
  explicit Model(ModelConfig config) : config_(config) {}

  // A tab connects (or reconnects): a fresh connection; Mount copies the log (broadcasting) or
  // restores the group's persisted fields (reconnection).
  void open(TabId tab, BrowserId browser, Page page = Page::broadcasting);
  void close(TabId tab);  // its waiting broadcasts go with it
  void join(TabId tab, std::string_view name);
  // Returns whether the send appended (and so broadcast).
  bool send(TabId tab, std::string_view text);
  // A send over HTTP from `browser` (the client's fallback): no connection, so Mount takes the
  // name from the URL and the broadcast reaches every connected tab of the group.
  bool send_http(BrowserId browser, std::string_view name, std::string_view text);
  void deliver(TabId tab);  // one waiting broadcast runs on the tab
  // "Older messages": a window more of what the server kept, and the log read afresh.
  void older(TabId tab);
  // Reconnection: each action changes the tab's copy and saves it for the group (last writer
  // wins; other open tabs keep their copy until they reconnect).
  void increment(TabId tab);
  void save_notes(TabId tab, std::string_view notes);
  // The same over HTTP (the client's fallback while its socket is not open): a fresh state
  // restored from the group, changed, and saved for the group.
  void increment_http(BrowserId browser);
  void save_notes_http(BrowserId browser, std::string_view notes);
  Persisted persisted(BrowserId browser) const;
  // `__navigate__` on an open connection: Mount runs again with the query's data (a name there
  // joins, as in the URL; Broadcasting copies the log again, Tasks reads its group's list) and
  // the tab's persisted fields are saved for its group. No action runs: its errors stay.
  void navigate(TabId tab, std::string_view name);
  // Tasks: the tab's operation on its group's list; the tab re-reads the list whatever the
  // outcome. Returns whether the list changed (and so TasksChanged was broadcast).
  bool task(TabId tab, const TaskCommand& command);
  // The same over HTTP (or a form without JavaScript): a fresh Mount of the group's list, and a
  // broadcast to every connected Tasks tab of the group.
  bool task_http(BrowserId browser, const TaskCommand& command);
  const std::vector<Task>& tasks_of(BrowserId browser) const {
    return task_lists_.tasks(std::to_string(group_of(browser)));
  }
  // The tab's socket went half-open: the client will reconnect, the server does not know, so the
  // old connection lives on (and takes broadcasts) under the id `orphan` until the server cuts
  // or reaps it with close(orphan).
  void orphan(TabId tab, TabId orphan);
  // Everything in memory is gone: the log, the task lists, sessions, every connection.
  void restart();

  const std::vector<Message>& log() const { return log_; }
  // What a page that asks for the newest `span` messages (0: all) shows of the log now: log[first,
  // end), and whether the server kept older ones (the "Older messages" button).
  struct LogWindow {
    std::size_t first = 0, end = 0;
    bool older = false;
  };
  LogWindow log_window(std::size_t span) const;
  const std::map<TabId, Tab>& tabs() const { return tabs_; }
  const Tab& tab(TabId id) const { return tabs_.at(id); }
  const Counts& counts() const { return counts_; }
  const ModelConfig& config() const { return config_; }
  // The group a browser's tabs belong to.
  int group_of(BrowserId browser) const {
    return config_.group_mode == GroupMode::global ? 0 : browser;
  }
  // A connected tab that shows less than the log with no broadcast on its way: it stays so
  // until it reconnects.
  bool stale(TabId id) const;

 private:
  // The tab reads the log as it is now: the newest `span` of the kept messages.
  void read_log(Tab& tab) const;
  bool append_and_broadcast(const std::string& user, std::string_view text, BrowserId browser,
                            TabId except);
  // One refresh broadcast to every other connected tab of `page` in the browser's group.
  void broadcast(Page page, BrowserId browser, TabId except);

  ModelConfig config_;
  std::vector<Message> log_;
  std::map<TabId, Tab> tabs_;
  std::map<int, Persisted> persisted_by_group_;
  TaskListModel task_lists_;  // by group, as text
  Counts counts_;
};

// The trimming and limits the page applies to input (Go's strings.TrimSpace on ASCII space),
// restated here rather than shared: the oracle must not borrow the code it judges.
std::string_view trimmed(std::string_view text);
std::size_t utf8_chars(std::string_view text);
inline constexpr std::size_t username_chars_max = 64;
inline constexpr std::size_t message_chars_max = 2000;
inline constexpr std::size_t notes_chars_max = 10000;
// The error a page shows beside a field whose text is over its limit, restated like the limits.
std::string too_long_error(std::string_view field);  // "username", "text" or "notes"

}  // namespace lvt::model
