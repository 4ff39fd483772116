// `lvtlab check --plant all`: the harness's power over its planted bugs, measured.
#include "planted_power.hpp"

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "check_outputs.hpp"
#include "planted.hpp"
#include "run_record.hpp"
#include "validators.hpp"

namespace lvt::cli {
namespace {

// The first seed of the campaign's range that fails, run `workers` at a time; nothing when every
// seed held.
std::optional<sim::RunResult> first_failing_seed(const CheckFlags& flags) {
  for (std::uint64_t batch = 0; batch < flags.seeds; batch += flags.workers) {
    const std::uint64_t size = std::min<std::uint64_t>(flags.workers, flags.seeds - batch);
    std::vector<sim::RunResult> results(size);
    std::vector<std::thread> pool;
    for (std::uint64_t i = 0; i < size; ++i) {
      pool.emplace_back([&, i] {
        sim::SimConfig config = sim::config_for_seed(flags.first_seed + batch + i);
        if (flags.steps > 0) config.steps = flags.steps;
        results[i] = sim::run_seed(config);
      });
    }
    for (auto& thread : pool) thread.join();
    for (sim::RunResult& r : results) {
      if (!r.failures.empty()) return std::move(r);
    }
  }
  return std::nullopt;
}

}  // namespace

// `check --plant all`: the harness's power over its planted bugs. Each is switched on in turn;
// the seeds it takes to be caught and the length its failure shrinks to are what the report
// draws, with the shrunk run's timeline.
int run_planted_power(const CheckFlags& flags) {
  if (const auto problem = prepare_outputs(flags)) {
    std::fprintf(stderr, "lvtlab check: %s\n", problem->c_str());
    return exit_usage;
  }
  nlohmann::json bugs = nlohmann::json::array();
  std::size_t missed = 0;
  bool wrote_everything = true;
  for (const auto& info : planted_bugs) {
    CheckFlags bug_flags = flags;
    bug_flags.plant = std::string(info.name);
    active_planted_bug = info.bug;
    const auto started = std::chrono::steady_clock::now();
    const std::optional<sim::RunResult> caught = first_failing_seed(bug_flags);
    const double search_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json entry = {{"name", info.name}, {"summary", info.summary}, {"search_s", search_s}};
    if (!caught) {
      ++missed;
      entry["caught"] = false;
      std::printf("%-28s NOT caught in %llu seeds\n", bug_flags.plant.c_str(),
                  static_cast<unsigned long long>(flags.seeds));
    } else {
      entry["caught"] = true;
      entry["seeds_to_catch"] = caught->config.seed - flags.first_seed + 1;
      std::printf("%-28s caught by seed %4llu (%s), ", bug_flags.plant.c_str(),
                  static_cast<unsigned long long>(caught->config.seed),
                  caught->failures.front().invariant.c_str());
      ShrunkFailure shrunk = shrink_and_save(*caught, bug_flags, /*planted_power=*/true);
      wrote_everything = wrote_everything && shrunk.path.has_value();
      entry.update(shrunk.record);
    }
    std::fflush(stdout);
    bugs.push_back(std::move(entry));
  }
  active_planted_bug = PlantedBug::none;
  nlohmann::json results = run_record("planted");
  results.update({{"verdict", missed == 0 ? "held" : "failed"},
                  {"seeds_max", flags.seeds},
                  {"first_seed", flags.first_seed},
                  {"caught", planted_bugs.size() - missed},
                  {"bugs", std::move(bugs)}});
  results["duration_s"] = seconds_since_invocation();
  wrote_everything = write_results(flags.results, results) && wrote_everything;
  std::printf("%s: %zu of %zu planted bugs caught within %llu seeds\n",
              missed == 0 ? "every planted bug caught" : "FAILED", planted_bugs.size() - missed,
              planted_bugs.size(), static_cast<unsigned long long>(flags.seeds));
  if (!wrote_everything) return exit_usage;
  return missed == 0 ? exit_held : exit_failed;
}

}  // namespace lvt::cli
