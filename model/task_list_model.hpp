// The executable specification of the Tasks page (/realtime/tasks): one shared task list per
// session group, changed by the operations below, each with its refusal rules and its result.
// A simulator predicts what a tab shows from it: the group's list as of the tab's last render.
// Consequences stated on purpose:
//  - a refused operation changes nothing and broadcasts nothing; its message is shown on the
//    sender's tab only, until that tab's next operation that is not refused;
//  - an operation that succeeds without changing the list (moving the first task up, clearing
//    when nothing is done, an edit to the same title) broadcasts nothing either;
//  - ids are per group, 1, 2, 3, ... in the order tasks were added, never reused;
//  - an id names a task only while it is in the list: an operation on a task a peer deleted
//    is refused, even when the tab still shows it.
// Standard library only; shares nothing with the engine (its own trimming, its own counting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvt::model {

inline constexpr std::size_t task_title_chars_max = 200;  // code points, after trimming
inline constexpr std::size_t tasks_per_group_max = 100;

struct Task {
  std::uint64_t id = 0;
  std::string title;
  bool done = false;
  bool operator==(const Task&) const = default;
};

enum class TaskOp { add, add_top, edit, toggle, remove, move_up, move_down, clear_done };

// One operation as a tab sends it: the id and title as the text of the form's fields.
struct TaskCommand {
  TaskOp op = TaskOp::add;
  std::string id;     // edit, toggle, remove, move_up, move_down
  std::string title;  // add, add_top, edit
};

enum class TaskOutcome { changed, unchanged, refused };

struct TaskResult {
  TaskOutcome outcome = TaskOutcome::unchanged;
  std::string field;    // refused: the form field the message belongs to
  std::string message;  // refused: what the sender's tab shows
  bool operator==(const TaskResult&) const = default;
};

// The refusal messages, as a tab shows them.
inline constexpr std::string_view task_title_empty_message = "A task needs a title";
inline constexpr std::string_view task_title_long_message =
    "A title must be at most 200 characters";
inline constexpr std::string_view task_list_full_message = "The list holds at most 100 tasks";
inline constexpr std::string_view task_missing_message = "That task no longer exists";

// One group's list.
class TaskList {
 public:
  // Applies `command`: refused (nothing changes), unchanged, or changed.
  TaskResult apply(const TaskCommand& command);
  const std::vector<Task>& tasks() const { return tasks_; }

 private:
  std::optional<std::size_t> index_of(std::string_view id_text) const;

  std::vector<Task> tasks_;  // at most tasks_per_group_max
  std::uint64_t next_id_ = 1;
};

// Every group's list, made empty on first use.
class TaskListModel {
 public:
  TaskResult apply(const std::string& group, const TaskCommand& command);
  // The group's tasks (empty for a group that never changed its list).
  const std::vector<Task>& tasks(const std::string& group) const;

 private:
  std::map<std::string, TaskList> lists_;
};

// The title `raw` stands for once trimmed of ASCII space (space, \t, \n, \v, \f, \r) at its
// ends, or nothing when it is refused (empty, or more than task_title_chars_max code points);
// `refusal` gets the message then.
std::optional<std::string> task_title(std::string_view raw, std::string_view* refusal);

}  // namespace lvt::model
