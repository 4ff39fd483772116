// The simulator's speed: tab-events per second with every check on, and how much faster than
// real time a large deployment runs.
#include <benchmark/benchmark.h>

#include "simulation.hpp"

namespace lvt::sim {
namespace {

// A swarm of seeds, as `lvtlab check` runs them; one core.
void BM_SwarmSeeds(benchmark::State& state) {
  std::uint64_t seed = 1;
  std::uint64_t tab_events = 0;
  for (auto _ : state) {
    const RunResult result = run_seed(config_for_seed(seed++));
    tab_events += result.tab_events;
    benchmark::DoNotOptimize(result.trace_hash);
  }
  state.counters["tab_events_per_s"] =
      benchmark::Counter(static_cast<double>(tab_events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SwarmSeeds)->Unit(benchmark::kMillisecond)->MinTime(3);

// 1,000 tabs in 10 groups sending 50 messages per second in total: virtual seconds per wall
// second.
void BM_ThousandTabsTenGroups(benchmark::State& state) {
  Scenario scenario;
  SimConfig& c = scenario.config;
  c.seed = 7;
  c.group_mode = model::GroupMode::cookie;
  c.dispatch_policy = model::DispatchPolicy::coalesce;
  c.browsers = 10;
  c.tabs_max = 1000;
  c.latency_us_min = 1'000;
  c.latency_us_max = 30'000;
  c.dispatch_delay_us_max = 1'000;
  // Every tab loads its page and connects, then joins, then the sends begin.
  for (int tab = 0; tab < 1000; ++tab) {
    scenario.steps.push_back({Step::Op::open, 0, tab % 10, "", "", tab == 999 ? 1'000'000u : 0});
  }
  for (int tab = 0; tab < 1000; ++tab) {
    scenario.steps.push_back(
        {Step::Op::join, tab, 0, "user" + std::to_string(tab), "", tab == 999 ? 1'000'000u : 0});
  }
  const int messages = static_cast<int>(state.range(0));
  for (int i = 0; i < messages; ++i) {  // one message every 20 ms: 50 per second
    scenario.steps.push_back(
        {Step::Op::send, (i * 37) % 1000, 0, "message " + std::to_string(i), "", 20'000});
  }
  c.steps = static_cast<int>(scenario.steps.size());
  double virtual_s = 0;
  std::uint64_t tab_events = 0;
  for (auto _ : state) {
    const RunResult result = run_scenario(scenario);
    virtual_s += static_cast<double>(result.virtual_us) / 1e6;
    tab_events += result.tab_events;
    if (!result.failures.empty()) state.SkipWithError(result.failures.front().detail.c_str());
    if (result.coverage.at("send") != static_cast<std::uint64_t>(messages)) {
      state.SkipWithError("not every send was made: the workload is mistimed");
    }
  }
  state.counters["virtual_s_per_wall_s"] =
      benchmark::Counter(virtual_s, benchmark::Counter::kIsRate);
  state.counters["tab_events_per_s"] =
      benchmark::Counter(static_cast<double>(tab_events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ThousandTabsTenGroups)
    ->Arg(500)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace lvt::sim
