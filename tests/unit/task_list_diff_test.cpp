// The Tasks page's diffs use the keyed range ops of protocol §4, each for the change it is for:
// the sender's answer and a peer's refresh both carry it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "range_ops.hpp"
#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::parse;
using testing::TestEngine;

const std::string tasks_path = "/realtime/tasks";

std::vector<std::string> ops_of(const Frame& frame) {
  std::vector<std::string> ops;
  testing::collect_range_ops(parse(frame)["tree"], ops);
  return ops;
}

struct TwoTabs : ::testing::Test {
  TestEngine t;
  std::shared_ptr<Connection> a = t.connect(testing::cookie_for(1), tasks_path);
  std::shared_ptr<Connection> b = t.connect(testing::cookie_for(1), tasks_path);

  // The ops of A's answer to `action`, checked equal to those of B's refresh after it.
  std::vector<std::string> act(const std::string& action, nlohmann::json data) {
    const Effects effects = t.act(*a, action, std::move(data));
    EXPECT_EQ(effects.frames.size(), 1u);
    EXPECT_TRUE(parse(effects.frames.at(0))["meta"]["success"].get<bool>()) << effects.frames[0];
    const auto peer = t.drain(*b);
    EXPECT_EQ(peer.size(), 1u);
    const auto ops = ops_of(effects.frames.at(0));
    EXPECT_EQ(ops_of(peer.at(0)), ops) << peer.at(0);
    EXPECT_EQ(t.engine->render_html(*a), t.engine->render_html(*b));
    return ops;
  }
  std::vector<std::string> act_on(const std::string& action, int id) {
    return act(action, {{"id", id}});
  }
};

using Ops = std::vector<std::string>;

TEST_F(TwoTabs, EachChangeMakesItsOwnRangeOp) {
  EXPECT_EQ(act("add", {{"title", "one"}}), Ops{"full"});  // empty to non-empty: whole node
  EXPECT_EQ(act("add", {{"title", "two"}}), Ops{"a"});
  EXPECT_EQ(act("addTop", {{"title", "zero"}}), Ops{"p"});
  EXPECT_EQ(act_on("toggle", 1), Ops{"u"});
  EXPECT_EQ(act("edit", {{"id", 2}, {"title", "TWO"}}), Ops{"u"});
  EXPECT_EQ(act_on("moveUp", 2), Ops{"o"});
  EXPECT_EQ(act_on("moveDown", 3), Ops{"o"});
  EXPECT_EQ(act_on("delete", 2), Ops{"r"});
  EXPECT_EQ(act("clearDone", {}), Ops{"r"});  // task 1 was done
  EXPECT_EQ(act_on("delete", 3), Ops{});      // non-empty to empty: the other branch, whole
}

TEST_F(TwoTabs, AnUpdateCarriesOnlyTheSlotsThatChanged) {
  act("add", {{"title", "one"}});
  const Effects effects = t.act(*a, "edit", {{"id", 1}, {"title", "uno"}});
  const auto tree = parse(effects.frames.at(0))["tree"];
  // The range sits in the non-empty branch; its op changes the two title slots, nothing else.
  const std::string dump = tree.dump();
  EXPECT_NE(dump.find(R"(["u","1",{"3":"uno","5":"uno"}])"), std::string::npos) << dump;
}

TEST_F(TwoTabs, APeerThatCatchesUpOnTwoChangesGetsAnInsertAfter) {
  for (const char* title : {"a", "b", "c"}) act("add", {{"title", title}});
  // B's refreshes wait while A adds a task at the top and moves it down one: B re-reads the
  // list once for both, so to B the new task appears between two it holds.
  t.act(*a, "addTop", {{"title", "new"}});
  t.act(*a, "moveDown", {{"id", 4}});
  const auto peer = t.drain(*b);
  ASSERT_EQ(peer.size(), 2u);
  EXPECT_EQ(ops_of(peer[0]), Ops{"i"});
  EXPECT_NE(parse(peer[0]).dump().find(R"(["i","1",{"0":"4")"), std::string::npos) << peer[0];
  EXPECT_EQ(parse(peer[1])["tree"], nlohmann::json::object());  // nothing more to tell
  EXPECT_EQ(t.engine->render_html(*a), t.engine->render_html(*b));
}

TEST_F(TwoTabs, ARefusalChangesNoListAndReachesNoPeer) {
  act("add", {{"title", "one"}});
  for (const auto& [action, data] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"add", {{"title", "   "}}},
           {"toggle", {{"id", 9}}},
           {"edit", {{"id", 1}, {"title", std::string(201, 'x')}}}}) {
    const Effects effects = t.act(*a, action, data);
    const auto reply = parse(effects.frames.at(0));
    EXPECT_FALSE(reply["meta"]["success"].get<bool>()) << action;
    EXPECT_EQ(b->dispatch_jobs_waiting(), 0u) << action;
    EXPECT_TRUE(effects.wake.empty());
  }
  // An unchanged list (the first task moved up) broadcasts nothing either.
  const Effects same = t.act(*a, "moveUp", {{"id", 1}});
  EXPECT_TRUE(parse(same.frames.at(0))["meta"]["success"].get<bool>());
  EXPECT_EQ(b->dispatch_jobs_waiting(), 0u);
}

}  // namespace
}  // namespace lvt
