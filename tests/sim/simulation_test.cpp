// The simulator: seeds replay bit for bit, and the clean engine holds every invariant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "planted.hpp"
#include "shrink.hpp"
#include "simulation.hpp"

namespace lvt::sim {
namespace {

TEST(Simulation, ASeedReplaysBitForBit) {
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const SimConfig config = config_for_seed(seed);
    const RunResult first = run_seed(config);
    const RunResult second = run_seed(config);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << config.describe();
    EXPECT_EQ(first.events, second.events);
  }
  EXPECT_NE(run_seed(config_for_seed(1)).trace_hash, run_seed(config_for_seed(2)).trace_hash);
}

// The seeds of `lvtlab check --seeds 300`: every coverage item, the rarest (a keyed insert: a peer
// catching up on a task added to the top and moved down one) included.
TEST(Simulation, TheCleanEngineHoldsEveryInvariantOnABoundedCampaign) {
  std::map<std::string, std::uint64_t> coverage;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const RunResult result = run_seed(config_for_seed(seed));
    for (const Failure& failure : result.failures) {
      ADD_FAILURE() << "seed " << seed << ": " << failure.invariant << ": " << failure.detail;
    }
    for (const auto& [name, count] : result.checks) EXPECT_GT(count, 0u) << name;
    for (const auto& [name, count] : result.coverage) coverage[name] += count;
  }
  for (const std::string& op : coverage_names) {
    EXPECT_GT(coverage[op], 0u) << op << " was never hit";
  }
}

TEST(Simulation, SeedsChooseTheirOwnConfiguration) {
  std::set<std::string> described;
  bool cookie = false, global = false, drop = false, coalesce = false;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const SimConfig c = config_for_seed(seed);
    described.insert(c.describe().substr(c.describe().find(' ')));
    cookie |= c.group_mode == model::GroupMode::cookie;
    global |= c.group_mode == model::GroupMode::global;
    drop |= c.dispatch_policy == model::DispatchPolicy::drop;
    coalesce |= c.dispatch_policy == model::DispatchPolicy::coalesce;
  }
  EXPECT_GT(described.size(), 45u);
  EXPECT_TRUE(cookie && global && drop && coalesce);
}

}  // namespace
}  // namespace lvt::sim

namespace lvt::sim {
namespace {

// Every planted bug is caught within 1,000 seeds, and most within a few dozen.
TEST(PlantedBugs, EachIsCaughtWithinAThousandSeeds) {
  std::vector<int> seeds_to_catch;
  for (const auto& info : planted_bugs) {
    active_planted_bug = info.bug;
    int seeds = 0;
    bool caught = false;
    while (!caught && seeds < 1000) {
      caught = !run_seed(config_for_seed(static_cast<std::uint64_t>(++seeds))).failures.empty();
    }
    active_planted_bug = PlantedBug::none;
    EXPECT_TRUE(caught) << info.name << " was not caught in 1000 seeds";
    std::printf("%-26s caught after %d seeds\n", std::string(info.name).c_str(), seeds);
    seeds_to_catch.push_back(seeds);
  }
  std::sort(seeds_to_catch.begin(), seeds_to_catch.end());
  EXPECT_LE(seeds_to_catch[seeds_to_catch.size() / 2], 50) << "median seeds to catch";
}

}  // namespace
}  // namespace lvt::sim

