// `lvtlab check`: runs many simulated seeds through the engine, checks every invariant against
// the model, and says which held.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "check_outputs.hpp"
#include "check_results.hpp"
#include "commands.hpp"
#include "planted.hpp"
#include "planted_power.hpp"
#include "run_record.hpp"
#include "simulation.hpp"
#include "validators.hpp"

namespace lvt::cli {
namespace {

// Each seed's result is kept until the tally: about 3 KB a seed.
constexpr std::uint64_t seeds_max = 1'000'000;
// The results file lists at most this many failing seeds (the count says how many failed).
constexpr std::size_t failing_seeds_listed_max = 100;

// What the run found, once every seed has run.
struct Campaign {
  std::vector<std::uint64_t> seeds;
  std::vector<sim::RunResult> results;
  // Not vector<bool>: workers write neighbouring entries at once, and its bits share words.
  std::vector<char> replay_differs;
  double wall_s = 0;
};

// Runs every seed on `flags.workers` threads, with a live progress line.
Campaign run_seeds(const CheckFlags& flags) {
  Campaign c;
  if (flags.seed) {
    c.seeds.push_back(*flags.seed);
  } else {
    for (std::uint64_t i = 0; i < flags.seeds; ++i) c.seeds.push_back(flags.first_seed + i);
  }
  c.results.resize(c.seeds.size());
  c.replay_differs.assign(c.seeds.size(), 0);
  std::atomic<std::size_t> next{0}, done{0}, failing{0};
  const auto started = std::chrono::steady_clock::now();
  auto work = [&] {
    for (std::size_t i = next++; i < c.seeds.size(); i = next++) {
      sim::SimConfig config = sim::config_for_seed(c.seeds[i]);
      if (flags.steps > 0) config.steps = flags.steps;
      c.results[i] = sim::run_seed(config);
      const bool differs =
          flags.double_run && sim::run_seed(config).trace_hash != c.results[i].trace_hash;
      c.replay_differs[i] = differs;
      if (!c.results[i].failures.empty() || differs) ++failing;
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < std::max(1u, flags.workers); ++w) pool.emplace_back(work);
  while (done < c.seeds.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\r%zu/%zu seeds  %.0f seeds/s  %zu failing", done.load(), c.seeds.size(),
                 static_cast<double>(done.load()) / std::max(elapsed, 1e-9), failing.load());
  }
  for (auto& thread : pool) thread.join();
  c.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "\n");
  return c;
}

Tally tally_campaign(const Campaign& c, bool double_run) {
  Tally tally;
  for (const auto& name : sim::invariant_names) tally[name];
  if (double_run) tally["determinism"];
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    const sim::RunResult& r = c.results[i];
    for (const auto& [name, count] : r.checks) tally[name].checked += count;
    tally_failures(tally, r.config.seed, r.failures);
    // Determinism is a check of the whole run, not an event in it: counted on its own.
    if (double_run) {
      ++tally["determinism"].checked;
      if (c.replay_differs[i]) tally_run_failure(tally, r.config.seed, "determinism");
    }
  }
  return tally;
}

void print_table(const Tally& tally, std::size_t seeds) {
  std::printf("%-26s %12s %8s %8s %14s %18s\n", "invariant", "checked", "held", "failed",
              "as consequence", "first failing seed");
  for (const auto& [name, t] : tally) {
    std::printf("%-26s %12llu %8llu %8llu %14llu %18s\n", name.c_str(),
                static_cast<unsigned long long>(t.checked),
                static_cast<unsigned long long>(seeds - t.failed_seeds - t.consequence_seeds),
                static_cast<unsigned long long>(t.failed_seeds),
                static_cast<unsigned long long>(t.consequence_seeds),
                t.first_failing_seed ? std::to_string(*t.first_failing_seed).c_str() : "-");
  }
  std::printf(
      "(a seed is counted as failed under the first invariant it broke; \"as consequence\" counts "
      "the seeds where one failed only after another had)\n");
}

