#include "baseline.hpp"

#include <cmath>
#include <map>
#include <span>
#include <stdexcept>

namespace lvt::reports {
namespace {

using nlohmann::json;

struct Sample {
  std::vector<double> values;
  double mean() const {
    double sum = 0;
    for (const double v : values) sum += v;
    return values.empty() ? 0 : sum / static_cast<double>(values.size());
  }
  double stddev() const {
    if (values.size() < 2) return 0;
    const double m = mean();
    double sum = 0;
    for (const double v : values) sum += (v - m) * (v - m);
    return std::sqrt(sum / static_cast<double>(values.size() - 1));
  }
};

double relative(double old_value, double new_value) {
  return old_value == 0 ? (new_value == 0 ? 0 : INFINITY) : (new_value - old_value) / old_value;
}

FigureChange figure_change(std::string figure, std::string unit, double old_value,
                           double new_value) {
  FigureChange change;
  change.figure = std::move(figure);
  change.unit = std::move(unit);
  change.old_value = old_value;
  change.new_value = new_value;
  change.change = relative(old_value, new_value);
  return change;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100);
  return text;
}

// Nanoseconds of a benchmark entry's real_time, whatever its time_unit.
double real_time_ns(const json& entry) {
  const std::string unit = entry.value("time_unit", std::string("ns"));
  const double scale = unit == "s" ? 1e9 : unit == "ms" ? 1e6 : unit == "us" ? 1e3 : 1;
  return entry.value("real_time", 0.0) * scale;
}

// Each benchmark's repetitions (iteration entries; the aggregates are recomputed here).
std::map<std::string, Sample> benchmark_samples(const json& results) {
  std::map<std::string, Sample> out;
  for (const json& entry : results.at("benchmarks")) {
    if (entry.value("run_type", std::string("iteration")) != "iteration") continue;
    if (entry.contains("error_occurred") && entry["error_occurred"].get<bool>()) continue;
    const std::string name = entry.value("run_name", entry.value("name", std::string()));
    out[name].values.push_back(real_time_ns(entry));
  }
  return out;
}

void compare_benchmarks(const json& old_run, const json& new_run, Comparison& out) {
  const auto old_samples = benchmark_samples(old_run);
  const auto new_samples = benchmark_samples(new_run);
  for (const auto& [name, now] : new_samples) {
    const auto before = old_samples.find(name);
    if (before == old_samples.end()) continue;
    const Sample& was = before->second;
    FigureChange change = figure_change(name, "ns", was.mean(), now.mean());
    change.better = change.new_value < change.old_value;
    if (was.values.size() >= 2 && now.values.size() >= 2) {
      const double spread = noise_sigmas * (was.stddev() + now.stddev());
      change.moved = std::abs(change.new_value - change.old_value) > spread &&
                     std::abs(change.change) > noise_floor;
      change.noise = std::to_string(was.values.size()) + " and " +
                     std::to_string(now.values.size()) + " repetitions, stddev " +
                     percent(was.stddev() / std::max(was.mean(), 1e-12)) + " and " +
                     percent(now.stddev() / std::max(now.mean(), 1e-12));
    } else {
      change.moved = std::abs(change.change) > unrepeated_band;
      change.noise = "no repetitions: a " + percent(unrepeated_band) + " band";
    }
    out.figures.push_back(std::move(change));
  }
}

std::string held_or_failed(const json& invariant) {
  return invariant.value("failed_seeds", 0) > 0 ? "failed" : "held";
}

void compare_checks(const json& old_run, const json& new_run, Comparison& out) {
  if (old_run.value("verdict", "") != new_run.value("verdict", "")) {
    out.verdicts.push_back(
        {"the campaign", old_run.value("verdict", "?"), new_run.value("verdict", "?")});
  }
  for (const auto& [name, now] : new_run.at("invariants").items()) {
    const auto before = old_run.at("invariants").find(name);
    const std::string was =
        before == old_run.at("invariants").end() ? "absent" : held_or_failed(*before);
    if (was != held_or_failed(now))
      out.verdicts.push_back({"invariant " + name, was, held_or_failed(now)});
  }
  for (const auto& [name, count] : new_run.at("coverage").items()) {
    const auto before = old_run.at("coverage").find(name);
    const bool hit_before = before != old_run.at("coverage").end() && before->get<double>() > 0;
    if (hit_before != (count.get<double>() > 0)) {
      out.verdicts.push_back({"coverage " + name, hit_before ? "hit" : "never hit",
                              count.get<double>() > 0 ? "hit" : "never hit"});
    }
  }
  for (const char* figure : {"tab_events_per_s", "seeds_per_s"}) {
    const json* was = old_run.contains("timings") ? &old_run["timings"] : nullptr;
    const json& now = new_run.at("timings");
    if (was == nullptr || !was->contains(figure) || !now.contains(figure)) continue;
    FigureChange change =
        figure_change(figure, "per s", (*was)[figure].get<double>(), now[figure].get<double>());
    change.better = change.new_value > change.old_value;
    change.moved = std::abs(change.change) > campaign_speed_band;
    change.noise = "one run a side: a " + percent(campaign_speed_band) + " band";
    out.figures.push_back(std::move(change));
  }
}

void compare_planted(const json& old_run, const json& new_run, Comparison& out) {
  std::map<std::string, const json*> before;
  for (const json& bug : old_run.at("bugs")) before[bug.value("name", "")] = &bug;
  for (const json& bug : new_run.at("bugs")) {
    const std::string name = bug.value("name", "");
    const auto was = before.find(name);
    const bool caught = bug.value("caught", false);
    if (was == before.end()) {
      out.verdicts.push_back({"planted bug " + name, "absent", caught ? "caught" : "missed"});
      continue;
    }
    const bool caught_before = was->second->value("caught", false);
    if (caught != caught_before) {
      out.verdicts.push_back({"planted bug " + name, caught_before ? "caught" : "missed",
                              caught ? "caught" : "missed"});
    }
    if (caught && caught_before) {
      FigureChange change = figure_change("seeds to catch " + name, "seeds",
                                          was->second->value("seeds_to_catch", 0.0),
                                          bug.value("seeds_to_catch", 0.0));
      change.better = change.new_value < change.old_value;
      change.moved = change.new_value != change.old_value;
      change.noise = "exact: the simulator replays";
      out.figures.push_back(std::move(change));
    }
  }
}

void compare_mutation(const json& old_run, const json& new_run, Comparison& out) {
  for (const char* figure : {"kill_rate_check", "kill_rate_total"}) {
    if (!old_run.contains(figure) || !new_run.contains(figure) || old_run[figure].is_null() ||
        new_run[figure].is_null())
      continue;
    FigureChange change = figure_change(figure, "share", old_run[figure].get<double>(),
                                        new_run[figure].get<double>());
    change.better = change.new_value > change.old_value;
    change.moved = change.new_value != change.old_value;
    change.noise = "exact for one sample of mutants";
    out.figures.push_back(std::move(change));
  }
}

// A figure two runs of one kind both report, and which way is better.
struct Figure {
  const char* name;
  const json* (*pick)(const json&);  // null when the run does not report it
  const char* unit;
  bool higher_better;
};

// Each figure both runs report, moved when it changed by more than the campaign speed band.
void compare_figures(std::span<const Figure> figures, const json& old_run, const json& new_run,
                     const std::string& noise, Comparison& out) {
  for (const Figure& f : figures) {
    const json* was = f.pick(old_run);
    const json* now = f.pick(new_run);
    if (was == nullptr || now == nullptr) continue;
    FigureChange change = figure_change(f.name, f.unit, was->get<double>(), now->get<double>());
    change.better =
        f.higher_better ? change.new_value > change.old_value : change.new_value < change.old_value;
    change.moved = std::abs(change.change) > campaign_speed_band;
    change.noise = noise + ": a " + percent(campaign_speed_band) + " band";
    out.figures.push_back(std::move(change));
  }
}

void compare_load(const json& old_run, const json& new_run, Comparison& out) {
  if (old_run.value("verdict", "") != new_run.value("verdict", "")) {
    out.verdicts.push_back(
        {"the load run", old_run.value("verdict", "?"), new_run.value("verdict", "?")});
  }
  static constexpr Figure figures[] = {
      {"deliveries per second", [](const json& r) { return &r.at("deliveries_per_s"); }, "per s",
       true},
      {"delivery latency p99", [](const json& r) { return &r.at("delivery_latency_ms").at("p99"); },
       "ms", false},
      {"server CPU per delivery",
       [](const json& r) {
         return r.at("server").is_null() ? nullptr : &r["server"].at("cpu_us_per_delivery");
       },
       "µs", false},
  };
  compare_figures(figures, old_run, new_run, "one run a side", out);
}

// Two runs of scripts/bench-replicas.js: the medians of cross-replica delivery and the most one
// replica published.
void compare_replicas(const json& old_run, const json& new_run, Comparison& out) {
  static constexpr Figure figures[] = {
      {"two replicas' delivery latency p99",
       [](const json& r) {
         const json& summary = r.at("summary");
         return summary.contains("two replicas")
                    ? &summary["two replicas"].at("delivery_p99_ms").at("median")
                    : nullptr;
       },
       "ms", false},
      {"publishes one replica sustains",
       [](const json& r) {
         return r.contains("published_per_s_max") ? &r["published_per_s_max"] : nullptr;
       },
       "per s", true},
  };
  compare_figures(figures, old_run, new_run, "medians of a few runs a side", out);
}

// lvtlab's median of one figure in a scale benchmark, when it has one.
const json* median_of(const json& run, const char* key) {
  const json& lvtlab = run.at("summary").at("lvtlab");
  return lvtlab.contains(key) && lvtlab[key].is_object() ? &lvtlab[key].at("median") : nullptr;
}

// Two runs of scripts/bench-scale.js: lvtlab's medians (the peers' are context, not lvtlab's).
void compare_scale(const json& old_run, const json& new_run, Comparison& out) {
  static constexpr Figure figures[] = {
      {"lvtlab's sustained deliveries per second",
       [](const json& r) { return median_of(r, "deliveries_per_s_sustained_max"); }, "per s", true},
      {"lvtlab's server CPU per delivery",
       [](const json& r) { return median_of(r, "server_cpu_us_per_delivery_at_compare"); }, "µs",
       false},
  };
  compare_figures(figures, old_run, new_run, "medians of a few runs a side", out);
}

}  // namespace

