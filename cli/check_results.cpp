#include "check_results.hpp"

#include <algorithm>
#include <set>

namespace lvt::cli {

namespace {

void count_failed(InvariantTally& t, std::uint64_t seed) {
  ++t.failed_seeds;
  if (!t.first_failing_seed) t.first_failing_seed = seed;
}

// One failure's line, then its expected and held lines, each indented by `indent`.
void print_failure(std::FILE* out, const sim::Failure& f, const char* prefix, const char* indent) {
  std::fprintf(out, "%s%s%s after event %llu", indent, prefix, f.invariant.c_str(),
               static_cast<unsigned long long>(f.event));
  if (f.tab >= 0) std::fprintf(out, " (tab %d)", f.tab);
  std::fprintf(out, ": %s\n", f.detail.c_str());
  if (!f.expected.empty()) std::fprintf(out, "%s  expected: %s\n", indent, f.expected.c_str());
  if (!f.held.empty()) std::fprintf(out, "%s  held:     %s\n", indent, f.held.c_str());
}

bool same_failure(const sim::Failure& a, const sim::Failure& b) {
  return a.invariant == b.invariant && a.detail == b.detail && a.event == b.event &&
         a.tab == b.tab && a.expected == b.expected && a.held == b.held;
}

}  // namespace

std::vector<sim::Failure> without_repeats(const std::vector<sim::Failure>& later,
                                          const sim::Failure& first) {
  std::vector<sim::Failure> out;
  for (const sim::Failure& f : later) {
    const auto equal = [&](const sim::Failure& seen) { return same_failure(f, seen); };
    if (!same_failure(f, first) && std::none_of(out.begin(), out.end(), equal)) out.push_back(f);
  }
  return out;
}

void tally_failures(Tally& tally, std::uint64_t seed, const std::vector<sim::Failure>& failures) {
  if (failures.empty()) return;
  const std::string& first = failures.front().invariant;
  count_failed(tally[first], seed);
  std::set<std::string> later;
  for (const sim::Failure& f : failures) {
    if (f.invariant != first) later.insert(f.invariant);
  }
  for (const std::string& name : later) ++tally[name].consequence_seeds;
}

void tally_run_failure(Tally& tally, std::uint64_t seed, const std::string& invariant) {
  count_failed(tally[invariant], seed);
}

nlohmann::json tally_to_json(const Tally& tally) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, t] : tally) {
    out[name] = {{"checked", t.checked},
                 {"failed_seeds", t.failed_seeds},
                 {"consequence_seeds", t.consequence_seeds},
                 {"first_failing_seed", nullptr}};
    if (t.first_failing_seed) out[name]["first_failing_seed"] = *t.first_failing_seed;
  }
  return out;
}

nlohmann::json failure_to_json(const sim::Failure& failure) {
  nlohmann::json out = {
      {"invariant", failure.invariant}, {"detail", failure.detail}, {"event", failure.event}};
  if (failure.tab >= 0) out["tab"] = failure.tab;
  if (!failure.expected.empty()) out["expected"] = failure.expected;
  if (!failure.held.empty()) out["held"] = failure.held;
  return out;
}

std::string configuration_name(const sim::SimConfig& config) {
  if (config.replicas > 0) {
    return std::string("replicas, heal ") + (config.heal ? "on" : "off") + ", broker " +
           (config.broker_persistent ? "persistent" : "in memory");
  }
  return std::string(config.group_mode == model::GroupMode::cookie ? "cookie groups"
                                                                   : "one global group") +
         ", " + (config.dispatch_policy == model::DispatchPolicy::drop ? "drop" : "coalesce");
}

nlohmann::json timeline_to_json(const sim::RunResult& run) {
  nlohmann::json events = nlohmann::json::array();
  for (const sim::TimelineEvent& e : run.timeline) {
    events.push_back({{"index", e.index},
                      {"time_us", e.time_us},
                      {"lane", e.lane},
                      {"at_server", e.at_server},
                      {"kind", e.kind},
                      {"text", e.text}});
  }
  return {{"events", std::move(events)}, {"cut", run.timeline_cut}};
}

void print_failures(std::FILE* out, const std::vector<sim::Failure>& failures) {
  if (failures.empty()) return;
  print_failure(out, failures.front(), "FAILED ", "");
  const std::vector<sim::Failure> later = without_repeats(
      std::vector<sim::Failure>(failures.begin() + 1, failures.end()), failures.front());
  if (later.empty()) return;
  std::fprintf(out, "then, as consequences:\n");
  for (const sim::Failure& f : later) print_failure(out, f, "", "  ");
}

}  // namespace lvt::cli
