#include "task_list_text.hpp"

#include <algorithm>

namespace lvt::model {

std::vector<std::string> expected_task_blocks(const std::vector<Task>& tasks,
                                              std::string_view error) {
  std::vector<std::string> blocks = {"Tasks", "All demos", "Add", "Add to top"};
  if (!error.empty()) blocks.emplace_back(error);
  if (tasks.empty()) {
    blocks.emplace_back("No tasks yet.");
    return blocks;
  }
  const auto done = std::count_if(tasks.begin(), tasks.end(), [](const Task& t) { return t.done; });
  blocks.push_back(std::to_string(done) + " of " + std::to_string(tasks.size()) + " done");
  for (const Task& task : tasks) {
    // A title is trimmed when stored, so the block's own trimming never cuts into it.
    blocks.push_back((task.done ? "[x] " : "[ ] ") + task.title);
    for (const char* button : {"Save", task.done ? "Undo" : "Done", "Up", "Down", "Delete"}) {
      blocks.emplace_back(button);
    }
  }
  blocks.emplace_back("Clear done");
  return blocks;
}

}  // namespace lvt::model