namespace lvt::sim {
namespace {

TEST(Scenario, JsonRoundTripsAndAHandWrittenOneRuns) {
  const Scenario generated = scenario_for_seed(7);
  const Scenario again = scenario_from_json(scenario_to_json(generated));
  EXPECT_EQ(scenario_to_json(again), scenario_to_json(generated));
  EXPECT_EQ(run_scenario(again).trace_hash, run_scenario(generated).trace_hash);

  std::ifstream in(LVT_SCENARIOS_DIR "/late-tab-in-another-group.json");
  const RunResult result = run_scenario(scenario_from_json(nlohmann::json::parse(in)));
  EXPECT_TRUE(result.failures.empty());
  // Tab 1 (browser 1, open before the send) is stale; tab 2 opened after it and shows it.
  EXPECT_EQ(result.stale_tabs, 1);
  EXPECT_THROW(scenario_from_json(nlohmann::json::parse(R"({"config":{},"steps":[{"op":"fly"}]})")),
               std::exception);
}

// Runs a scenario of sim/scenarios/, in which every invariant must hold.
RunResult run_scenario_file(const std::string& name) {
  std::ifstream in(LVT_SCENARIOS_DIR "/" + name);
  RunResult result = run_scenario(scenario_from_json(nlohmann::json::parse(in)));
  for (const Failure& failure : result.failures) ADD_FAILURE() << name << ": " << failure.detail;
  return result;
}

TEST(Scenario, FormsWithoutJavaScriptTheJsonGetOtherSitesAndIdleHeartbeats) {
  const RunResult result = run_scenario_file("no-javascript-and-other-sites.json");
  EXPECT_EQ(result.coverage.at("form-post"), 1u);
  EXPECT_EQ(result.coverage.at("button-style"), 1u);
  // Ann's two sends reach tab 1; Bob's post, from no connection, reaches both tabs.
  EXPECT_EQ(result.coverage.at("deliver"), 4u);
  EXPECT_EQ(result.coverage.at("json-get"), 1u);
  EXPECT_EQ(result.coverage.at("foreign-origin-refused"), 1u);
  EXPECT_EQ(result.coverage.at("pong"), 4u);  // two tabs, two ticks each while idle
  EXPECT_EQ(result.coverage.count("heartbeat-reconnect"), 0u);
}

TEST(Scenario, FramesAndBodiesAtAReadersEdgesAreAnsweredCountedAndLogged) {
  const RunResult result = run_scenario_file("odd-frames-at-a-readers-edges.json");
  EXPECT_EQ(result.coverage.at("raw-frame"), 8u);
  EXPECT_EQ(result.coverage.at("frame-not-json"), 7u);
  EXPECT_EQ(result.coverage.at("frame-nested-at-bound"), 1u);
  EXPECT_EQ(result.coverage.at("http-not-json"), 4u);
  // Tab 1 hears the eight raw sends (the send nested at the bound, right behind its raw send,
  // coalesces with it); the readable post names no one, so its send is refused.
  EXPECT_EQ(result.coverage.at("deliver"), 8u);
  EXPECT_GT(result.checks.at("metrics-exact"), 0u);
}

TEST(Scenario, CookiesTheServerDidNotSetPlaceRequestsInTheRightGroup) {
  const RunResult result = run_scenario_file("cookies-of-every-kind.json");
  EXPECT_EQ(result.coverage.at("cookie-own"), 2u);
  EXPECT_EQ(result.coverage.at("cookie-malformed"), 6u);
  EXPECT_EQ(result.coverage.at("cookie-forged"), 1u);
  // Each cookie step's two answers are checked for their Set-Cookie (18), and the end's
  // metrics check counts four kinds of refusal and four kinds of debug line in the server's log.
  EXPECT_EQ(result.checks.at("bad-input-contained"), 18u + 8u);
  // The send from a new group reached no tab: tab 2 learns of it only on its next Mount.
  EXPECT_EQ(result.stale_tabs, 1);
  // The steps round-trip through JSON with their cookie kinds.
  std::ifstream in(LVT_SCENARIOS_DIR "/cookies-of-every-kind.json");
  const Scenario scenario = scenario_from_json(nlohmann::json::parse(in));
  EXPECT_EQ(scenario_to_json(scenario_from_json(scenario_to_json(scenario))),
            scenario_to_json(scenario));
  EXPECT_EQ(scenario.steps.back().cookie_kind, 3);
  EXPECT_THROW(scenario_from_json(nlohmann::json::parse(
                   R"({"config":{},"steps":[{"op":"cookie","tab":0,"cookie":"stale"}]})")),
               std::invalid_argument);
}

TEST(Scenario, NavigateRunsMountAgainOnAnOpenSocket) {
  const RunResult result = run_scenario_file("navigate-mounts-again.json");
  EXPECT_EQ(result.coverage.at("navigate"), 1u);
  EXPECT_EQ(result.coverage.at("send"), 2u);
  // Tab 0 caught up by its Mount; tab 1, in another group, missed "hi Bob".
  EXPECT_EQ(result.stale_tabs, 1);
}

TEST(Scenario, ASlowReaderIsCutOffFallsBackToHttpAndItsHeartbeatReconnectsIt) {
  const RunResult result = run_scenario_file("slow-reader-cut-off.json");
  EXPECT_EQ(result.coverage.at("slow-reader-cut"), 1u);
  EXPECT_EQ(result.coverage.at("http-fallback"), 1u);  // its send after the cut
  // The client's next heartbeat tick finds its socket closed and reconnects: 2 tabs, 3 opens.
  EXPECT_EQ(result.coverage.at("heartbeat-reconnect"), 1u);
  EXPECT_EQ(result.coverage.at("probe"), 3u);
}

TEST(Scenario, AHalfOpenSocketLivesOnTheServerUntilItsIdleTimeout) {
  const RunResult result = run_scenario_file("half-open-socket-orphaned.json");
  EXPECT_EQ(result.coverage.at("heartbeat-reconnect"), 1u);
  EXPECT_EQ(result.coverage.at("orphan"), 1u);
  EXPECT_EQ(result.coverage.at("orphan-reaped"), 1u);
  EXPECT_GE(result.virtual_us, SimConfig::idle_timeout_us);
}

TEST(Scenario, AHalfOpenSocketFillsUpAndIsCutBeforeItsIdleTimeout) {
  const RunResult result = run_scenario_file("half-open-socket-fills-up.json");
  EXPECT_EQ(result.coverage.at("slow-reader-cut"), 1u);  // 1 frame in the network, 2 queued
  EXPECT_EQ(result.coverage.count("orphan-reaped"), 0u);
  EXPECT_EQ(result.coverage.at("heartbeat-reconnect"), 1u);
  EXPECT_EQ(result.coverage.count("http-fallback"), 0u);     // the client still thinks it is open
  EXPECT_LT(result.virtual_us, SimConfig::idle_timeout_us);  // the cut cleared its idle timer
}

TEST(Scenario, AnHttpReplyLandingAfterTheSocketsTreeLeavesTheTabShowingAnotherPage) {
  const RunResult result = run_scenario_file("http-reply-after-socket-tree.json");
  EXPECT_EQ(result.coverage.at("http-fallback"), 1u);
  EXPECT_EQ(result.coverage.at("http-reply"), 1u);
  EXPECT_EQ(result.diverged_tabs, 1);  // tab 0, reported as a finding
  EXPECT_EQ(result.stale_tabs, 0);
}

TEST(Scenario, AReconnectThatFailsInARestartLeavesTheTabOnHttpForGood) {
  const RunResult result = run_scenario_file("restart-fails-a-reconnect.json");
  EXPECT_EQ(result.coverage.at("probe"), 2u);  // the first connect and the failed one
  EXPECT_EQ(result.coverage.count("heartbeat-reconnect"), 0u);
  EXPECT_EQ(result.coverage.count("visible-reconnect"), 0u);
  EXPECT_EQ(result.coverage.at("http-fallback"), 1u);
}

TEST(Scenario, AnActionDuringAReconnectsProbeIsLost) {
  const RunResult result = run_scenario_file("action-lost-during-probe.json");
  EXPECT_EQ(result.coverage.at("no-transport-skip"), 1u);
  EXPECT_EQ(result.coverage.at("busy-skip"), 1u);  // until the new socket's first tree
  EXPECT_EQ(result.coverage.count("http-fallback"), 0u);
  EXPECT_EQ(result.coverage.at("send"), 1u);
}

TEST(Scenario, BecomingVisibleReconnectsHalfASecondLaterOnlyATabHiddenWithItsSocketOpen) {
  const RunResult closed = run_scenario_file("hidden-while-closed.json");
  EXPECT_EQ(closed.coverage.count("visible-reconnect"), 0u);
  EXPECT_EQ(closed.coverage.at("heartbeat-reconnect"), 1u);
  const RunResult open = run_scenario_file("visible-reconnect.json");
  EXPECT_EQ(open.coverage.at("visible-reconnect"), 1u);
  EXPECT_EQ(open.coverage.at("send"), 1u);  // 0.2 s after becoming visible: on the socket
  // 0.75 s after: the probe was answered, the new socket is still connecting
  EXPECT_EQ(open.coverage.at("http-fallback"), 1u);
  EXPECT_EQ(open.coverage.count("no-transport-skip"), 0u);
}

TEST(Scenario, APeersUpdateEndsABusyFormBeforeItsOwnAnswer) {
  const RunResult result = run_scenario_file("busy-ended-by-a-peer-update.json");
  EXPECT_EQ(result.coverage.at("busy-ended-early"), 1u);
  EXPECT_EQ(result.coverage.count("busy-skip"), 0u);
  EXPECT_EQ(result.coverage.at("send"), 3u);  // tab 0's second send did not wait for its answer
}

TEST(Scenario, AnHttpSubmitLeavesTheFormBusyUntilItsReply) {
  const RunResult result = run_scenario_file("busy-over-http.json");
  EXPECT_EQ(result.coverage.at("busy-skip"), 1u);      // 50 ms after the first POST
  EXPECT_EQ(result.coverage.at("http-fallback"), 2u);  // the first, and one after its reply
  EXPECT_EQ(result.coverage.at("http-reply"), 2u);
}

TEST(Scenario, TwoTabsOfABrowserShareATaskListThroughKeyedRangeOps) {
  const RunResult result = run_scenario_file("tasks-shared-by-two-tabs.json");
  // Each change reaches the changer's tab and its peer; tab 2 is in another group.
  EXPECT_EQ(result.coverage.at("range-append"), 2u);   // bread
  EXPECT_EQ(result.coverage.at("range-prepend"), 2u);  // eggs on top
  EXPECT_EQ(result.coverage.at("range-update"), 4u);   // the edit and the toggle
  EXPECT_EQ(result.coverage.at("range-reorder"), 2u);  // the move
  EXPECT_EQ(result.coverage.at("range-remove"), 4u);   // the delete and the clear
  EXPECT_EQ(result.coverage.count("range-insert"), 0u);
  EXPECT_EQ(result.coverage.at("task-add"), 4u);  // milk, bread, the empty title, tab 2's
  EXPECT_EQ(result.coverage.at("task-refused"), 1u);
  // Tab 1 runs tab 0's six changes, tab 0 tab 1's two; tab 2 none.
  EXPECT_EQ(result.coverage.at("deliver"), 8u);
}

TEST(Scenario, TaskStepsRoundTripThroughJson) {
  Scenario scenario;
  Step open;
  open.tasks_page = true;
  Step edit;
  edit.op = Step::Op::task;
  edit.task_op = "edit";
  edit.task_id = "7";
  edit.text = "a title";
  scenario.steps = {open, edit};
  const nlohmann::json json = scenario_to_json(scenario);
  EXPECT_EQ(json["steps"][0]["page"], "tasks");
  EXPECT_EQ(json["steps"][1]["task"], "edit");
  EXPECT_EQ(json["steps"][1]["id"], "7");
  EXPECT_EQ(json["steps"][1]["title"], "a title");
  const Scenario again = scenario_from_json(json);
  EXPECT_TRUE(again.steps.at(0).tasks_page);
  EXPECT_EQ(again.steps.at(1).task_op, "edit");
  EXPECT_EQ(again.steps.at(1).task_id, "7");
  EXPECT_EQ(again.steps.at(1).text, "a title");
  EXPECT_THROW(scenario_from_json(nlohmann::json::parse(
                   R"({"config":{},"steps":[{"op":"task","tab":0,"task":"fly"}]})")),
               std::exception);
}

TEST(Shrink, ATenThousandStepFailureShrinksToAFewSteps) {
  active_planted_bug = PlantedBug::dropped_never_healed;
  SimConfig config = config_for_seed(54);
  config.steps = 10'000;
  // The run this bound was measured on, from before the seeds chose a bounded log.
  config.log_messages_max = limits::log_messages_default;
  config.log_window = 0;
  config.weight_older = 0;
  const Scenario failing = scenario_for(config);
  const RunResult result = run_scenario(failing);
  ASSERT_FALSE(result.failures.empty());
  // The budget is a cap, not the expected time (a few seconds, a minute or two under TSan): a
  // loaded machine must not make the shrinker stop early and the bound below fail.
  const ShrinkResult shrunk =
      shrink(failing, result.failures.front().invariant, std::chrono::seconds(400));
  EXPECT_FALSE(shrunk.budget_ran_out);
  EXPECT_LE(shrunk.scenario.steps.size(), 20u);
  EXPECT_EQ(shrunk.failure.invariant, result.failures.front().invariant);
  EXPECT_FALSE(run_scenario(shrunk.scenario).failures.empty());  // the minimal trace replays
  active_planted_bug = PlantedBug::none;
  EXPECT_TRUE(run_scenario(shrunk.scenario).failures.empty());  // and the clean engine passes it
}

}  // namespace
}  // namespace lvt::sim

