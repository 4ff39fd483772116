// The Tasks page's model: each operation's result and refusal rules, on plain lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "task_list_model.hpp"

namespace lvt::model {
namespace {

TaskCommand add(std::string title) {
  return {TaskOp::add, "", std::move(title)};
}
TaskCommand add_top(std::string title) {
  return {TaskOp::add_top, "", std::move(title)};
}
TaskCommand on(TaskOp op, std::string id, std::string title = "") {
  return {op, std::move(id), std::move(title)};
}

const TaskResult changed{TaskOutcome::changed, "", ""};
const TaskResult unchanged{TaskOutcome::unchanged, "", ""};

TaskResult refused(std::string field, std::string_view message) {
  return {TaskOutcome::refused, std::move(field), std::string(message)};
}

std::vector<std::uint64_t> ids(const TaskList& list) {
  std::vector<std::uint64_t> out;
  for (const Task& t : list.tasks()) out.push_back(t.id);
  return out;
}

TEST(TaskListModel, AddTrimsAndNumbersTasksInOrderAtEitherEnd) {
  TaskList list;
  EXPECT_EQ(list.apply(add("  milk \t\n")), changed);
  EXPECT_EQ(list.apply(add_top("eggs")), changed);
  EXPECT_EQ(list.apply(add("bread")), changed);
  EXPECT_EQ(list.tasks(),
            (std::vector<Task>{{2, "eggs", false}, {1, "milk", false}, {3, "bread", false}}));
}

TEST(TaskListModel, ATitleIsOneTo200CodePointsOnceTrimmed) {
  TaskList list;
  EXPECT_EQ(list.apply(add(" \t\r\n\v\f")), refused("title", task_title_empty_message));
  std::string emoji;
  for (int i = 0; i < 200; ++i) emoji += "😀";  // 800 bytes, 200 code points
  EXPECT_EQ(list.apply(add(" " + emoji + " ")), changed);
  EXPECT_EQ(list.apply(add(emoji + "é")), refused("title", task_title_long_message));
  EXPECT_EQ(list.apply(add(std::string(201, 'x'))), refused("title", task_title_long_message));
  // A non-ASCII space is not trimmed: it is the title.
  EXPECT_EQ(list.apply(add("\xC2\xA0")), changed);
  EXPECT_EQ(list.tasks().size(), 2u);
}

TEST(TaskListModel, TheHundredAndFirstTaskIsRefusedButABadTitleSaysSoFirst) {
  TaskList list;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(list.apply(add("t" + std::to_string(i))), changed);
  EXPECT_EQ(list.apply(add("one more")), refused("title", task_list_full_message));
  EXPECT_EQ(list.apply(add_top("one more")), refused("title", task_list_full_message));
  EXPECT_EQ(list.apply(add("")), refused("title", task_title_empty_message));
  EXPECT_EQ(list.apply(on(TaskOp::remove, "100")), changed);
  EXPECT_EQ(list.apply(add("room again")), changed);
  EXPECT_EQ(list.tasks().back(), (Task{101, "room again", false}));  // ids are never reused
}

TEST(TaskListModel, EditToggleAndRemoveNameATaskThatIsThere) {
  TaskList list;
  list.apply(add("a"));
  list.apply(add("b"));
  EXPECT_EQ(list.apply(on(TaskOp::edit, "2", "  B  ")), changed);
  EXPECT_EQ(list.apply(on(TaskOp::edit, "2", "B")), unchanged);
  EXPECT_EQ(list.apply(on(TaskOp::edit, "2", " ")), refused("title", task_title_empty_message));
  EXPECT_EQ(list.apply(on(TaskOp::toggle, "1")), changed);
  EXPECT_EQ(list.tasks(), (std::vector<Task>{{1, "a", true}, {2, "B", false}}));
  EXPECT_EQ(list.apply(on(TaskOp::toggle, "1")), changed);
  EXPECT_FALSE(list.tasks()[0].done);
  for (const std::string bad : {"", "3", "0", "-1", "1.5", " 1", "x", "18446744073709551616"}) {
    EXPECT_EQ(list.apply(on(TaskOp::toggle, bad)), refused("id", task_missing_message)) << bad;
  }
  // The id is judged before the title.
  EXPECT_EQ(list.apply(on(TaskOp::edit, "9", "")), refused("id", task_missing_message));
  EXPECT_EQ(list.apply(on(TaskOp::remove, "1")), changed);
  EXPECT_EQ(list.apply(on(TaskOp::remove, "1")), refused("id", task_missing_message));
  EXPECT_EQ(ids(list), (std::vector<std::uint64_t>{2}));
}

TEST(TaskListModel, MovesSwapWithANeighbourAndDoNothingAtTheEdges) {
  TaskList list;
  for (const char* t : {"a", "b", "c"}) list.apply(add(t));
  EXPECT_EQ(list.apply(on(TaskOp::move_up, "1")), unchanged);
  EXPECT_EQ(list.apply(on(TaskOp::move_down, "3")), unchanged);
  EXPECT_EQ(list.apply(on(TaskOp::move_up, "3")), changed);
  EXPECT_EQ(ids(list), (std::vector<std::uint64_t>{1, 3, 2}));
  EXPECT_EQ(list.apply(on(TaskOp::move_down, "1")), changed);
  EXPECT_EQ(ids(list), (std::vector<std::uint64_t>{3, 1, 2}));
  EXPECT_EQ(list.apply(on(TaskOp::move_down, "7")), refused("id", task_missing_message));
}

TEST(TaskListModel, ClearDoneRemovesEveryDoneTaskAndOnlyThose) {
  TaskList list;
  EXPECT_EQ(list.apply(on(TaskOp::clear_done, "")), unchanged);
  for (const char* t : {"a", "b", "c", "d"}) list.apply(add(t));
  list.apply(on(TaskOp::toggle, "1"));
  list.apply(on(TaskOp::toggle, "3"));
  EXPECT_EQ(list.apply(on(TaskOp::clear_done, "")), changed);
  EXPECT_EQ(ids(list), (std::vector<std::uint64_t>{2, 4}));
  EXPECT_EQ(list.apply(on(TaskOp::clear_done, "")), unchanged);
}

TEST(TaskListModel, EachGroupHasItsOwnListAndIds) {
  TaskListModel model;
  EXPECT_TRUE(model.tasks("a").empty());
  model.apply("a", add("one"));
  model.apply("a", add("two"));
  model.apply("b", add("other"));
  EXPECT_EQ(model.tasks("a").size(), 2u);
  EXPECT_EQ(model.tasks("b"), (std::vector<Task>{{1, "other", false}}));
  EXPECT_EQ(model.apply("b", on(TaskOp::toggle, "2")), refused("id", task_missing_message));
}

}  // namespace
}  // namespace lvt::model