std::map<std::string, std::uint64_t> print_coverage(const Campaign& c) {
  std::map<std::string, std::uint64_t> coverage;
  for (const sim::RunResult& r : c.results) {
    for (const auto& [name, count] : r.coverage) coverage[name] += count;
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
  return coverage;
}

struct Findings {
  int stale_seeds = 0, diverged_seeds = 0, drop_seeds = 0, replica_seeds = 0,
      ids_repeated_seeds = 0;
  std::uint64_t tab_events = 0, virtual_us = 0;
};

// What each configuration was run on and found: seeds, failures by the invariant they are
// counted under, and the findings of its kind (stale tabs, HTTP-reply pages), each in a sentence.
nlohmann::json configurations_json(const Campaign& c) {
  std::map<std::string, nlohmann::json> by_name;
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    const sim::RunResult& r = c.results[i];
    nlohmann::json& entry = by_name[configuration_name(r.config)];
    if (entry.is_null()) {
      entry = {
          {"name", configuration_name(r.config)},
          {"group_mode", r.config.group_mode == model::GroupMode::cookie ? "cookie" : "global"},
          {"dispatch_policy",
           r.config.dispatch_policy == model::DispatchPolicy::drop ? "drop" : "coalesce"},
          {"replicas", r.config.replicas > 0},
          {"seeds", 0},
          {"failed_seeds", 0},
          {"stale_seeds", 0},
          {"ids_repeated_seeds", 0},
          {"diverged_seeds", 0},
          {"failed_by_invariant", nlohmann::json::object()}};
    }
    entry["seeds"] = entry["seeds"].get<int>() + 1;
    entry["stale_seeds"] = entry["stale_seeds"].get<int>() + (r.stale_tabs > 0 ? 1 : 0);
    entry["diverged_seeds"] = entry["diverged_seeds"].get<int>() + (r.diverged_tabs > 0 ? 1 : 0);
    entry["ids_repeated_seeds"] =
        entry["ids_repeated_seeds"].get<int>() + (r.ids_repeated > 0 ? 1 : 0);
    const bool failed = !r.failures.empty() || c.replay_differs[i];
    if (!failed) continue;
    entry["failed_seeds"] = entry["failed_seeds"].get<int>() + 1;
    const std::string invariant = r.failures.empty() ? "determinism" : r.failures.front().invariant;
    nlohmann::json& count = entry["failed_by_invariant"][invariant];
    count = count.is_null() ? 1 : count.get<int>() + 1;
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& [name, entry] : by_name) {
    nlohmann::json findings = nlohmann::json::array();
    if (const int stale = entry["stale_seeds"]; stale > 0 && entry["replicas"] == true) {
      findings.push_back(
          {{"kind", "stale-tabs"},
           {"seeds", stale},
           {"sentence",
            "With heal off (livetemplate), a replica that missed a broadcast (its link to the "
            "broker cut or lost, or its subscription not yet held) leaves its tabs without their "
            "group's newest message until the group's next broadcast or their next Mount; with "
            "heal on, no seed may leave one."}});
    } else if (stale > 0) {
      findings.push_back(
          {{"kind", "stale-tabs"},
           {"seeds", stale},
           {"sentence", entry["group_mode"] == "cookie"
                            ? "A tab of another browser (another session group) does not see a "
                              "message until its next Mount: broadcasts stay in the sender's "
                              "group, as livetemplate intends; the model predicts which tabs."
                            : "A tab mounted from a reply that raced a send missed that send "
                              "until its next Mount; the model predicts which tabs."}});
    }
    if (const int repeated = entry["ids_repeated_seeds"]; repeated > 0) {
      findings.push_back(
          {{"kind", "ids-repeated"},
           {"seeds", repeated},
           {"sentence",
            "A broker restarted without persistence lost the log and its id counter: a replica "
            "whose cache was behind appended under an id already handed out, and replicas that "
            "had read the old message under that id never show the new one, so tabs show "
            "different logs."}});
    }
    if (const int diverged = entry["diverged_seeds"]; diverged > 0) {
      findings.push_back(
          {{"kind", "http-reply-pages"},
           {"seeds", diverged},
           {"sentence",
            "An action posted over HTTP while the socket connected was answered after the "
            "socket's first tree; the client applies the reply, and the socket's later diffs "
            "merge into a page the server does not know (the real client does the same)."}});
    }
    entry["findings"] = std::move(findings);
    out.push_back(std::move(entry));
  }
  return out;
}

Findings print_findings(const Campaign& c) {
  Findings f;
  for (const sim::RunResult& r : c.results) {
    f.tab_events += r.tab_events;
    f.virtual_us += r.virtual_us;
    f.stale_seeds += r.stale_tabs > 0;
    f.diverged_seeds += r.diverged_tabs > 0;
    f.drop_seeds += r.config.dispatch_policy == model::DispatchPolicy::drop;
    f.replica_seeds += r.config.replicas > 0;
    f.ids_repeated_seeds += r.ids_repeated > 0;
  }
  const std::size_t seeds = c.seeds.size();
  std::printf(
      "%zu seeds in %.1f s (%.0f tab-events/s, %.0fx virtual time); %d of %zu seeds left a tab "
      "stale (the model predicts which: a tab in another group learns of a message only on its "
      "next Mount); %d seeds ran under drop\n",
      seeds, c.wall_s, static_cast<double>(f.tab_events) / c.wall_s,
      static_cast<double>(f.virtual_us) / 1e6 / c.wall_s, f.stale_seeds, seeds, f.drop_seeds);
  std::printf(
      "%d of %zu seeds left a tab showing an HTTP reply's page (an action posted while the socket "
      "connected was answered after the socket's tree; the client applies it, and the socket's "
      "diffs merge into a page the server does not know)\n",
      f.diverged_seeds, seeds);
  std::printf(
      "%d of %zu seeds ran replicas over a broker; in %d a broker restarted without persistence "
      "handed out ids again (a finding of that configuration)\n",
      f.replica_seeds, seeds, f.ids_repeated_seeds);
  return f;
}

