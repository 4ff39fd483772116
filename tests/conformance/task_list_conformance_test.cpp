// wire-correct on the Tasks page: every frame the engine sends while tabs of two groups add,
// edit, toggle, delete, move and clear tasks (and refresh late, and reconnect), applied by the
// official client's tree renderer, rebuilds the server's fresh render; and such sequences make
// every keyed range op of protocol §4.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cassert>
#include <random>
#include <set>

#include "client_applier.hpp"
#include "range_ops.hpp"
#include "server_render_hash.hpp"
#include "task_list_page.hpp"
#include "test_engine.hpp"
#include "text_gen.hpp"
#include "tree_applier.hpp"

namespace lvt {
namespace {

using testing::next_client_id;
using testing::shared_client;

const std::string tasks_path = "/realtime/tasks";

struct TaskStep {
  enum Kind {
    open,
    add,
    add_top,
    edit,
    toggle,
    remove,
    move_up,
    move_down,
    clear_done,
    dispatch,
    reconnect
  };
  Kind kind = add;
  int tab = 0;    // which open tab (modulo their count)
  int group = 0;  // which browser, for open
  int pick = 0;   // which task the tab shows (modulo their count + 1: the last is a stale id)
  std::string title;
};

constexpr std::size_t tabs_max = 5;

// Tabs on the Tasks page, each frame checked against the client as it arrives. `check` is the
// assertion to use (RC_ASSERT in a property, EXPECT in a test).
class TaskTabs {
 public:
  explicit TaskTabs(EngineConfig config) : t_(std::move(config)) {}
  ~TaskTabs() {
    for (const Tab& tab : tabs_) shared_client().forget(tab.client_id);
  }

  std::size_t size() const { return tabs_.size(); }
  const std::set<std::string>& ops_seen() const { return ops_seen_; }
  std::size_t frames_checked() const { return frames_checked_; }
  // The first frame the client rebuilt wrong, told plainly; empty when none.
  const std::string& first_mismatch() const { return first_mismatch_; }

  void open(int group) {
    ConnectResult opened = t_.open(testing::cookie_for(group), tasks_path);
    assert(opened.connection);
    tabs_.push_back({opened.connection, next_client_id(), {}, group});
    check_frame(tabs_.back(), opened.first_frame);
  }

  void step(const TaskStep& step) {
    if (step.kind == TaskStep::open) {
      if (tabs_.size() < tabs_max) open(step.group);
      return;
    }
    Tab& tab = tabs_[static_cast<std::size_t>(step.tab) % tabs_.size()];
    Connection& c = *tab.connection;
    t_.clock->now_us += 10'000;
    switch (step.kind) {
      case TaskStep::add:
        return run(tab, t_.act(c, "add", {{"title", step.title}}));
      case TaskStep::add_top:
        return run(tab, t_.act(c, "addTop", {{"title", step.title}}));
      case TaskStep::edit:
        return run(tab, t_.act(c, "edit", {{"id", picked(tab, step.pick)}, {"title", step.title}}));
      case TaskStep::toggle:
        return run(tab, t_.act(c, "toggle", {{"id", picked(tab, step.pick)}}));
      case TaskStep::remove:
        return run(tab, t_.act(c, "delete", {{"value", picked(tab, step.pick)}}));
      case TaskStep::move_up:
        return run(tab, t_.act(c, "moveUp", {{"id", picked(tab, step.pick)}}));
      case TaskStep::move_down:
        return run(tab, t_.act(c, "moveDown", {{"id", picked(tab, step.pick)}}));
      case TaskStep::clear_done:
        return run(tab, t_.act(c, "clearDone"));
      case TaskStep::dispatch:
        return run(tab, t_.engine->dispatch(c));
      case TaskStep::reconnect: {
        t_.engine->disconnect(c);
        shared_client().forget(tab.client_id);
        const int group = tab.group;
        ConnectResult opened = t_.open(testing::cookie_for(group), tasks_path);
        tab = {opened.connection, next_client_id(), {}, group};
        return check_frame(tab, opened.first_frame);
      }
      case TaskStep::open:
        return;
    }
  }

  // Runs every waiting refresh: the last frames must rebuild the final state too.
  void drain() {
    for (Tab& tab : tabs_) {
      while (tab.connection->dispatch_jobs_waiting() > 0)
        run(tab, t_.engine->dispatch(*tab.connection));
    }
  }

 private:
  struct Tab {
    std::shared_ptr<Connection> connection;
    std::uint64_t client_id;
    sim::TreeApplier simulated;
    int group;
  };

  // The id of a task the tab shows (every fourth pick the newest, so a task just added is often
  // moved before a peer refreshes: the peer then sees it inserted between two it holds), or, one
  // pick in count + 1, an id it does not show.
  std::uint64_t picked(const Tab& tab, int pick) const {
    const auto& state = static_cast<const TaskListState&>(t_.engine->page_state(*tab.connection));
    const auto& tasks = state.tasks->tasks();
    if (pick % 4 == 0 && !tasks.empty()) {
      return std::max_element(tasks.begin(), tasks.end(),
                              [](const Task& a, const Task& b) { return a.id < b.id; })
          ->id;
    }
    const auto index = static_cast<std::size_t>(pick) % (tasks.size() + 1);
    return index < tasks.size() ? tasks[index].id : 1000 + static_cast<std::uint64_t>(pick);
  }

