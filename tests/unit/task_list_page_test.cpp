// The Tasks page in the engine: one live list per session group, found again by every
// connection of the group (WebSocket, JSON and plain-form HTTP), and its store's bounds.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "task_list_page.hpp"
#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::parse;
using testing::TestEngine;

const std::string tasks_path = "/realtime/tasks";

std::vector<std::string> titles(const TestEngine& t, const Connection& c) {
  const auto& state = static_cast<const TaskListState&>(t.engine->page_state(c));
  std::vector<std::string> out;
  for (const Task& task : state.tasks->tasks()) out.push_back(task.title);
  return out;
}

TEST(TaskListPage, AGroupSharesOneLiveListAndOtherGroupsDoNotSeeIt) {
  TestEngine t;
  auto a1 = t.connect(cookie_for(1), tasks_path);
  auto a2 = t.connect(cookie_for(1), tasks_path);
  auto b1 = t.connect(cookie_for(2), tasks_path);
  t.act(*a1, "add", {{"title", "milk"}});
  EXPECT_EQ(b1->dispatch_jobs_waiting(), 0u);  // another group: no broadcast
  ASSERT_EQ(t.drain(*a2).size(), 1u);
  EXPECT_EQ(titles(t, *a2), std::vector<std::string>{"milk"});
  EXPECT_TRUE(titles(t, *b1).empty());
  t.act(*b1, "add", {{"title", "other"}});
  EXPECT_EQ(a1->dispatch_jobs_waiting(), 0u);
  EXPECT_EQ(titles(t, *a1), std::vector<std::string>{"milk"});
  // A tab opened later in the group shows the list on its first render.
  auto a3 = t.connect(cookie_for(1), tasks_path);
  EXPECT_EQ(titles(t, *a3), std::vector<std::string>{"milk"});
  EXPECT_NE(t.engine->render_html(*a3).find("milk"), std::string::npos);
}

// A broadcast run on a tab saves the tab's persisted fields, as an action does: a group the
// bounded session store evicted meanwhile gets its list back, and its next tab finds it.
TEST(TaskListPage, ABroadcastRunOnATabSavesItsGroupsListAgain) {
  EngineConfig config;
  config.session_groups_max = 2;
  TestEngine t(config);
  auto a1 = t.connect(cookie_for(1), tasks_path);
  auto a2 = t.connect(cookie_for(1), tasks_path);
  t.act(*a1, "add", {{"title", "milk"}});
  t.connect(cookie_for(2), tasks_path);
  t.connect(cookie_for(3), tasks_path);  // the store now holds groups 2 and 3 only
  ASSERT_EQ(t.drain(*a2).size(), 1u);
  auto a3 = t.connect(cookie_for(1), tasks_path);
  EXPECT_EQ(titles(t, *a3), std::vector<std::string>{"milk"});
}

TEST(TaskListPage, PlainFormsAndJsonOverHttpChangeTheGroupsListAndReachItsSockets) {
  TestEngine t;
  auto tab = t.connect(cookie_for(4), tasks_path);
  HttpRequest post{"POST",
                   tasks_path,
                   "127.0.0.1:8080",
                   cookie_for(4),
                   "text/html",
                   "application/x-www-form-urlencoded",
                   "title=from+a+form&add="};
  HttpResponse response = t.engine->handle_http(post);
  EXPECT_EQ(response.status, 303u);
  ASSERT_EQ(t.drain(*tab).size(), 1u);
  EXPECT_EQ(titles(t, *tab), std::vector<std::string>{"from a form"});
  // The item's own form: its hidden id names the task.
  post.body = "id=1&title=from+a+form&toggle=";
  EXPECT_EQ(t.engine->handle_http(post).status, 303u);
  t.drain(*tab);
  EXPECT_NE(t.engine->render_html(*tab).find("[x]"), std::string::npos);
  post.content_type = "application/json";
  post.accept = "application/json";
  post.body = R"({"action":"delete","data":{"value":1}})";  // a button's value names it too
  response = t.engine->handle_http(post);
  EXPECT_EQ(response.status, 200u);
  EXPECT_TRUE(parse(response.body)["meta"]["success"].get<bool>()) << response.body;
  t.drain(*tab);
  EXPECT_TRUE(titles(t, *tab).empty());
}