// The seeds that failed, in order: each with the invariant it is counted under.
nlohmann::json failing_seeds_json(const Campaign& c,
                                  const std::optional<std::string>& shrunk_seed_file,
                                  std::size_t shrunk_index) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < c.results.size() && list.size() < failing_seeds_listed_max; ++i) {
    const sim::RunResult& r = c.results[i];
    if (r.failures.empty() && !c.replay_differs[i]) continue;
    nlohmann::json entry = {{"seed", r.config.seed},
                            {"configuration", configuration_name(r.config)}};
    if (!r.failures.empty()) {
      entry["invariant"] = r.failures.front().invariant;
      entry["detail"] = r.failures.front().detail;
    } else {
      entry["invariant"] = "determinism";
      entry["detail"] = "two runs of the seed gave different trace hashes";
    }
    if (i == shrunk_index && shrunk_seed_file) entry["failure_file"] = *shrunk_seed_file;
    list.push_back(std::move(entry));
  }
  return list;
}

void print_one_seed(const sim::RunResult& r) {
  std::printf("%s\ntrace hash %016llx, %llu events, %llu tab-events, %.3f s virtual\n",
              r.config.describe().c_str(), static_cast<unsigned long long>(r.trace_hash),
              static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.tab_events),
              static_cast<double>(r.virtual_us) / 1e6);
  print_failures(stdout, r.failures);
}

// The last line: held, or which seed failed first and how to look at it again.
void print_verdict(const Campaign& c, std::size_t failed_seeds, std::size_t first_failing,
                   const std::optional<std::string>& failure_file, const CheckFlags& flags) {
  if (failed_seeds == 0) {
    std::printf("safety held\n");
    return;
  }
  const sim::RunResult& r = c.results[first_failing];
  const bool determinism = r.failures.empty();
  std::printf("FAILED: %zu of %zu seeds; the first is seed %llu (%s)\n", failed_seeds,
              c.seeds.size(), static_cast<unsigned long long>(r.config.seed),
              determinism ? "determinism" : r.failures.front().invariant.c_str());
  if (failure_file)
    std::printf("  replay its shrunk scenario: lvtlab replay %s\n", failure_file->c_str());
  std::printf("  rerun the whole seed: %s\n",
              rerun_command(r.config.seed, flags, determinism).c_str());
}

int run_campaign(const CheckFlags& flags) {
  if (const auto problem = prepare_outputs(flags)) {
    std::fprintf(stderr, "lvtlab check: %s\n", problem->c_str());
    return exit_usage;
  }
  const Campaign c = run_seeds(flags);
  const Tally tally = tally_campaign(c, flags.double_run);
  if (flags.seed) print_one_seed(c.results[0]);
  print_table(tally, c.seeds.size());
  const auto coverage = print_coverage(c);
  const Findings findings = print_findings(c);

  std::size_t failed_seeds = 0, first_failing = c.results.size(), first_shrinkable = first_failing;
  for (std::size_t i = 0; i < c.results.size(); ++i) {
    const bool failed = !c.results[i].failures.empty();
    if (!failed && !c.replay_differs[i]) continue;
    ++failed_seeds;
    first_failing = std::min(first_failing, i);
    if (failed) first_shrinkable = std::min(first_shrinkable, i);
  }
  std::optional<std::string> failure_file;
  bool wrote_everything = true;
  nlohmann::json failures = nlohmann::json::array();
  if (first_shrinkable < c.results.size()) {
    ShrunkFailure shrunk = shrink_and_save(c.results[first_shrinkable], flags);
    failure_file = shrunk.path;
    wrote_everything = failure_file.has_value();
    failures.push_back(std::move(shrunk.record));
  }
  nlohmann::json results = run_record("check");
  nlohmann::json never_hit = nlohmann::json::array();
  for (const std::string& op : sim::coverage_names) {
    if (coverage.at(op) == 0) never_hit.push_back(op);
  }
  results.update(
      {{"verdict", failed_seeds == 0 ? "held" : "failed"},
       {"campaign",
        {{"seeds", c.seeds.size()},
         {"first_seed", c.seeds.front()},
         {"workers", flags.workers},
         {"steps", flags.steps > 0 ? nlohmann::json(flags.steps) : nlohmann::json(nullptr)},
         {"double_run", flags.double_run},
         {"plant", flags.plant.empty() ? nlohmann::json(nullptr) : nlohmann::json(flags.plant)}}},
       {"seeds", c.seeds.size()},
       {"wall_s", c.wall_s},
       {"timings",
        {{"seeds_per_s", static_cast<double>(c.seeds.size()) / c.wall_s},
         {"tab_events_per_s", static_cast<double>(findings.tab_events) / c.wall_s},
         {"virtual_speedup", static_cast<double>(findings.virtual_us) / 1e6 / c.wall_s}}},
       {"failed_seeds", failed_seeds},
       {"stale_seeds", findings.stale_seeds},
       {"diverged_seeds", findings.diverged_seeds},
       {"coverage", coverage},
       {"never_hit", never_hit},
       {"invariants", tally_to_json(tally)},
       {"configurations", configurations_json(c)},
       {"failing_seeds", failing_seeds_json(c, failure_file, first_shrinkable)},
       {"failures", std::move(failures)}});
  results["duration_s"] = seconds_since_invocation();
  wrote_everything = write_results(flags.results, results) && wrote_everything;
  print_verdict(c, failed_seeds, first_failing, failure_file, flags);
  if (!wrote_everything) return exit_usage;
  return failed_seeds == 0 ? exit_held : exit_failed;
}