namespace lvt::sim {
namespace {

// Replicas: tab 0 on replica 0 sends while replica 1's links are cut. With heal off (what
// livetemplate does) the two tabs on replica 1 miss it for good; with heal on, the heal after
// the links come back refreshes them, and every invariant holds either way.
TEST(Replicas, ACutLinkLeavesTabsStaleOnlyWithHealOff) {
  std::ifstream in(LVT_SCENARIOS_DIR "/replicas-link-cut-heal.json");
  Scenario scenario = scenario_from_json(nlohmann::json::parse(in));
  ASSERT_FALSE(scenario.config.heal);
  const RunResult off = run_scenario(scenario);
  for (const Failure& failure : off.failures) ADD_FAILURE() << failure.detail;
  EXPECT_EQ(off.stale_tabs, 2);
  EXPECT_EQ(off.coverage.count("heal"), 0u);
  scenario.config.heal = true;
  const RunResult on = run_scenario(scenario);
  for (const Failure& failure : on.failures) ADD_FAILURE() << failure.detail;
  EXPECT_EQ(on.stale_tabs, 0);
  EXPECT_EQ(on.coverage.at("heal"), 1u);
  EXPECT_GT(on.checks.at("fan-out-exact"), 0u);
  EXPECT_GT(on.checks.at("subscriptions-exact"), 0u);
}

// A broker restarted without persistence forgets its counter: replica 1, which never read
// replica 0's two messages (another group's), appends under id 1 again. A finding, reported.
TEST(Replicas, ABrokerWithoutPersistenceHandsOutAnIdAgain) {
  const RunResult result = run_scenario_file("replicas-broker-loses-its-data.json");
  EXPECT_EQ(result.ids_repeated, 1);
  EXPECT_EQ(result.coverage.at("broker-data-lost"), 1u);
  std::ifstream in(LVT_SCENARIOS_DIR "/replicas-broker-loses-its-data.json");
  Scenario persistent = scenario_from_json(nlohmann::json::parse(in));
  persistent.config.broker_persistent = true;
  EXPECT_EQ(run_scenario(persistent).ids_repeated, 0);
}

// Seed 2938 of the first campaign with replicas, shrunk: tab 2 reconnects at replica 0 and reads
// the store just before tab 1's message is stored, and replica 0's new subscription to their
// group reaches the broker just after it was published: no one tells replica 0. Once the bus
// confirms the subscription, the group catches up (heal on); without that, tab 2 stays stale.
TEST(Replicas, ANewSubscriptionCatchesUpOnABroadcastItMissed) {
  const RunResult result = run_scenario_file("replicas-subscription-race.json");
  EXPECT_GT(result.coverage.at("catch-up"), 0u);
  active_planted_bug = PlantedBug::resubscribe_without_heal;
  std::ifstream in(LVT_SCENARIOS_DIR "/replicas-subscription-race.json");
  const RunResult planted = run_scenario(scenario_from_json(nlohmann::json::parse(in)));
  active_planted_bug = PlantedBug::none;
  ASSERT_FALSE(planted.failures.empty());
  EXPECT_EQ(planted.failures.front().invariant, "convergence");
}

// A quarter of the seeds run replicas, over every count from one to four, heal on and off.
TEST(Replicas, SeedsChooseReplicasHealAndPersistence) {
  std::set<int> counts;
  int replica_seeds = 0;
  bool heal_on = false, heal_off = false, in_memory = false;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const SimConfig c = config_for_seed(seed);
    if (c.replicas == 0) continue;
    ++replica_seeds;
    counts.insert(c.replicas);
    heal_on |= c.heal;
    heal_off |= !c.heal;
    in_memory |= !c.broker_persistent;
  }
  EXPECT_EQ(counts, (std::set<int>{1, 2, 3, 4}));
  EXPECT_GT(replica_seeds, 60);
  EXPECT_LT(replica_seeds, 140);
  EXPECT_TRUE(heal_on && heal_off && in_memory);
}

}  // namespace
}  // namespace lvt::sim
