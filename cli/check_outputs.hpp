// What a `check` run writes and how: its flags, the checks that its outputs can be written
// before it runs, a failing seed shrunk and saved for `lvtlab replay` with its timeline, and the
// results file. Shared by the campaign (check_command.cpp) and `--plant all` (planted_power.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "simulation.hpp"

namespace lvt::cli {

// A shrunk failure's timeline keeps at most this many events (shrunk runs have a few hundred).
inline constexpr std::size_t timeline_events_max = 2000;

struct CheckFlags {
  std::uint64_t seeds = 1000;
  std::uint64_t first_seed = 1;
  std::optional<std::uint64_t> seed;  // one seed only, verbose
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  bool double_run = false;
  std::string results = "build/check-results.json";
  std::string plant;  // a planted bug's name, or "list"
  double time_budget_s = 60;
  int steps = 0;  // 0: each seed chooses
  std::string failures_dir = "build/failures";
};

// Checks before the run that its results and failures can be written, so a long campaign does not
// end with nowhere to put them; else says why.
std::optional<std::string> prepare_outputs(const CheckFlags& flags);

// `lvtlab check --seed S` with the flags that change what seed S does.
std::string rerun_command(std::uint64_t seed, const CheckFlags& flags, bool determinism);

// A failing seed, shrunk: where its minimal scenario was written (nothing when it could not be)
// and the record the results list it under, with the timeline of the shrunk run.
struct ShrunkFailure {
  std::optional<std::string> path;
  nlohmann::json record;
};

// Shrinks a failing seed and writes its minimal scenario for `lvtlab replay`: the first failure,
// the ones after it as its consequences, and the events of the shrunk run as a timeline. With
// `planted_power` the file is named after the planted bug and the output is one line.
ShrunkFailure shrink_and_save(const sim::RunResult& failing, const CheckFlags& flags,
                              bool planted_power = false);

// Writes the results file and says where; false (with a message) when it cannot.
bool write_results(const std::string& path, const nlohmann::json& results);

}  // namespace lvt::cli
