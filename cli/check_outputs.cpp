#include "check_outputs.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "check_results.hpp"
#include "shrink.hpp"

namespace lvt::cli {

namespace fs = std::filesystem;

// Makes `dir` (and its parents) and checks a file can be made in it; else says why.
namespace {

std::optional<std::string> prepare_directory(const fs::path& dir) {
  const fs::path where = dir.empty() ? fs::path(".") : dir;
  // The nearest part of the path that exists must be a directory (not /dev/null, say).
  for (fs::path part = where; !part.empty(); part = part.parent_path()) {
    std::error_code error;
    if (fs::exists(part, error)) {
      if (!fs::is_directory(part, error)) return part.string() + " is not a directory";
      break;
    }
    if (part == part.parent_path()) break;
  }
  std::error_code error;
  fs::create_directories(where, error);
  if (error) return "cannot create directory " + where.string() + ": " + error.message();
  const fs::path probe = where / ".lvtlab-write-probe";
  if (!std::ofstream(probe)) return "cannot write in " + where.string();
  fs::remove(probe, error);
  return std::nullopt;
}

}  // namespace

// Checks before the run that its results and failures can be written, so a long campaign does not
// end with nowhere to put them.
std::optional<std::string> prepare_outputs(const CheckFlags& flags) {
  const fs::path results(flags.results);
  const std::string cannot = "cannot write --results " + flags.results + ": ";
  if (results.filename().empty()) return cannot + "it names no file";
  if (auto problem = prepare_directory(results.parent_path())) return cannot + *problem;
  if (fs::is_directory(results)) return cannot + "it is a directory";
  if (auto problem = prepare_directory(flags.failures_dir)) {
    return "cannot write --failures-dir " + flags.failures_dir + ": " + *problem;
  }
  return std::nullopt;
}

// `lvtlab check --seed S` with the flags that change what seed S does.
std::string rerun_command(std::uint64_t seed, const CheckFlags& flags, bool determinism) {
  std::string command = "lvtlab check --seed " + std::to_string(seed);
  if (flags.steps > 0) command += " --steps " + std::to_string(flags.steps);
  if (!flags.plant.empty()) command += " --plant " + flags.plant;
  if (determinism) command += " --double-run";
  return command;
}

// Shrinks a failing seed and writes its minimal scenario for `lvtlab replay`: the first failure,
// the ones after it as its consequences, and the events of the shrunk run as a timeline.
ShrunkFailure shrink_and_save(const sim::RunResult& failing, const CheckFlags& flags,
                              bool planted_power) {
  const sim::Failure& first = failing.failures.front();
  if (!planted_power) {
    std::printf("shrinking seed %llu (%s), budget %.0f s...\n",
                static_cast<unsigned long long>(failing.config.seed), first.invariant.c_str(),
                flags.time_budget_s);
    std::fflush(stdout);
  }
  const sim::Scenario scenario = sim::scenario_for(failing.config);
  const sim::ShrinkResult shrunk =
      sim::shrink(scenario, first.invariant,
                  std::chrono::milliseconds(static_cast<std::int64_t>(flags.time_budget_s * 1000)));
  const sim::RunResult traced =
      sim::run_scenario(shrunk.scenario, {.timeline_events_max = timeline_events_max});
  nlohmann::json out = sim::scenario_to_json(shrunk.scenario);
  out["failure"] = failure_to_json(shrunk.failure);
  out["consequences"] = nlohmann::json::array();
  for (const sim::Failure& f : without_repeats(shrunk.consequences, shrunk.failure))
    out["consequences"].push_back(failure_to_json(f));
  if (!flags.plant.empty()) out["plant"] = flags.plant;  // replay switches it on again
  out["timeline"] = timeline_to_json(traced);
  // In `--plant all` each bug's file is named after it.
  const std::string stem = planted_power ? flags.plant + "-" : std::string();
  const std::string path = (fs::path(flags.failures_dir) /
                            (stem + "seed-" + std::to_string(failing.config.seed) + ".json"))
                               .string();
  ShrunkFailure result;
  result.record = failure_to_json(shrunk.failure);
  result.record["seed"] = failing.config.seed;
  result.record["configuration"] = configuration_name(failing.config);
  result.record["consequences"] = out["consequences"];
  result.record["rerun_command"] = rerun_command(failing.config.seed, flags, false);
  result.record["original_steps"] = scenario.steps.size();
  result.record["shrunk_steps"] = shrunk.scenario.steps.size();
  result.record["shrink_s"] = shrunk.seconds;
  result.record["shrink_budget_ran_out"] = shrunk.budget_ran_out;
  result.record["timeline"] = out["timeline"];
  std::error_code error;
  fs::create_directories(flags.failures_dir, error);
  std::ofstream file(path);
  // What a broken engine sent may not be UTF-8: such bytes are written as U+FFFD.
  file << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!file.flush()) {
    std::fprintf(stderr, "lvtlab check: cannot write %s\n", path.c_str());
  } else {
    result.path = path;
    result.record["failure_file"] = path;
    result.record["replay_command"] = "lvtlab replay " + path;
  }
  if (planted_power) {
    std::printf("shrunk %zu steps to %zu\n", scenario.steps.size(), shrunk.scenario.steps.size());
  } else {
    std::printf("shrunk %zu steps to %zu in %d runs (%.1f s%s): %s\n", scenario.steps.size(),
                shrunk.scenario.steps.size(), shrunk.runs, shrunk.seconds,
                shrunk.budget_ran_out ? ", budget ran out" : "", shrunk.failure.detail.c_str());
  }
  return result;
}

bool write_results(const std::string& path, const nlohmann::json& results) {
  std::ofstream out(path);
  out << results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "lvtlab check: cannot write %s\n", path.c_str());
    return false;
  }
  std::printf("results: %s\n", path.c_str());
  return true;
}

}  // namespace lvt::cli
