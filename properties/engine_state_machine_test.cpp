// RapidCheck stateful properties: random command sequences run against the engine and against
// the model side by side; after every command the engine must be where the model says. Each
// command is a small struct with its precondition, its effect on the model and its run.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <map>
#include <memory>

#include "broadcast_model.hpp"
#include "broadcasting_page.hpp"
#include "planted.hpp"
#include "test_engine.hpp"
#include "text_gen.hpp"

namespace lvt {
namespace {

constexpr int tabs_max = 5;

struct State {
  model::Model model;
  int tabs_opened = 0;
};

struct Engine {
  testing::TestEngine t;
  std::map<int, std::shared_ptr<Connection>> tabs;
  std::map<int, int> browser_of;

  Engine(EngineConfig config, DemoAppsConfig apps) : t(std::move(config), apps) {}

  const BroadcastingState& state(int tab) const {
    return static_cast<const BroadcastingState&>(t.engine->page_state(*tabs.at(tab)));
  }
  // Every connected tab's Username, view and waiting broadcasts are the model's.
  void check_against(const model::Model& m) const {
    RC_ASSERT(t.apps.log->snapshot() == m.log().size());
    for (const auto& [id, predicted] : m.tabs()) {
      if (!predicted.connected) continue;
      RC_ASSERT(state(id).username == predicted.username);
      const BroadcastingState& held = state(id);
      RC_ASSERT(held.shown->begin() == predicted.first);
      RC_ASSERT(held.shown->end() == predicted.messages);
      RC_ASSERT((held.shown->has_older() && held.span != 0) == predicted.older);
      RC_ASSERT(tabs.at(id)->dispatch_jobs_waiting() == predicted.waiting);
    }
  }
};

using Command = rc::state::Command<State, Engine>;

bool connected(const State& s, int tab) {
  const auto found = s.model.tabs().find(tab);
  return found != s.model.tabs().end() && found->second.connected;
}

struct Open : Command {
  int browser = *rc::gen::inRange(0, 3);
  void checkPreconditions(const State& s) const override { RC_PRE(s.tabs_opened < tabs_max); }
  void apply(State& s) const override { s.model.open(s.tabs_opened++, browser); }
  void run(const State& s, Engine& e) const override {
    const int id = s.tabs_opened;
    e.tabs[id] = e.t.connect(testing::cookie_for(browser));
    e.browser_of[id] = browser;
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override { os << "Open(browser " << browser << ")"; }
};

struct Join : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  std::string name = *rc::gen::oneOf(rc::gen::element<std::string>("Alice", " Bob ", "", "   "),
                                     testing::gen_text());
  void checkPreconditions(const State& s) const override { RC_PRE(connected(s, tab)); }
  void apply(State& s) const override { s.model.join(tab, name); }
  void run(const State& s, Engine& e) const override {
    const auto reply = nlohmann::json::parse(
        e.t.act(*e.tabs.at(tab), "join", {{"username", name}}).frames.at(0).text());
    RC_ASSERT(reply["meta"]["action"] == "join");
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override {
    os << "Join(tab " << tab << ", " << nlohmann::json(name) << ")";
  }
};

struct Send : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  std::string text = *testing::gen_text();
  void checkPreconditions(const State& s) const override { RC_PRE(connected(s, tab)); }
  void apply(State& s) const override { s.model.send(tab, text); }
  void run(const State& s, Engine& e) const override {
    const Effects effects = e.t.act(*e.tabs.at(tab), "send", {{"text", text}});
    RC_ASSERT(effects.frames.size() == 1u);  // the sender's answer, and never a broadcast to it
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override {
    os << "Send(tab " << tab << ", " << nlohmann::json(text) << ")";
  }
};

struct Deliver : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  void checkPreconditions(const State& s) const override {
    const bool waiting = connected(s, tab) && s.model.tab(tab).waiting > 0;
    RC_PRE(waiting);  // RC_PRE evaluates both sides of a &&: decide first
  }
  void apply(State& s) const override { s.model.deliver(tab); }
  void run(const State& s, Engine& e) const override {
    const Effects effects = e.t.engine->dispatch(*e.tabs.at(tab));
    RC_ASSERT(effects.frames.size() == 1u);
    RC_ASSERT(nlohmann::json::parse(effects.frames[0].text())["meta"]["errors"].is_null());
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override { os << "Deliver(tab " << tab << ")"; }
};

// "Older messages": a window more of the kept log, read afresh.
struct Older : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  void checkPreconditions(const State& s) const override { RC_PRE(connected(s, tab)); }
  void apply(State& s) const override { s.model.older(tab); }
  void run(const State& s, Engine& e) const override {
    const auto reply = nlohmann::json::parse(e.t.act(*e.tabs.at(tab), "older").frames.at(0).text());
    RC_ASSERT(reply["meta"]["success"] == true);
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override { os << "Older(tab " << tab << ")"; }
};

struct Close : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  void checkPreconditions(const State& s) const override { RC_PRE(connected(s, tab)); }
  void apply(State& s) const override { s.model.close(tab); }
  void run(const State& s, Engine& e) const override {
    e.t.engine->disconnect(*e.tabs.at(tab));
    State next = s;
    apply(next);
    e.check_against(next.model);
  }
  void show(std::ostream& os) const override { os << "Close(tab " << tab << ")"; }
};

struct Reopen : Command {
  int tab = *rc::gen::inRange(0, tabs_max);
  void checkPreconditions(const State& s) const override {
    const bool closed = s.model.tabs().count(tab) != 0 && !s.model.tab(tab).connected;
    RC_PRE(closed);
  }
  void apply(State& s) const override { s.model.open(tab, s.model.tab(tab).browser); }
  void run(const State& s, Engine& e) const override {
    e.tabs[tab] = e.t.connect(testing::cookie_for(e.browser_of.at(tab)));
    State next = s;
    apply(next);
    e.check_against(next.model);  // empty Username, the whole log (mount-coherent)
  }
  void show(std::ostream& os) const override { os << "Reopen(tab " << tab << ")"; }
};

void check_engine_against_model(model::GroupMode groups, model::DispatchPolicy policy) {
  const std::size_t queue_max = *rc::gen::element<std::size_t>(1, 2, 16);
  EngineConfig config;
  config.group_mode = groups == model::GroupMode::cookie ? GroupMode::cookie : GroupMode::global;
  config.dispatch_policy =
      policy == model::DispatchPolicy::drop ? DispatchPolicy::drop : DispatchPolicy::coalesce;
  config.dispatch_queue_jobs_max = queue_max;
  // A small ring and window, so that sends evict and windows slide, or the whole log.
  const std::size_t log_messages_max = *rc::gen::element<std::size_t>(3, 10, 10'000);
  const std::size_t log_window = *rc::gen::element<std::size_t>(0, 2, 5);
  State initial{model::Model({groups, policy, queue_max, log_messages_max, log_window}), 0};
  Engine engine(config, DemoAppsConfig{log_messages_max, log_window});
  rc::state::check(
      initial, engine,
      rc::state::gen::execOneOfWithArgs<Open, Join, Send, Deliver, Older, Close, Reopen>());
}

RC_GTEST_PROP(EngineMatchesModel, CookieGroupsDrop, ()) {
  check_engine_against_model(model::GroupMode::cookie, model::DispatchPolicy::drop);
}
RC_GTEST_PROP(EngineMatchesModel, CookieGroupsCoalesce, ()) {
  check_engine_against_model(model::GroupMode::cookie, model::DispatchPolicy::coalesce);
}
RC_GTEST_PROP(EngineMatchesModel, GlobalGroupDrop, ()) {
  check_engine_against_model(model::GroupMode::global, model::DispatchPolicy::drop);
}
RC_GTEST_PROP(EngineMatchesModel, GlobalGroupCoalesce, ()) {
  check_engine_against_model(model::GroupMode::global, model::DispatchPolicy::coalesce);
}

// The properties are live: with a planted bug switched on they fail (RapidCheck prints the
// shrunk counterexample it found, which is expected here).
TEST(EngineMatchesModel, FailsWithAPlantedBug) {
  for (const PlantedBug bug :
       {PlantedBug::sender_receives_own, PlantedBug::mount_skips_snapshot,
        PlantedBug::coalesce_loses_refresh, PlantedBug::username_per_group}) {
    active_planted_bug = bug;
    std::printf("expecting a counterexample for a planted bug:\n");
    const bool held = rc::check([] {
      check_engine_against_model(
          *rc::gen::element(model::GroupMode::cookie, model::GroupMode::global),
          model::DispatchPolicy::coalesce);
    });
    active_planted_bug = PlantedBug::none;
    EXPECT_FALSE(held) << "a planted bug went unnoticed";
  }
}

}  // namespace
}  // namespace lvt
