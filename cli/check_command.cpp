// `lvtlab check`: runs many simulated seeds through the engine, checks every invariant against
// the model, and says which held.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "planted.hpp"
#include "shrink.hpp"
#include "simulation.hpp"

namespace lvt::cli {
namespace {

struct CheckFlags {
  std::uint64_t seeds = 1000;
  std::uint64_t first_seed = 1;
  std::int64_t seed = -1;  // one seed only, verbose
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  bool double_run = false;
  std::string results = "build/check-results.json";
  std::string plant;  // a planted bug's name, or "list"
  double time_budget_s = 60;
  int steps = 0;  // 0: each seed chooses
  std::string failures_dir = "build/failures";
};

// Shrinks the first failing seed and writes its minimal scenario for `lvtlab replay`.
void shrink_and_save(const sim::RunResult& failing, const CheckFlags& flags) {
  const sim::Failure& first = failing.failures.front();
  std::printf("shrinking seed %llu (%s), budget %.0f s...\n",
              static_cast<unsigned long long>(failing.config.seed), first.invariant.c_str(),
              flags.time_budget_s);
  std::fflush(stdout);
  const sim::Scenario scenario = sim::scenario_for(failing.config);
  const sim::ShrinkResult shrunk =
      sim::shrink(scenario, first.invariant,
                  std::chrono::milliseconds(static_cast<std::int64_t>(flags.time_budget_s * 1000)));
  nlohmann::json out = sim::scenario_to_json(shrunk.scenario);
  out["failure"] = {{"invariant", shrunk.failure.invariant}, {"detail", shrunk.failure.detail}};
  if (!flags.plant.empty()) out["plant"] = flags.plant;  // replay switches it on again
  std::filesystem::create_directories(flags.failures_dir);
  const std::string path =
      flags.failures_dir + "/seed-" + std::to_string(failing.config.seed) + ".json";
  std::ofstream(path) << out.dump(2) << '\n';
  std::printf("shrunk %zu steps to %zu in %d runs (%.1f s%s): %s\n  replay: lvtlab replay %s\n",
              scenario.steps.size(), shrunk.scenario.steps.size(), shrunk.runs, shrunk.seconds,
              shrunk.budget_ran_out ? ", budget ran out" : "", shrunk.failure.detail.c_str(),
              path.c_str());
}

struct InvariantTally {
  std::uint64_t checked = 0, failed_seeds = 0;
  std::int64_t first_failing_seed = -1;
};

int run_check(const CheckFlags& flags) {
  if (flags.plant == "list") {
    for (const auto& info : planted_bugs) {
      std::printf("%-26s %s\n", std::string(info.name).c_str(), std::string(info.summary).c_str());
    }
    return 0;
  }
  if (!flags.plant.empty()) {
    const auto bug = planted_bug_named(flags.plant);
    if (!bug) {
      std::fprintf(stderr, "lvtlab check: no planted bug named '%s' (see --plant list)\n",
                   flags.plant.c_str());
      return 2;
    }
    active_planted_bug = *bug;
    std::printf("planted bug: %s (the run must fail)\n", flags.plant.c_str());
  }
  std::vector<std::uint64_t> seeds;
  if (flags.seed >= 0) {
    seeds.push_back(static_cast<std::uint64_t>(flags.seed));
  } else {
    for (std::uint64_t i = 0; i < flags.seeds; ++i) seeds.push_back(flags.first_seed + i);
  }
  std::vector<sim::RunResult> results(seeds.size());
  std::vector<bool> replay_differs(seeds.size(), false);
  std::atomic<std::size_t> next{0}, done{0}, failing{0};
  const auto started = std::chrono::steady_clock::now();
  auto work = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      sim::SimConfig config = sim::config_for_seed(seeds[i]);
      if (flags.steps > 0) config.steps = flags.steps;
      results[i] = sim::run_seed(config);
      if (flags.double_run)
        replay_differs[i] = sim::run_seed(config).trace_hash != results[i].trace_hash;
      if (!results[i].failures.empty() || replay_differs[i]) ++failing;
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < std::max(1u, flags.workers); ++w) pool.emplace_back(work);
  // A live progress line while the workers run.
  while (done < seeds.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\r%zu/%zu seeds  %.0f seeds/s  %zu failing", done.load(), seeds.size(),
                 static_cast<double>(done.load()) / std::max(elapsed, 1e-9), failing.load());
  }
  for (auto& thread : pool) thread.join();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "\n");

  std::map<std::string, InvariantTally> tally;
  std::map<std::string, std::uint64_t> coverage;
  std::uint64_t tab_events = 0, virtual_us = 0;
  int stale_seeds = 0, diverged_seeds = 0, drop_seeds = 0;
  for (const auto& name : sim::invariant_names) tally[name];
  tally["determinism"];
  for (std::size_t i = 0; i < results.size(); ++i) {
    const sim::RunResult& r = results[i];
    for (const auto& [name, count] : r.checks) tally[name].checked += count;
    for (const auto& [name, count] : r.coverage) coverage[name] += count;
    tab_events += r.tab_events;
    virtual_us += r.virtual_us;
    if (r.stale_tabs > 0) ++stale_seeds;
    if (r.diverged_tabs > 0) ++diverged_seeds;
    drop_seeds += r.config.dispatch_policy == model::DispatchPolicy::drop;
    std::map<std::string, bool> failed_here;
    for (const auto& failure : r.failures) failed_here[failure.invariant] = true;
    if (flags.double_run) {
      ++tally["determinism"].checked;
      if (replay_differs[i]) failed_here["determinism"] = true;
    }
    for (const auto& [name, failed] : failed_here) {
      auto& t = tally[name];
      ++t.failed_seeds;
      if (t.first_failing_seed < 0) t.first_failing_seed = static_cast<std::int64_t>(r.config.seed);
    }
  }

  if (flags.seed >= 0) {
    const auto& r = results[0];
    std::printf("%s\ntrace hash %016llx, %llu events, %llu tab-events, %.3f s virtual\n",
                r.config.describe().c_str(), static_cast<unsigned long long>(r.trace_hash),
                static_cast<unsigned long long>(r.events),
                static_cast<unsigned long long>(r.tab_events),
                static_cast<double>(r.virtual_us) / 1e6);
    for (const auto& f : r.failures) {
      std::printf("FAILED %s after event %llu: %s\n", f.invariant.c_str(),
                  static_cast<unsigned long long>(f.event), f.detail.c_str());
    }
  }
  std::printf("%-26s %12s %8s %8s %18s\n", "invariant", "checked", "held", "failed",
              "first failing seed");
  for (const auto& [name, t] : tally) {
    if (name == "determinism" && !flags.double_run) continue;
    std::printf("%-26s %12llu %8llu %8llu %18s\n", name.c_str(),
                static_cast<unsigned long long>(t.checked),
                static_cast<unsigned long long>(seeds.size() - t.failed_seeds),
                static_cast<unsigned long long>(t.failed_seeds),
                t.first_failing_seed < 0 ? "-" : std::to_string(t.first_failing_seed).c_str());
  }
  std::printf("coverage:");
  for (const std::string& op : sim::coverage_names) {
    std::printf(" %s=%llu", op.c_str(), static_cast<unsigned long long>(coverage[op]));
  }
  std::printf("\nnever hit:");
  bool all_hit = true;
  for (const std::string& op : sim::coverage_names) {
    if (coverage[op] == 0) {
      std::printf(" %s", op.c_str());
      all_hit = false;
    }
  }
  std::printf("%s\n", all_hit ? " nothing" : "");
  std::printf(
      "%zu seeds in %.1f s (%.0f tab-events/s, %.0fx virtual time); %d of %zu seeds left a tab "
      "stale (the model predicts which: a tab in another group learns of a message only on its "
      "next Mount); %d seeds ran under drop\n",
      seeds.size(), wall_s, static_cast<double>(tab_events) / wall_s,
      static_cast<double>(virtual_us) / 1e6 / wall_s, stale_seeds, seeds.size(), drop_seeds);
  std::printf(
      "%d of %zu seeds left a tab showing an HTTP reply's page (an action posted while the socket "
      "connected was answered after the socket's tree; the client applies it, and the socket's "
      "diffs merge into a page the server does not know)\n",
      diverged_seeds, seeds.size());

  nlohmann::json json_results = {{"seeds", seeds.size()},
                                 {"wall_s", wall_s},
                                 {"failing_seeds", failing.load()},
                                 {"stale_seeds", stale_seeds},
                                 {"diverged_seeds", diverged_seeds},
                                 {"coverage", coverage}};
  for (const auto& [name, t] : tally) {
    json_results["invariants"][name] = {{"checked", t.checked},
                                        {"failed_seeds", t.failed_seeds},
                                        {"first_failing_seed", t.first_failing_seed}};
  }
  if (std::ofstream out(flags.results); out) {
    out << json_results.dump(2) << '\n';
    std::printf("results: %s\n", flags.results.c_str());
  } else {
    std::fprintf(stderr, "lvtlab check: cannot write %s\n", flags.results.c_str());
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].failures.empty()) {
      shrink_and_save(results[i], flags);
      break;
    }
  }
  const bool safety_held = failing.load() == 0;
  std::printf("%s\n", safety_held ? "safety held" : "FAILED: replay a failing seed with --seed S");
  return safety_held ? 0 : 1;
}

}  // namespace

