// What a tab showing the Tasks page must read, in the block format of page_text.hpp's
// text_blocks(): written from the model alone, so the engine's render is judged, not copied.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "task_list_model.hpp"

namespace lvt::model {

// The blocks of a Tasks page showing `tasks`, with `error` the refusal message the tab shows
// (empty when none): title, link, the add form's buttons, the error, then either the
// empty-state line or the summary, each task (its mark and title, then its buttons) and the
// clear button.
std::vector<std::string> expected_task_blocks(const std::vector<Task>& tasks,
                                              std::string_view error = {});

}  // namespace lvt::model
