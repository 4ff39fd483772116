// `lvtlab replay`: runs one scenario from JSON (a shrunk failure, or one written by hand), showing
// its steps first, and says which invariant failed first and what followed from it.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "check_results.hpp"
#include "commands.hpp"
#include "planted.hpp"
#include "simulation.hpp"
#include "validators.hpp"

namespace lvt::cli {
namespace {

std::string milliseconds_text(std::uint64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(us) / 1e3);
  return text;
}

// "tab 1  text=\"hi\"": a step's JSON without its op and pause, the tab or browser first.
std::string step_fields(const nlohmann::json& step) {
  std::string out;
  for (const char* who : {"tab", "browser"}) {
    if (step.contains(who)) out += std::string(who) + " " + step[who].dump();
  }
  for (const auto& [key, value] : step.items()) {
    if (key == "op" || key == "think_us" || key == "tab" || key == "browser") continue;
    out += "  " + key + "=" + value.dump();
  }
  return out;
}

// One line per step: its number, when it runs (virtual time from the start), the op, the tab and
// its fields, and the pause before the next step.
void print_steps(const sim::Scenario& scenario) {
  const nlohmann::json steps = sim::scenario_to_json(scenario)["steps"];
  std::printf("steps (at: virtual time from the start; then: the pause before the next step):\n");
  std::uint64_t at_us = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::uint64_t think_us = scenario.steps[i].think_us;
    std::printf("%4zu  at %10.6f s  %-10s %-40s then %s\n", i + 1, static_cast<double>(at_us) / 1e6,
                steps[i]["op"].get<std::string>().c_str(), step_fields(steps[i]).c_str(),
                milliseconds_text(think_us).c_str());
    at_us += think_us;
  }
}

struct Loaded {
  sim::Scenario scenario;
  nlohmann::json recorded_failure;  // what the file says failed when it was written, if it does
};

// Reads the scenario and switches its planted bug on; throws std::exception on a bad file.
Loaded load(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot be read");
  const nlohmann::json json = nlohmann::json::parse(in);
  Loaded loaded{sim::scenario_from_json(json), json.value("failure", nlohmann::json())};
  if (json.contains("plant")) {
    const auto bug = planted_bug_named(json["plant"].get<std::string>());
    if (!bug) throw std::invalid_argument("unknown planted bug " + json["plant"].dump());
    active_planted_bug = *bug;
    std::printf("planted bug: %s\n", json["plant"].get<std::string>().c_str());
  }
  return loaded;
}

void print_findings(const sim::RunResult& result) {
  if (result.stale_tabs > 0) {
    std::printf("%d tab(s) left stale, as the model predicts for this configuration\n",
                result.stale_tabs);
  }
  if (result.ids_repeated > 0) {
    std::printf(
        "%d id(s) handed out twice by a broker that restarted without persistence: a finding "
        "of that configuration, not a failure\n",
        result.ids_repeated);
  }
  if (result.diverged_tabs > 0) {
    std::printf(
        "%d tab(s) show an HTTP reply's page that landed after their socket's tree, as "
        "the client does: a finding, not a failure\n",
        result.diverged_tabs);
  }
}

int run_replay(const std::string& file) {
  Loaded loaded;
  try {
    loaded = load(file);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "lvtlab replay: %s is not a scenario: %s\n", file.c_str(), error.what());
    return exit_usage;
  }
  const sim::Scenario& scenario = loaded.scenario;
  std::printf("%s\n", scenario.config.describe().c_str());
  print_steps(scenario);
  const auto started = std::chrono::steady_clock::now();
  const sim::RunResult result = sim::run_scenario(scenario);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%zu steps, %llu events, trace hash %016llx, %.3f s\n", scenario.steps.size(),
              static_cast<unsigned long long>(result.events),
              static_cast<unsigned long long>(result.trace_hash), seconds);
  std::printf("what happened:");
  for (const auto& [name, count] : result.coverage) {
    std::printf(" %s=%llu", name.c_str(), static_cast<unsigned long long>(count));
  }
  std::printf(" (%.1f s virtual)\n", static_cast<double>(result.virtual_us) / 1e6);
  print_failures(stdout, result.failures);
  // The engine or the checks may have changed since the file was written.
  // A scenario written by hand records no failure.
  const std::string recorded = loaded.recorded_failure.is_object()
                                   ? loaded.recorded_failure.value("invariant", std::string())
                                   : std::string();
  if (!recorded.empty() &&
      (result.failures.empty() || result.failures.front().invariant != recorded)) {
    std::printf("(when the file was written, it failed %s first)\n", recorded.c_str());
  }
  print_findings(result);
  if (result.failures.empty()) std::printf("every invariant held\n");
  return result.failures.empty() ? exit_held : exit_failed;
}

}  // namespace

std::function<int()> add_replay_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Run one scenario from JSON (a shrunk failure, or one written by hand): print its numbered "
      "steps, run them, and say which invariant failed first and what failed after it.");
  replay->add_option("file", *file, "The scenario's JSON file")
      ->required()
      ->check(CLI::ExistingFile);
  return [file] { return run_replay(*file); };
}

}  // namespace lvt::cli
