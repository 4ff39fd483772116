// The engine's render of the Tasks page, read as a person reads it (the model's text_blocks),
// is what the model says a tab showing that list must show; and the page refuses what the
// model refuses, with the model's words.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "page_text.hpp"
#include "task_list_model.hpp"
#include "task_list_text.hpp"
#include "test_engine.hpp"

namespace lvt {
namespace {

using model::TaskCommand;
using model::TaskOp;
using model::TaskOutcome;
using testing::parse;

const std::string tasks_path = "/realtime/tasks";

// Drives one tab and the model side by side.
struct Tab {
  testing::TestEngine t;
  std::shared_ptr<Connection> c = t.connect(testing::cookie_for(3), tasks_path);
  model::TaskList list;
  std::string error;  // the model's: the last refusal, until an action that is not refused

  static const char* action_of(TaskOp op) {
    switch (op) {
      case TaskOp::add:
        return "add";
      case TaskOp::add_top:
        return "addTop";
      case TaskOp::edit:
        return "edit";
      case TaskOp::toggle:
        return "toggle";
      case TaskOp::remove:
        return "delete";
      case TaskOp::move_up:
        return "moveUp";
      case TaskOp::move_down:
        return "moveDown";
      case TaskOp::clear_done:
        return "clearDone";
    }
    return "";
  }

  void run(const TaskCommand& command) {
    const model::TaskResult expected = list.apply(command);
    error = expected.outcome == TaskOutcome::refused ? expected.message : "";
    t.clock->now_us += 100'000;  // under the rate limit however long the test runs
    nlohmann::json data = {{"title", command.title}};
    if (!command.id.empty()) data["id"] = command.id;
    const Effects effects = t.act(*c, action_of(command.op), data);
    ASSERT_EQ(effects.frames.size(), 1u);
    const auto meta = parse(effects.frames[0])["meta"];
    EXPECT_EQ(meta["success"].get<bool>(), expected.outcome != TaskOutcome::refused)
        << effects.frames[0];
    if (expected.outcome == TaskOutcome::refused) {
      EXPECT_EQ(meta["errors"], (nlohmann::json{{expected.field, expected.message}}));
    }
    EXPECT_EQ(effects.frames.size(), 1u);
    check();
  }

  void check() const {
    const std::vector<std::string> held = model::text_blocks(t.engine->render_html(*c));
    EXPECT_EQ(held, model::expected_task_blocks(list.tasks(), error));
    // The simulator's oracle judges a Tasks tab through its View: the same blocks, with the
    // refusal as the tab's one field error (whatever its field) and no explanation line.
    model::View view;
    view.page = model::Page::tasks;
    view.tasks = list.tasks();
    if (!error.empty()) view.errors = {{"id", error}};
    EXPECT_TRUE(model::shows(held, view, {}));
    EXPECT_EQ(model::expected_blocks(view, {}), held);
  }
};

TEST(TaskListText, AnEmptyListSaysSo) {
  Tab tab;
  tab.check();
  EXPECT_EQ(model::text_blocks(tab.t.engine->render_html(*tab.c)),
            (std::vector<std::string>{"Tasks", "All demos", "Add", "Add to top", "No tasks yet."}));
}

TEST(TaskListText, TitlesShowAsTypedWithHtmlSpecialsAndEmoji) {
  Tab tab;
  for (const std::string title :
       {"<script>alert(1)</script>", "  Tom & Jerry's \"cheese\"  ", "{{.Secret}}", "😀 party 🎉",
        "&amp; stays &amp;", "日本語", "a\tb", "</li><li>fake"}) {
    tab.run({TaskOp::add, "", title});
  }
  tab.run({TaskOp::add_top, "", "top ✓"});
  tab.run({TaskOp::toggle, "2", ""});
  tab.run({TaskOp::edit, "3", " {{ renamed }} <b>x</b> "});
  tab.run({TaskOp::move_down, "9", ""});
  tab.run({TaskOp::remove, "1", ""});
  EXPECT_EQ(tab.list.tasks().size(), 8u);
}

TEST(TaskListText, ARefusalShowsTheModelsMessageUntilTheNextGoodAction) {
  Tab tab;
  tab.run({TaskOp::add, "", "   "});
  tab.run({TaskOp::add, "", std::string(200, 'x') + "😀"});
  tab.run({TaskOp::add, "", "fine"});
  tab.run({TaskOp::toggle, "7", ""});
  tab.run({TaskOp::edit, "1", ""});
  tab.run({TaskOp::edit, "x", "y"});
  tab.run({TaskOp::move_up, "1", ""});  // unchanged, not refused: the message goes
  for (int i = 0; i < 100; ++i) tab.run({TaskOp::add_top, "", "t" + std::to_string(i)});
  EXPECT_EQ(tab.list.tasks().size(), model::tasks_per_group_max);
  EXPECT_EQ(tab.error, model::task_list_full_message);
}

TEST(TaskListText, DoneTasksAreMarkedCountedAndCleared) {
  Tab tab;
  for (const char* title : {"a", "b", "c"}) tab.run({TaskOp::add, "", title});
  tab.run({TaskOp::toggle, "1", ""});
  tab.run({TaskOp::toggle, "3", ""});
  EXPECT_EQ(model::text_blocks(tab.t.engine->render_html(*tab.c)).at(4), "2 of 3 done");
  tab.run({TaskOp::clear_done, "", ""});
  tab.run({TaskOp::clear_done, "", ""});
  tab.run({TaskOp::remove, "2", ""});
  EXPECT_TRUE(tab.list.tasks().empty());
}

}  // namespace
}  // namespace lvt