  void run(Tab& tab, const Effects& effects) {
    for (const auto& frame : effects.frames) check_frame(tab, frame.text());
  }

  void check_frame(Tab& tab, const std::string& frame) {
    const auto message = nlohmann::json::parse(frame);
    if (!message.contains("tree")) return;  // pong or error envelope
    ++frames_checked_;
    std::vector<std::string> ops;
    testing::collect_range_ops(message["tree"], ops);
    ops_seen_.insert(ops.begin(), ops.end());
    const auto html = shared_client().apply(tab.client_id, message["tree"]);
    tab.simulated.apply(message["tree"].dump());
    const std::string want = t_.engine->render_html(*tab.connection);
    const bool agree = !message["tree"].is_null() && html.html == want && html.targeted == want &&
                       tab.simulated.html() == want &&
                       tab.simulated.html_hash() == sim::RenderHash::of(want);
    if (!agree && first_mismatch_.empty()) {
      first_mismatch_ = "frame " + frame + "\nclient: " + html.html + "\nwant:   " + want;
    }
  }

  testing::TestEngine t_;
  std::vector<Tab> tabs_;
  std::set<std::string> ops_seen_;
  std::size_t frames_checked_ = 0;
  std::string first_mismatch_;
};

EngineConfig unlimited(EngineConfig config = {}) {
  config.actions_per_second = 1e9;  // the test's actions, not the rate limit, are under test
  config.actions_burst = 1e9;
  return config;
}

rc::Gen<TaskStep> gen_task_step() {
  using K = TaskStep::Kind;
  return rc::gen::build<TaskStep>(
      rc::gen::set(&TaskStep::kind, rc::gen::weightedElement<K>({{1, K::open},
                                                                 {5, K::add},
                                                                 {2, K::add_top},
                                                                 {2, K::edit},
                                                                 {2, K::toggle},
                                                                 {2, K::remove},
                                                                 {2, K::move_up},
                                                                 {2, K::move_down},
                                                                 {1, K::clear_done},
                                                                 {5, K::dispatch},
                                                                 {1, K::reconnect}})),
      rc::gen::set(&TaskStep::tab, rc::gen::inRange(0, 8)),
      rc::gen::set(&TaskStep::group, rc::gen::weightedElement<int>({{3, 0}, {1, 1}})),
      rc::gen::set(&TaskStep::pick, rc::gen::inRange(0, 12)),
      rc::gen::set(&TaskStep::title, testing::gen_text()));
}

RC_GTEST_PROP(WireCorrect, EveryTaskListFrameRebuildsTheFreshRender, ()) {
  EngineConfig config = unlimited();
  config.dispatch_policy = *rc::gen::element(DispatchPolicy::drop, DispatchPolicy::coalesce);
  config.dispatch_queue_jobs_max = *rc::gen::inRange<std::size_t>(1, 17);
  const auto steps = *rc::gen::container<std::vector<TaskStep>>(gen_task_step()).as("steps");
  TaskTabs tabs(config);
  tabs.open(0);
  tabs.open(0);
  for (const TaskStep& step : steps) tabs.step(step);
  tabs.drain();
  RC_ASSERT(tabs.first_mismatch() == "");
}

// A fixed random walk of two tabs of one group (and one of another), long enough that every
// keyed op shows up: the test fails if some op is never made, so none goes unexercised.
TEST(WireCorrect, TaskListSequencesMakeEveryRangeOp) {
  TaskTabs tabs(unlimited());
  tabs.open(0);
  tabs.open(0);
  tabs.open(1);
  std::mt19937 random(20240611);
  auto below = [&random](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  constexpr int steps = 600;
  for (int i = 0; i < steps; ++i) {
    TaskStep step;
    // Adds outweigh removals so the list grows to a size where moves and inserts mean something.
    static constexpr TaskStep::Kind kinds[] = {
        TaskStep::add,      TaskStep::add,      TaskStep::add_top,  TaskStep::edit,
        TaskStep::toggle,   TaskStep::remove,   TaskStep::move_up,  TaskStep::move_down,
        TaskStep::dispatch, TaskStep::dispatch, TaskStep::dispatch, TaskStep::clear_done};
    step.kind = kinds[below(std::size(kinds))];
    if (i % 97 == 96) step.kind = TaskStep::reconnect;
    step.tab = below(3);
    step.pick = below(12);
    step.title = (below(2) == 0 ? "t <&> 😀 " : "task ") + std::to_string(i);
    tabs.step(step);
  }
  tabs.drain();
  EXPECT_EQ(tabs.first_mismatch(), "");
  EXPECT_GT(tabs.frames_checked(), std::size_t{steps / 2});  // a dispatch may find nothing
  for (const char* op : {"a", "p", "r", "u", "i", "o"}) {
    EXPECT_TRUE(tabs.ops_seen().contains(op)) << "no frame carried the op " << op;
  }
}

}  // namespace
}  // namespace lvt