std::function<int()> add_check_command(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Run simulated seeds of browsers, tabs and session groups through the engine and check every "
      "invariant against the model. Exits non-zero when any invariant failed.");
  check->add_option("--seeds", flags->seeds, "How many seeds to run")->capture_default_str();
  check->add_option("--first-seed", flags->first_seed, "The first seed of the run")
      ->capture_default_str();
  check->add_option("--seed", flags->seed,
                    "Run this one seed and print what it chose and what failed");
  check->add_option("--workers", flags->workers, "Seeds run in parallel")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  check->add_flag("--double-run", flags->double_run,
                  "Run every seed twice; fail on any difference");
  check->add_option("--results", flags->results, "Where to write the JSON results")
      ->capture_default_str();
  check->add_option("--steps", flags->steps, "Workload steps per seed (default: each seed chooses)")
      ->check(CLI::Range(1, 10'000'000));
  check
      ->add_option("--time-budget", flags->time_budget_s,
                   "Seconds to spend shrinking the first failing seed")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  check->add_option("--failures-dir", flags->failures_dir, "Where shrunk failures are written")
      ->capture_default_str();
  check->add_option("--plant", flags->plant,
                    "Switch on a deliberately wrong engine behaviour, which the run must catch; "
                    "'list' names them");
  return [flags] { return run_check(*flags); };
}

}  // namespace lvt::cli

