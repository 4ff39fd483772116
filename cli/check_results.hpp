// What `lvtlab check` and `lvtlab replay` make of a run's failures: the tally per invariant, the
// JSON of a failure, and the lines that show one. A seed is blamed on the first invariant it
// broke: the failures after it, in event order, are most likely its consequences.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulation.hpp"

namespace lvt::cli {

struct InvariantTally {
  std::uint64_t checked = 0;
  std::uint64_t failed_seeds = 0;                   // seeds whose first failure was this invariant
  std::uint64_t consequence_seeds = 0;              // seeds where it failed only after another had
  std::optional<std::uint64_t> first_failing_seed;  // the first seed counted in failed_seeds
};
using Tally = std::map<std::string, InvariantTally>;

// Counts `seed` under the invariant of its first failure (`failures` are in event order), and
// under consequence_seeds for each other invariant that failed after it.
void tally_failures(Tally& tally, std::uint64_t seed, const std::vector<sim::Failure>& failures);
// Counts `seed` as failed under `invariant`, a check of the whole run (determinism).
void tally_run_failure(Tally& tally, std::uint64_t seed, const std::string& invariant);

nlohmann::json tally_to_json(const Tally& tally);
// {invariant, detail, event, tab, expected, held}, without the tab, expected and held when the
// failure has none.
nlohmann::json failure_to_json(const sim::Failure& failure);

// "cookie groups, drop": the two choices of a seed that the invariant table is split by.
std::string configuration_name(const sim::SimConfig& config);

// {events: [{index, time_us, lane, at_server, kind, text}], cut}: a run's recorded timeline.
nlohmann::json timeline_to_json(const sim::RunResult& run);

// `later` without the failures equal to `first` or to one before them (a check may report the same
// thing twice at one event).
std::vector<sim::Failure> without_repeats(const std::vector<sim::Failure>& later,
                                          const sim::Failure& first);

// "FAILED invariant after event E (tab T): detail" with its expected and held lines, then the
// later failures under "then, as consequences:".
void print_failures(std::FILE* out, const std::vector<sim::Failure>& failures);

}  // namespace lvt::cli
