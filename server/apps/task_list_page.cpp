#include "task_list_page.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <optional>
#include <utility>

#include "planted.hpp"
#include "template.hpp"
#include "text.hpp"

namespace lvt {
namespace {

using S = TaskListState;
using T = Template<S>;
using Change = TaskStore::Change;

// The refusal messages (the model has its own copies: the text test compares them).
constexpr std::string_view title_empty = "A task needs a title";
constexpr std::string_view title_long = "A title must be at most 200 characters";
constexpr std::string_view list_full = "The list holds at most 100 tasks";
constexpr std::string_view task_missing = "That task no longer exists";

// One task as a range item; slot 0, its id, is the key. Each form carries the id in a hidden
// field, so a plain form POST names the task as the client's JSON does.
const Template<Task>& task_template() {
  static const Template<Task> item{
      html<Task>("<li data-key=\""),
      value<Task>([](const Task& t) { return std::to_string(t.id); }),
      html<Task>("\" class=\""),
      value<Task>([](const Task& t) { return t.done ? "done" : "open"; }),
      html<Task>("\"><span class=\"mark\">"),
      value<Task>([](const Task& t) { return t.done ? "[x]" : "[ ]"; }),
      html<Task>("</span> <span class=\"title\">"),
      value<Task>([](const Task& t) { return t.title; }),
      html<Task>("</span><form method=\"POST\" autocomplete=\"off\">"
                 "<input type=\"hidden\" name=\"id\" value=\""),
      value<Task>([](const Task& t) { return std::to_string(t.id); }),
      html<Task>("\"><input name=\"title\" aria-label=\"Title\" value=\""),
      value<Task>([](const Task& t) { return t.title; }),
      html<Task>("\"><button name=\"edit\">Save</button><button name=\"toggle\">"),
      value<Task>([](const Task& t) { return t.done ? "Undo" : "Done"; }),
      html<Task>("</button><button name=\"moveUp\">Up</button>"
                 "<button name=\"moveDown\">Down</button>"
                 "<button name=\"delete\">Delete</button></form></li>"),
  };
  return item;
}

const T& page_template() {
  static const T page{
      html<S>("<main class=\"demo\"><h1>Tasks</h1><p><a href=\"/\">All demos</a></p>"
              "<form method=\"POST\" autocomplete=\"off\">"
              "<input id=\"new-title\" name=\"title\" placeholder=\"New task\" "
              "aria-label=\"New task\">"
              "<button name=\"add\">Add</button><button name=\"addTop\">Add to top</button>"
              "</form>"),
      when<S>([](const S& s) { return !s.error.empty(); },
              T{html<S>("<p class=\"error\" role=\"alert\">"),
                value<S>([](const S& s) { return s.error; }), html<S>("</p>")},
              T{html<S>("")}),
      when<S>(
          [](const S& s) { return !s.tasks->tasks().empty(); },
          T{html<S>("<p class=\"summary\">"), value<S>([](const S& s) {
              const auto& tasks = s.tasks->tasks();
              const auto done =
                  std::count_if(tasks.begin(), tasks.end(), [](const Task& t) { return t.done; });
              return std::to_string(done) + " of " + std::to_string(tasks.size()) + " done";
            }),
            html<S>("</p><ul id=\"tasks\">"), each<S>([](const S& s) {
              return tree::Range{task_template().statics(), 0, s.tasks, s.tasks->tasks().size()};
            }),
            html<S>("</ul><form method=\"POST\">"
                    "<button name=\"clearDone\">Clear done</button></form>")},
          T{html<S>("<p class=\"empty\">No tasks yet.</p>")}),
      html<S>("</main>"),
  };
  return page;
}

// The title a field holds once trimmed, or a refusal on `context` under "title".
std::optional<std::string> valid_title(ActionContext& context) {
  const std::string raw = context.field("title").value_or("");
  const std::string_view title = text::trim_space(raw);
  if (title.empty()) {
    context.fail("title", std::string(title_empty));
    return std::nullopt;
  }
  if (text::utf8_chars(title) > task_title_chars_max) {
    context.fail("title", std::string(title_long));
    return std::nullopt;
  }
  return std::string(title);
}

// The task the action names (field `id`, or a button's `value`), as its index in `list`, or a
// refusal on `context` under "id".
std::optional<std::size_t> named_task(const TaskStore::List& list, ActionContext& context) {
  auto text = context.field("id");
  if (!text) text = context.field("value");
  std::uint64_t id = 0;
  if (text) {
    const char* end = text->data() + text->size();
    const auto [stop, error] = std::from_chars(text->data(), end, id);
    if (error != std::errc{} || stop != end) id = 0;  // 0 names no task
  }
  const auto found = std::find_if(list.tasks.begin(), list.tasks.end(),
                                  [id](const Task& t) { return t.id == id; });
  if (id == 0 || found == list.tasks.end()) {
    context.fail("id", std::string(task_missing));
    return std::nullopt;
  }
  return static_cast<std::size_t>(found - list.tasks.begin());
}

Change add_task(TaskStore::List& list, ActionContext& context, bool at_top) {
  auto title = valid_title(context);
  if (!title) return Change::refused;
  if (list.tasks.size() >= tasks_per_group_max) {
    context.fail("title", std::string(list_full));
    return Change::refused;
  }
  Task task{list.next_task_id++, std::move(*title), false};
  list.tasks.insert(at_top ? list.tasks.begin() : list.tasks.end(), std::move(task));
  return Change::changed;
}

// Swaps the named task with its neighbour `step` away (-1 up, +1 down), when there is one.
enum class Direction { up, down };

Change move_task(TaskStore::List& list, ActionContext& context, Direction direction) {
  const auto index = named_task(list, context);
  if (!index) return Change::refused;
  const std::size_t below = planted(PlantedBug::task_move_off_by_one) ? 2 : 1;
  const bool up = direction == Direction::up;
  const bool at_edge = up ? *index == 0 : *index + below >= list.tasks.size();
  if (at_edge) return Change::unchanged;
  std::swap(list.tasks[*index], list.tasks[up ? *index - 1 : *index + 1]);
  return Change::changed;
}

}  // namespace

TaskSnapshot::TaskSnapshot(std::vector<Task> tasks) : tasks_(std::move(tasks)) {
  assert(tasks_.size() <= tasks_per_group_max);
}

tree::Item TaskSnapshot::item(std::size_t index) const {
  return task_template().render(tasks_.at(index)).slots;
}

std::string TaskSnapshot::key(std::size_t index) const {
  return std::to_string(tasks_.at(index).id);
}

TaskStore::TaskStore(std::size_t lists_max)
    : lists_max_(lists_max), empty_(std::make_shared<const TaskSnapshot>(std::vector<Task>{})) {
  assert(lists_max_ > 0);
}

TaskStore::Entry& TaskStore::entry_locked(ListId id) {
  assert(id != 0);
  auto [slot, inserted] = lists_.try_emplace(id, Entry{{}, empty_});
  if (inserted) {
    creation_order_.push_back(id);
    if (lists_.size() > lists_max_) {
      const ListId oldest = creation_order_.front();
      creation_order_.pop_front();
      assert(oldest != id);
      lists_.erase(oldest);  // `slot` stays valid: erasing another key moves nothing
    }
  }
  assert(lists_.size() <= lists_max_ && creation_order_.size() == lists_.size());
  return slot->second;
}

TaskStore::ListId TaskStore::create() {
  std::lock_guard lock(mutex_);
  const ListId id = next_id_++;
  entry_locked(id);
  return id;
}

std::shared_ptr<const TaskSnapshot> TaskStore::read(ListId id) const {
  std::lock_guard lock(mutex_);
  const auto found = lists_.find(id);
  return found == lists_.end() ? empty_ : found->second.snapshot;
}

TaskStore::Change TaskStore::change(ListId id, const std::function<Change(List&)>& change) {
  std::lock_guard lock(mutex_);
  Entry& entry = entry_locked(id);
  List copy = entry.list;  // a refusal leaves the list as it was
  const Change result = change(copy);
  if (result == Change::changed) {
    assert(copy.tasks.size() <= tasks_per_group_max);
    entry.snapshot = std::make_shared<const TaskSnapshot>(copy.tasks);
    entry.list = std::move(copy);
  }
  return result;
}

std::size_t TaskStore::lists() const {
  std::lock_guard lock(mutex_);
  return lists_.size();
}

TaskListPage::TaskListPage(std::shared_ptr<TaskStore> store, std::string holder)
    : PageOf("/realtime/tasks", "Tasks", /*persists=*/true),
      store_(std::move(store)),
      holder_(std::move(holder)) {
  assert(store_);
  using L = TaskStore::List;
  using C = ActionContext;
  on("add", [this](S& s, C& c) { run(s, c, [](L& l, C& c) { return add_task(l, c, false); }); });
  on("addTop", [this](S& s, C& c) { run(s, c, [](L& l, C& c) { return add_task(l, c, true); }); });
  on("edit", [this](S& s, C& c) {
    run(s, c, [](L& l, C& c) {
      const auto index = named_task(l, c);
      if (!index) return Change::refused;
      auto title = valid_title(c);
      if (!title) return Change::refused;
      if (*title == l.tasks[*index].title) return Change::unchanged;
      l.tasks[*index].title = std::move(*title);
      return Change::changed;
    });
  });
  on("toggle", [this](S& s, C& c) {
    run(s, c, [](L& l, C& c) {
      const auto index = named_task(l, c);
      if (!index) return Change::refused;
      l.tasks[*index].done = !l.tasks[*index].done;
      return Change::changed;
    });
  });
  on("delete", [this](S& s, C& c) {
    run(s, c, [](L& l, C& c) {
      const auto index = named_task(l, c);
      if (!index) return Change::refused;
      l.tasks.erase(l.tasks.begin() + static_cast<std::ptrdiff_t>(*index));
      return Change::changed;
    });
  });
  on("moveUp",
     [this](S& s, C& c) { run(s, c, [](L& l, C& c) { return move_task(l, c, Direction::up); }); });
  on("moveDown", [this](S& s, C& c) {
    run(s, c, [](L& l, C& c) { return move_task(l, c, Direction::down); });
  });
  on("clearDone", [this](S& s, C& c) {
    run(s, c, [](L& l, C&) {
      return std::erase_if(l.tasks, [](const Task& t) { return t.done; }) > 0 ? Change::changed
                                                                              : Change::unchanged;
    });
  });
  // A peer changed the list: re-read it. Idempotent, so waiting copies may coalesce.
  on(
      "TasksChanged", [this](S& s, C&) { s.tasks = store_->read(s.list); }, /*refresh=*/true);
}

std::unique_ptr<PageState> TaskListPage::make_state() const {
  auto state = std::make_unique<S>();
  state->tasks = store_->read(0);
  return state;
}

namespace {
constexpr std::string_view list_field = "TaskListId";
// With replicas: {instance id: list id}, at most this many (replicas restarted under new ids
// leave entries behind; the store's TTL forgets the rest).
constexpr std::string_view lists_by_replica_field = "TaskListIds";
constexpr std::size_t lists_by_replica_max = 16;
}  // namespace

void TaskListPage::restore_state(S& state, const nlohmann::json& persisted) const {
  const nlohmann::json* held = &persisted;
  std::string_view field = list_field;
  if (!holder_.empty()) {
    const auto lists = persisted.find(lists_by_replica_field);
    if (lists == persisted.end() || !lists->is_object()) return;
    held = &*lists;
    field = holder_;
  }
  if (const auto list = held->find(field); list != held->end() && list->is_number_unsigned()) {
    state.list = list->get<TaskStore::ListId>();
  }
}

void TaskListPage::save_state(const S& state, nlohmann::json& persisted) const {
  if (holder_.empty()) {
    persisted[list_field] = state.list;
    return;
  }
  nlohmann::json& lists = persisted[lists_by_replica_field];
  if (!lists.is_object()) lists = nlohmann::json::object();
  if (!lists.contains(holder_) && lists.size() >= lists_by_replica_max) lists.erase(lists.begin());
  lists[holder_] = state.list;
  assert(lists.size() <= lists_by_replica_max);
}

void TaskListPage::mount_state(S& state, const nlohmann::json&) const {
  if (state.list == 0) state.list = store_->create();  // the group's first Mount
  state.tasks = store_->read(state.list);
}

void TaskListPage::run(
    S& state, ActionContext& context,
    const std::function<Change(TaskStore::List&, ActionContext&)>& change) const {
  assert(state.list != 0);  // Mount ran first
  const Change result =
      store_->change(state.list, [&](TaskStore::List& list) { return change(list, context); });
  assert((result == Change::refused) == context.failed());
  state.error = context.failed() ? context.errors().begin()->second : std::string();
  state.tasks = store_->read(state.list);
  if (result == Change::changed && !planted(PlantedBug::tasks_changed_not_broadcast)) {
    context.broadcast("TasksChanged");
  }
}

tree::Node TaskListPage::render_state(const S& state) const {
  assert(state.tasks);
  return page_template().render(state);
}

}  // namespace lvt
