// The model's own semantics, including the surprising ones it states on purpose.
#include <gtest/gtest.h>

#include "broadcast_model.hpp"
#include "rate_limit_model.hpp"

namespace lvt::model {
namespace {

TEST(Model, ABroadcastReachesTheOtherTabsOfTheGroupOnly) {
  Model m({GroupMode::cookie, DispatchPolicy::drop, 16});
  m.open(1, 0);
  m.open(2, 0);
  m.open(3, 1);
  m.join(1, " Alice ");
  EXPECT_EQ(m.tab(1).username, "Alice");
  EXPECT_TRUE(m.send(1, "hi"));
  EXPECT_EQ(m.tab(1).waiting, 0u);  // never the sender
  EXPECT_EQ(m.tab(2).waiting, 1u);
  EXPECT_EQ(m.tab(3).waiting, 0u);  // another browser
  m.deliver(2);
  EXPECT_EQ(m.tab(2).messages, 1u);
}

TEST(Model, ATabInAnotherGroupStaysStaleUntilItsNextMount) {
  Model m({GroupMode::cookie, DispatchPolicy::coalesce, 16});
  m.open(1, 0);
  m.open(2, 1);
  m.join(1, "Alice");
  m.send(1, "hi");
  EXPECT_TRUE(m.stale(2));
  m.close(2);
  m.open(2, 1);
  EXPECT_FALSE(m.stale(2));
  EXPECT_EQ(m.tab(2).messages, 1u);
}

TEST(Model, DropLosesBroadcastsButTheWaitingOnesHeal) {
  Model m({GroupMode::global, DispatchPolicy::drop, 2});
  m.open(1, 0);
  m.open(2, 1);
  m.join(1, "A");
  for (int i = 0; i < 5; ++i) m.send(1, "m");
  EXPECT_EQ(m.tab(2).waiting, 2u);
  EXPECT_EQ(m.counts().dropped, 3u);
  m.deliver(2);
  EXPECT_EQ(m.tab(2).messages, 5u);
}

TEST(Model, CoalesceKeepsOneWaitingRefresh) {
  Model m({GroupMode::global, DispatchPolicy::coalesce, 16});
  m.open(1, 0);
  m.open(2, 0);
  m.join(1, "A");
  for (int i = 0; i < 5; ++i) m.send(1, "m");
  EXPECT_EQ(m.tab(2).waiting, 1u);
  EXPECT_EQ(m.counts().coalesced, 4u);
}

TEST(Model, InputRulesMatchThePage) {
  Model m({});
  m.open(1, 0);
  EXPECT_FALSE(m.send(1, "before joining"));
  m.join(1, "   ");
  EXPECT_EQ(m.tab(1).username, "");
  m.join(1, std::string(65, 'x'));
  EXPECT_EQ(m.tab(1).username, "");
  m.join(1, "A");
  EXPECT_FALSE(m.send(1, "  \t"));
  EXPECT_FALSE(m.send(1, std::string(2001, 'x')));
  EXPECT_TRUE(m.send(1, " x "));
  EXPECT_EQ(m.log().back().text, "x");
  m.restart();
  EXPECT_TRUE(m.log().empty());
  EXPECT_FALSE(m.tab(1).connected);
}

}  // namespace
}  // namespace lvt::model