namespace lvt::cli {

std::function<int()> add_replay_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Run one scenario from JSON (a shrunk failure, or one written by hand) and say "
      "which invariants failed. Exits 1 when one did.");
  replay->add_option("file", *file, "The scenario's JSON file")
      ->required()
      ->check(CLI::ExistingFile);
  return [file] {
    sim::Scenario scenario;
    try {
      std::ifstream in(*file);
      const nlohmann::json json = nlohmann::json::parse(in);
      scenario = sim::scenario_from_json(json);
      if (json.contains("plant")) {
        const auto bug = planted_bug_named(json["plant"].get<std::string>());
        if (!bug) throw std::invalid_argument("unknown planted bug " + json["plant"].dump());
        active_planted_bug = *bug;
        std::printf("planted bug: %s\n", json["plant"].get<std::string>().c_str());
      }
    } catch (const std::exception& error) {
      std::fprintf(stderr, "lvtlab replay: %s is not a scenario: %s\n", file->c_str(),
                   error.what());
      return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    const sim::RunResult result = sim::run_scenario(scenario);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%s\n%zu steps, %llu events, trace hash %016llx, %.3f s\n",
                scenario.config.describe().c_str(), scenario.steps.size(),
                static_cast<unsigned long long>(result.events),
                static_cast<unsigned long long>(result.trace_hash), seconds);
    std::printf("what happened:");
    for (const auto& [name, count] : result.coverage) {
      std::printf(" %s=%llu", name.c_str(), static_cast<unsigned long long>(count));
    }
    std::printf(" (%.1f s virtual)\n", static_cast<double>(result.virtual_us) / 1e6);
    for (const auto& f : result.failures) {
      std::printf("FAILED %s after event %llu: %s\n", f.invariant.c_str(),
                  static_cast<unsigned long long>(f.event), f.detail.c_str());
    }
    if (result.stale_tabs > 0) {
      std::printf("%d tab(s) left stale, as the model predicts for this configuration\n",
                  result.stale_tabs);
    }
    if (result.diverged_tabs > 0) {
      std::printf(
          "%d tab(s) show an HTTP reply's page that landed after their socket's tree, as "
          "the client does: a finding, not a failure\n",
          result.diverged_tabs);
    }
    if (result.failures.empty()) std::printf("every invariant held\n");
    return result.failures.empty() ? 0 : 1;
  };
}

}  // namespace lvt::cli
