#include "task_list_model.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

namespace lvt::model {
namespace {

bool trimmed_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Code points of valid UTF-8: every byte that is not a continuation byte starts one.
std::size_t code_points(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The id a field's text names: decimal digits that fit 64 bits, nothing else.
std::optional<std::uint64_t> parse_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t id = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (id > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    id = id * 10 + digit;
  }
  return id;
}

TaskResult refused(std::string field, std::string_view message) {
  return {TaskOutcome::refused, std::move(field), std::string(message)};
}

TaskResult changed() {
  return {TaskOutcome::changed, {}, {}};
}

TaskResult unchanged() {
  return {TaskOutcome::unchanged, {}, {}};
}

}  // namespace

std::optional<std::string> task_title(std::string_view raw, std::string_view* refusal) {
  while (!raw.empty() && trimmed_space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && trimmed_space(raw.back())) raw.remove_suffix(1);
  std::string_view why;
  if (raw.empty()) {
    why = task_title_empty_message;
  } else if (code_points(raw) > task_title_chars_max) {
    why = task_title_long_message;
  }
  if (why.empty()) return std::string(raw);
  if (refusal != nullptr) *refusal = why;
  return std::nullopt;
}

std::optional<std::size_t> TaskList::index_of(std::string_view id_text) const {
  const auto id = parse_id(id_text);
  if (!id) return std::nullopt;
  const auto found =
      std::find_if(tasks_.begin(), tasks_.end(), [&](const Task& t) { return t.id == *id; });
  if (found == tasks_.end()) return std::nullopt;
  return static_cast<std::size_t>(found - tasks_.begin());
}

TaskResult TaskList::apply(const TaskCommand& command) {
  std::string_view refusal;
  switch (command.op) {
    case TaskOp::add:
    case TaskOp::add_top: {
      // The title is judged first: a bad title is refused as such even on a full list.
      auto title = task_title(command.title, &refusal);
      if (!title) return refused("title", refusal);
      if (tasks_.size() >= tasks_per_group_max) return refused("title", task_list_full_message);
      Task task{next_id_++, std::move(*title), false};
      const auto at = command.op == TaskOp::add ? tasks_.end() : tasks_.begin();
      tasks_.insert(at, std::move(task));
      return changed();
    }
    case TaskOp::clear_done: {
      const auto removed = std::erase_if(tasks_, [](const Task& t) { return t.done; });
      return removed > 0 ? changed() : unchanged();
    }
    default:
      break;
  }
  // The rest name a task, which must be in the list now.
  const auto index = index_of(command.id);
  if (!index) return refused("id", task_missing_message);
  Task& task = tasks_[*index];
  switch (command.op) {
    case TaskOp::edit: {
      auto title = task_title(command.title, &refusal);
      if (!title) return refused("title", refusal);
      if (*title == task.title) return unchanged();
      task.title = std::move(*title);
      return changed();
    }
    case TaskOp::toggle:
      task.done = !task.done;
      return changed();
    case TaskOp::remove:
      tasks_.erase(tasks_.begin() + static_cast<std::ptrdiff_t>(*index));
      return changed();
    case TaskOp::move_up:
      if (*index == 0) return unchanged();
      std::swap(tasks_[*index], tasks_[*index - 1]);
      return changed();
    case TaskOp::move_down:
      if (*index + 1 == tasks_.size()) return unchanged();
      std::swap(tasks_[*index], tasks_[*index + 1]);
      return changed();
    default:
      assert(false && "handled above");
      return unchanged();
  }
}

TaskResult TaskListModel::apply(const std::string& group, const TaskCommand& command) {
  return lists_[group].apply(command);
}

const std::vector<Task>& TaskListModel::tasks(const std::string& group) const {
  static const std::vector<Task> none;
  const auto found = lists_.find(group);
  return found == lists_.end() ? none : found->second.tasks();
}

}  // namespace lvt::model