void list_planted_bugs() {
  for (const auto& info : planted_bugs) {
    std::printf("%-26s %s\n", std::string(info.name).c_str(), std::string(info.summary).c_str());
  }
}

int run_check(const CheckFlags& flags) {
  if (flags.plant == "list") {
    list_planted_bugs();
    return exit_held;
  }
  if (flags.plant == "all") return run_planted_power(flags);
  if (!flags.plant.empty()) {
    const auto bug = planted_bug_named(flags.plant);
    if (!bug) {
      std::fprintf(stderr, "lvtlab check: no planted bug named '%s' (see --plant list)\n",
                   flags.plant.c_str());
      return exit_usage;
    }
    active_planted_bug = *bug;
    std::printf("planted bug: %s (the run must fail)\n", flags.plant.c_str());
  }
  // The last seed, first_seed + seeds - 1, must not wrap round.
  if (!flags.seed &&
      flags.seeds - 1 > std::numeric_limits<std::uint64_t>::max() - flags.first_seed) {
    std::fprintf(stderr, "lvtlab check: --first-seed plus --seeds runs past the largest seed\n");
    return exit_usage;
  }
  return run_campaign(flags);
}

}  // namespace

std::function<int()> add_check_command(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  auto one_seed = std::make_shared<std::uint64_t>(0);
  CLI::App* check = app.add_subcommand(
      "check",
      "Run simulated seeds of browsers, tabs and session groups through the engine and check every "
      "invariant against the model. A seed that fails is counted under the first invariant it "
      "broke.");
  CLI::Option* seeds = check->add_option("--seeds", flags->seeds, "How many seeds to run")
                           ->check(whole_in<std::uint64_t>(1, seeds_max))
                           ->capture_default_str();
  CLI::Option* first_seed =
      check->add_option("--first-seed", flags->first_seed, "The first seed of the run")
          ->check(whole<std::uint64_t>())
          ->capture_default_str();
  check
      ->add_option("--seed", *one_seed, "Run this one seed and print what it chose and what failed")
      ->check(whole<std::uint64_t>())
      ->excludes(seeds)
      ->excludes(first_seed);
  check->add_option("--workers", flags->workers, "Seeds run in parallel")
      ->check(whole_in(1u, 256u))
      ->capture_default_str();
  check->add_flag("--double-run", flags->double_run,
                  "Run every seed twice; fail on any difference");
  check->add_option("--results", flags->results, "Where to write the JSON results")
      ->capture_default_str();
  check->add_option("--steps", flags->steps, "Workload steps per seed (default: each seed chooses)")
      ->check(whole_in(1, 10'000'000));
  check
      ->add_option("--time-budget", flags->time_budget_s,
                   "Seconds to spend shrinking the first failing seed")
      ->check(number_in(0.0, 3600.0))
      ->capture_default_str();
  check->add_option("--failures-dir", flags->failures_dir, "Where shrunk failures are written")
      ->capture_default_str();
  check->add_option("--plant", flags->plant,
                    "Switch on a deliberately wrong engine behaviour, which the run must catch; "
                    "'list' names them; 'all' measures each in turn (the seeds of --seeds it "
                    "takes to be caught, its shrunk length) and writes them to --results");
  return [flags, one_seed, check] {
    if (check->count("--seed") > 0) flags->seed = *one_seed;
    return run_check(*flags);
  };
}

}  // namespace lvt::cli