TEST(TaskListPage, APeerShowsTheListAsItWasSentUntilItsRefreshRuns) {
  TestEngine t;
  auto a = t.connect(cookie_for(5), tasks_path);
  auto b = t.connect(cookie_for(5), tasks_path);
  t.act(*a, "add", {{"title", "one"}});
  const std::string before = t.engine->render_html(*b);
  t.act(*a, "add", {{"title", "two"}});
  EXPECT_EQ(t.engine->render_html(*b), before);  // its snapshot, not the store's list
  t.drain(*b);
  EXPECT_EQ(titles(t, *b), (std::vector<std::string>{"one", "two"}));
}

TEST(TaskStore, KeepsAtMostItsBoundAndForgetsTheOldestList) {
  TaskStore store(2);
  const auto first = store.create();
  const auto second = store.create();
  auto add = [&store](TaskStore::ListId id, const char* title) {
    return store.change(id, [title](TaskStore::List& list) {
      list.tasks.push_back({list.next_task_id++, title, false});
      return TaskStore::Change::changed;
    });
  };
  add(first, "kept until forgotten");
  add(second, "b");
  const auto snapshot = store.read(first);
  const auto third = store.create();
  EXPECT_EQ(store.lists(), 2u);
  EXPECT_TRUE(store.read(first)->tasks().empty());  // forgotten
  EXPECT_EQ(snapshot->tasks().size(), 1u);          // a snapshot held stays whole
  EXPECT_EQ(store.read(second)->tasks().size(), 1u);
  EXPECT_NE(third, first);
  // A refused change publishes nothing, even what it did to its copy.
  const auto refused = store.change(second, [](TaskStore::List& list) {
    list.tasks.clear();
    return TaskStore::Change::refused;
  });
  EXPECT_EQ(refused, TaskStore::Change::refused);
  EXPECT_EQ(store.read(second)->tasks().size(), 1u);
}

// A group's first tabs, opened at the same moment on the server's threads, find one list: the
// first Mount makes it and every other waits for it, rather than each making its own.
TEST(TaskListPage, AGroupsFirstMountsAtOnceMakeOneList) {
  TestEngine t;
  constexpr int groups_count = 300, tabs_per_group = 4;
  for (int group = 0; group < groups_count; ++group) {
    std::vector<std::shared_ptr<Connection>> tabs(tabs_per_group);
    std::atomic<int> ready = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < tabs_per_group; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < tabs_per_group) std::this_thread::yield();  // start together
        tabs[i] = t.connect(cookie_for(group), tasks_path);
      });
    }
    for (auto& thread : threads) thread.join();
    const auto list_of = [&t](const Connection& c) {
      return static_cast<const TaskListState&>(t.engine->page_state(c)).list;
    };
    for (const auto& tab : tabs) ASSERT_EQ(list_of(*tab), list_of(*tabs[0])) << "group " << group;
  }
}

TEST(TaskStore, ConcurrentChangesToOneListAreNeverLost) {
  TaskStore store;
  const auto id = store.create();
  constexpr int threads_count = 4, adds_per_thread = 25;
  std::vector<std::thread> threads;
  for (int i = 0; i < threads_count; ++i) {
    threads.emplace_back([&store, id] {
      for (int k = 0; k < adds_per_thread; ++k) {
        store.change(id, [](TaskStore::List& list) {
          list.tasks.push_back({list.next_task_id++, "t", false});
          return TaskStore::Change::changed;
        });
        EXPECT_FALSE(store.read(id)->tasks().empty());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto& tasks = store.read(id)->tasks();
  ASSERT_EQ(tasks.size(), std::size_t{threads_count * adds_per_thread});
  for (std::size_t i = 0; i < tasks.size(); ++i) EXPECT_EQ(tasks[i].id, i + 1);
}

}  // namespace
}  // namespace lvt