std::size_t Comparison::moved() const {
  std::size_t n = verdicts.size();
  for (const FigureChange& f : figures) n += f.moved ? 1 : 0;
  return n;
}

Comparison compare(const ResultsFile& old_run, const ResultsFile& new_run) {
  if (old_run.kind != new_run.kind) {
    throw std::runtime_error("--baseline " + old_run.path + " is a " +
                             std::string(kind_name(old_run.kind)) + " run, " + new_run.path +
                             " a " + std::string(kind_name(new_run.kind)) +
                             " run: compare runs of one kind");
  }
  Comparison out{old_run.path, new_run.path, {}, {}};
  switch (new_run.kind) {
    case ResultsKind::benchmark:
      compare_benchmarks(old_run.json, new_run.json, out);
      break;
    case ResultsKind::check:
      compare_checks(old_run.json, new_run.json, out);
      break;
    case ResultsKind::planted:
      compare_planted(old_run.json, new_run.json, out);
      break;
    case ResultsKind::mutation:
      compare_mutation(old_run.json, new_run.json, out);
      break;
    case ResultsKind::load:
      compare_load(old_run.json, new_run.json, out);
      break;
    case ResultsKind::replicas:
      compare_replicas(old_run.json, new_run.json, out);
      break;
    case ResultsKind::scale:
      compare_scale(old_run.json, new_run.json, out);
      break;
  }
  return out;
}

}  // namespace lvt::reports
