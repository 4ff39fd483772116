#include "verdict.hpp"

#include <cmath>
#include <cstdio>

namespace lvt::reports {
namespace {

using nlohmann::json;

std::string check_clause(const json& run) {
  const std::uint64_t seeds = run.value("seeds", std::uint64_t{0});
  const std::uint64_t failed = run.value("failed_seeds", std::uint64_t{0});
  const std::size_t invariants = run.at("invariants").size();
  const std::size_t configurations =
      run.contains("configurations") ? run["configurations"].size() : 0;
  const std::size_t never_hit = run.contains("never_hit") ? run["never_hit"].size() : 0;
  const std::string coverage = never_hit == 0 ? "every coverage item hit"
                                              : std::to_string(never_hit) + " coverage item" +
                                                    (never_hit == 1 ? "" : "s") + " never hit";
  const std::string scope =
      with_commas(seeds) + " seeds" +
      (configurations > 0 ? " in " + std::to_string(configurations) + " configurations"
                          : std::string());
  if (failed == 0) {
    return "Safety held: " + std::to_string(invariants) + " invariants on " + scope + ", " +
           coverage;
  }
  std::string first;
  if (run.contains("failing_seeds") && !run["failing_seeds"].empty()) {
    const json& seed = run["failing_seeds"][0];
    first = "; the first, seed " + seed.at("seed").dump() + ", broke " +
            seed.value("invariant", std::string("an invariant"));
  }
  return "FAILED: " + with_commas(failed) + " of " + scope + " broke an invariant" + first;
}

std::string planted_clause(const json& run) {
  const std::size_t bugs = run.at("bugs").size();
  const std::uint64_t caught = run.value("caught", std::uint64_t{0});
  return std::string(caught == bugs ? "" : "FAILED: ") + std::to_string(caught) + " of " +
         std::to_string(bugs) + " planted bugs caught within " +
         with_commas(run.value("seeds_max", std::uint64_t{0})) + " seeds";
}

std::string mutation_clause(const json& run) {
  if (!run.contains("kill_rate_check") || run["kill_rate_check"].is_null())
    return "a mutation sweep with no mutant scored";
  const auto percent = [](double share) {
    return std::to_string(static_cast<int>(std::lround(share * 100))) + "%";
  };
  std::string out = "check alone kills " + percent(run["kill_rate_check"].get<double>()) + " of " +
                    run.value("scored", json(0)).dump() + " scored mutants";
  if (run.contains("kill_rate_total") && !run["kill_rate_total"].is_null())
    out += ", the tests " + percent(run["kill_rate_total"].get<double>());
  return out;
}

std::string load_clause(const json& run) {
  char text[200];
  std::snprintf(text, sizeof text, "%s%s deliveries/s to %s connections, p99 %.1f ms",
                run.value("verdict", "") == "held" ? "" : "FAILED under load: ",
                with_commas(static_cast<std::uint64_t>(run.value("deliveries_per_s", 0.0))).c_str(),
                with_commas(run.value("connections", std::uint64_t{0})).c_str(),
                run.at("delivery_latency_ms").value("p99", 0.0));
  return text;
}

// "two replicas deliver at p99 2.6 ms against 1.7 ms in one process; one replica published up to
// 3,969 a second"
std::string replicas_clause(const json& run) {
  const auto p99 = [&run](const char* setup) {
    const json& summary = run.at("summary");
    return summary.contains(setup) ? summary[setup].at("delivery_p99_ms").value("median", 0.0)
                                   : 0.0;
  };
  char text[240];
  std::snprintf(
      text, sizeof text,
      "two replicas deliver at p99 %.1f ms against %.1f ms in one process; one replica "
      "published up to %s a second",
      p99("two replicas"), p99("one process"),
      with_commas(static_cast<std::uint64_t>(run.value("published_per_s_max", 0.0))).c_str());
  return text;
}

// "lvtlab sustains 48,000 deliveries/s, the Go gorilla hub 96,600": against the peer that
// sustains most (the report's table has the rest); then lvtlab with each write delay measured
// ("; lvtlab 25 ms delay 120,000"), which is lvtlab, not a peer.
std::string scale_clause(const json& run) {
  const json& summary = run.at("summary");
  const auto sustained = [](const json& server) {
    const auto found = server.find("deliveries_per_s_sustained_max");
    return found != server.end() && found->is_object() ? found->value("median", 0.0) : 0.0;
  };
  std::string out = "lvtlab sustains " +
                    with_commas(static_cast<std::uint64_t>(sustained(summary.at("lvtlab")) + 0.5)) +
                    " deliveries/s";
  const auto is_lvtlab = [](const std::string& name) { return name.rfind("lvtlab", 0) == 0; };
  const json* best = nullptr;
  std::string best_name;
  for (const auto& [name, server] : summary.items()) {
    if (!is_lvtlab(name) && (!best || sustained(server) > sustained(*best))) {
      best = &server;
      best_name = name;
    }
  }
  if (best) {
    out += ", the " + best->value("label", best_name) + " " +
           with_commas(static_cast<std::uint64_t>(sustained(*best) + 0.5));
  }
  for (const auto& [name, server] : summary.items()) {
    if (name == "lvtlab" || !is_lvtlab(name)) continue;
    out += "; " + server.value("label", name) + " " +
           with_commas(static_cast<std::uint64_t>(sustained(server) + 0.5));
  }
  return out;
}

}  // namespace

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool all_held(const std::vector<ResultsFile>& files) {
  for (const ResultsFile& file : files) {
    if ((file.kind == ResultsKind::check || file.kind == ResultsKind::planted ||
         file.kind == ResultsKind::load) &&
        file.json.value("verdict", std::string("held")) != "held") {
      return false;
    }
  }
  return true;
}

std::string verdict_sentence(const std::vector<ResultsFile>& files) {
  std::string out;
  std::size_t benchmarks = 0;
  for (const ResultsFile& file : files) {
    std::string clause;
    switch (file.kind) {
      case ResultsKind::check:
        clause = check_clause(file.json);
        break;
      case ResultsKind::planted:
        clause = planted_clause(file.json);
        break;
      case ResultsKind::mutation:
        clause = mutation_clause(file.json);
        break;
      case ResultsKind::benchmark:
        ++benchmarks;
        break;
      case ResultsKind::load:
        clause = load_clause(file.json);
        break;
      case ResultsKind::replicas:
        clause = replicas_clause(file.json);
        break;
      case ResultsKind::scale:
        clause = scale_clause(file.json);
        break;
    }
    if (!clause.empty()) out += (out.empty() ? "" : "; ") + clause;
  }
  if (benchmarks > 0) {
    out += (out.empty() ? "Benchmarks" : "; and benchmarks") + std::string(" from ") +
           std::to_string(benchmarks) + " run" + (benchmarks == 1 ? "" : "s");
  }
  return out.empty() ? "No results read." : out + ".";
}

}  // namespace lvt::reports