namespace lvt::model {
namespace {

TEST(Model, PersistedFieldsAreRestoredPerGroupLastWriterWins) {
  Model m({GroupMode::cookie, DispatchPolicy::drop, 16});
  m.open(1, 0, Page::reconnection);
  m.open(2, 0, Page::reconnection);
  m.open(3, 1, Page::reconnection);
  m.increment(1);
  m.increment(1);
  m.save_notes(2, " mine ");  // tab 2 still holds Counter 0: its save writes 0 back
  EXPECT_EQ(m.tab(1).fields.counter, 2);
  EXPECT_EQ(m.persisted(0), (Persisted{0, " mine "}));
  EXPECT_EQ(m.persisted(1), Persisted{});  // another browser
  m.close(1);
  m.open(1, 0, Page::reconnection);
  EXPECT_EQ(m.tab(1).fields, (Persisted{0, " mine "}));
  m.join(1, "Alice");  // not an action of this page
  EXPECT_EQ(m.tab(1).username, "");
}

TEST(Model, AnHttpActionChangesTheGroupsFieldsNotAnOpenTabsCopy) {
  Model m({GroupMode::cookie, DispatchPolicy::drop, 16});
  m.open(1, 0, Page::reconnection);
  m.increment(1);
  m.increment_http(0);
  m.save_notes_http(0, "  kept verbatim ");
  EXPECT_EQ(m.persisted(0), (Persisted{2, "  kept verbatim "}));
  EXPECT_EQ(m.tab(1).fields.counter, 1);   // until it reconnects
  EXPECT_EQ(m.persisted(1), Persisted{});  // another browser's group
  m.save_notes_http(0, std::string(notes_chars_max + 1, 'n'));
  EXPECT_EQ(m.persisted(0).notes, "  kept verbatim ");
}

TEST(Model, AnOrphanedSocketStillTakesBroadcastsUntilItCloses) {
  Model m({GroupMode::global, DispatchPolicy::drop, 16});
  m.open(1, 0);
  m.open(2, 0);
  m.join(2, "Bob");
  m.orphan(1, 100);  // tab 1's socket went half-open
  m.open(1, 0);      // and reconnected
  m.send(2, "hi");
  EXPECT_EQ(m.tab(100).waiting, 1u);
  EXPECT_EQ(m.tab(1).waiting, 1u);
  m.close(100);
  EXPECT_FALSE(m.tab(100).connected);
  EXPECT_EQ(m.counts().queued, 2u);
}

TaskCommand add(std::string title) {
  return {TaskOp::add, "", std::move(title)};
}

TEST(Model, ATaskChangeReachesTheGroupsOtherTasksTabsOnly) {
  Model m({GroupMode::cookie, DispatchPolicy::drop, 16});
  m.open(1, 0, Page::tasks);
  m.open(2, 0, Page::tasks);
  m.open(3, 0, Page::broadcasting);  // same group, another page
  m.open(4, 1, Page::tasks);         // another group
  EXPECT_TRUE(m.task(1, add(" milk ")));
  ASSERT_EQ(m.tab(1).tasks.size(), 1u);  // the sender shows it at once
  EXPECT_EQ(m.tab(1).tasks[0].title, "milk");
  EXPECT_EQ(m.tab(1).waiting, 0u);
  EXPECT_EQ(m.tab(2).waiting, 1u);
  EXPECT_TRUE(m.tab(2).tasks.empty());  // until its TasksChanged runs
  EXPECT_EQ(m.tab(3).waiting, 0u);
  EXPECT_EQ(m.tab(4).waiting, 0u);
  m.deliver(2);
  EXPECT_EQ(m.tab(2).tasks, m.tab(1).tasks);
  EXPECT_TRUE(m.tasks_of(1).empty());  // browser 1's group has its own list
  // A new tab shows the group's list; a restart empties every list.
  m.open(5, 0, Page::tasks);
  EXPECT_EQ(m.tab(5).tasks.size(), 1u);
  m.restart();
  EXPECT_TRUE(m.tasks_of(0).empty());
  m.open(1, 0, Page::tasks);
  EXPECT_TRUE(m.tab(1).tasks.empty());
}

TEST(Model, ARefusedOrUnchangingTaskOpBroadcastsNothingAndARefusalStaysOnTheSender) {
  Model m({GroupMode::global, DispatchPolicy::coalesce, 16});
  m.open(1, 0, Page::tasks);
  m.open(2, 1, Page::tasks);
  EXPECT_FALSE(m.task(1, add("   ")));
  EXPECT_EQ(m.tab(1).errors, (FieldErrors{{"title", std::string(task_title_empty_message)}}));
  EXPECT_TRUE(m.tab(2).errors.empty());
  EXPECT_EQ(m.tab(2).waiting, 0u);
  EXPECT_TRUE(m.task(2, add("a")));  // a peer's change leaves tab 1's message
  m.deliver(1);
  EXPECT_FALSE(m.tab(1).errors.empty());
  EXPECT_EQ(m.tab(1).tasks.size(), 1u);
  EXPECT_FALSE(m.task(1, {TaskOp::move_up, "1", ""}));  // unchanged: a success, no broadcast
  EXPECT_TRUE(m.tab(1).errors.empty());
  EXPECT_EQ(m.tab(2).waiting, 0u);
  EXPECT_FALSE(m.task(1, {TaskOp::toggle, "9", ""}));
  EXPECT_EQ(m.tab(1).errors, (FieldErrors{{"id", std::string(task_missing_message)}}));
  // Over HTTP: no connection of the group is excluded.
  EXPECT_TRUE(m.task_http(0, add("b")));
  EXPECT_EQ(m.tab(1).waiting, 1u);
  EXPECT_EQ(m.tab(2).waiting, 1u);
  EXPECT_TRUE(m.task_http(0, {TaskOp::toggle, "1", ""}));
  EXPECT_EQ(m.tab(1).waiting, 1u);  // coalesced
  EXPECT_EQ(m.counts().coalesced, 2u);
}

TEST(RateLimitModel, ABurstThenTheRefillRate) {
  RateLimitModel limit(/*per_second=*/2, /*burst=*/3);
  limit.open(1, 1'000'000);
  EXPECT_TRUE(limit.take(1, 1'000'000));
  EXPECT_TRUE(limit.take(1, 1'000'000));
  EXPECT_TRUE(limit.take(1, 1'000'000));
  EXPECT_FALSE(limit.take(1, 1'000'000));  // the burst is spent
  EXPECT_FALSE(limit.take(1, 1'400'000));  // 0.8 of a token
  EXPECT_TRUE(limit.take(1, 1'500'000));   // a whole one, half a second at 2 a second
  EXPECT_FALSE(limit.take(1, 1'500'000));
  limit.open(1, 2'000'000);  // a new connection starts full
  EXPECT_TRUE(limit.take(1, 2'000'000));
  limit.open(2, 0);  // never above the burst, however long it waited
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.take(2, 3'600'000'000));
  EXPECT_FALSE(limit.take(2, 3'600'000'000));
}

}  // namespace
}  // namespace lvt::model
