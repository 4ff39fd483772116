// `lvtlab report`'s reading of results files, its before-and-after comparison, its verdict and
// its page: what a results file must hold to be read, that a planted regression is flagged and
// noise is not, and that the data inlined in the page cannot end its script early.
#include <gtest/gtest.h>

#include <string>

#include "baseline.hpp"
#include "html_page.hpp"
#include "results_file.hpp"
#include "verdict.hpp"

namespace lvt::reports {
namespace {

using nlohmann::json;

json check_run(std::uint64_t failed_seeds, double tab_events_per_s) {
  return {{"schema_version", 1},
          {"kind", "check"},
          {"seeds", 1000},
          {"failed_seeds", failed_seeds},
          {"verdict", failed_seeds == 0 ? "held" : "failed"},
          {"invariants",
           {{"convergence", {{"checked", 10}, {"failed_seeds", failed_seeds}}},
            {"log-prefix", {{"checked", 10}, {"failed_seeds", 0}}}}},
          {"coverage", {{"send", 5}, {"drop", failed_seeds == 0 ? 3 : 0}}},
          {"never_hit", json::array()},
          {"configurations", json::array({json::object(), json::object()})},
          {"failing_seeds", failed_seeds == 0
                                ? json::array()
                                : json::array({{{"seed", 7}, {"invariant", "convergence"}}})},
          {"timings", {{"tab_events_per_s", tab_events_per_s}, {"seeds_per_s", 300.0}}}};
}

// Google Benchmark's JSON with `times` as one benchmark's repetitions (real_time in ns).
json benchmark_run(const std::vector<double>& times) {
  json benchmarks = json::array();
  for (std::size_t i = 0; i < times.size(); ++i) {
    benchmarks.push_back({{"name", "BM_FanOut/100"},
                          {"run_name", "BM_FanOut/100"},
                          {"run_type", "iteration"},
                          {"repetition_index", i},
                          {"real_time", times[i] / 1000},
                          {"time_unit", "us"}});
  }
  benchmarks.push_back({{"name", "BM_FanOut/100_mean"},
                        {"run_name", "BM_FanOut/100"},
                        {"run_type", "aggregate"},
                        {"real_time", 1e9}});  // recomputed, never read
  return {{"context", {{"num_cpus", 2}}}, {"benchmarks", benchmarks}};
}

ResultsFile file(std::string path, json data) {
  return classify_results(std::move(path), std::move(data));
}

TEST(ResultsFile, EachKindIsRecognisedAndAnythingElseRefusedWithItsReason) {
  EXPECT_EQ(file("c.json", check_run(0, 1)).kind, ResultsKind::check);
  EXPECT_EQ(file("b.json", benchmark_run({1, 2})).kind, ResultsKind::benchmark);
  EXPECT_EQ(
      file("p.json", {{"schema_version", 1}, {"kind", "planted"}, {"bugs", json::array()}}).kind,
      ResultsKind::planted);
  // A sweep written before the kind was recorded is still read as one.
  EXPECT_EQ(
      file("m.json", {{"schema_version", 1}, {"kill_rate_check", 0.9}, {"mutants", json::array()}})
          .kind,
      ResultsKind::mutation);
  const auto refusal = [](json data) {
    try {
      classify_results("x.json", std::move(data));
    } catch (const std::runtime_error& error) {
      return std::string(error.what());
    }
    return std::string("read");
  };
  EXPECT_EQ(refusal(json::array()), "x.json: not a results file (a JSON object is expected)");
  EXPECT_NE(refusal({{"seeds", 3}}).find("no schema_version"), std::string::npos);
  EXPECT_NE(refusal({{"schema_version", 2}, {"kind", "check"}}).find("schema_version 2"),
            std::string::npos);
  EXPECT_NE(refusal({{"schema_version", 1}, {"kind", "poll"}}).find("unknown kind"),
            std::string::npos);
  EXPECT_NE(refusal({{"schema_version", 1}, {"kind", "check"}}).find("without its invariants"),
            std::string::npos);
}

json replica_bench(double two_replicas_p99_ms, double published_per_s_max) {
  const auto spread = [](double median) {
    return json{{"median", median}, {"min", median}, {"max", median}};
  };
  return {{"schema_version", 1},
          {"kind", "replica-bench"},
          {"summary",
           {{"one process", {{"delivery_p99_ms", spread(1.7)}}},
            {"two replicas", {{"delivery_p99_ms", spread(two_replicas_p99_ms)}}}}},
          {"saturation", json::array({{{"offered_per_s", 1000}, {"published_per_s", 995}}})},
          {"published_per_s_max", published_per_s_max}};
}

TEST(ResultsFile, AReplicasBenchmarkIsReadComparedAndSaidInTheVerdict) {
  EXPECT_EQ(file("r.json", replica_bench(2.6, 3969)).kind, ResultsKind::replicas);
  json without = replica_bench(2.6, 3969);
  without.erase("saturation");
  EXPECT_THROW(file("r.json", without), std::runtime_error);
  EXPECT_EQ(verdict_sentence({file("r.json", replica_bench(2.6, 3969))}),
            "two replicas deliver at p99 2.6 ms against 1.7 ms in one process; one replica "
            "published up to 3,969 a second.");
  const Comparison same =
      compare(file("a", replica_bench(2.6, 3969)), file("b", replica_bench(2.61, 3960)));
  EXPECT_EQ(same.moved(), 0u);
  const Comparison slower =
      compare(file("a", replica_bench(2.6, 3969)), file("b", replica_bench(5.2, 2000)));
  ASSERT_EQ(slower.moved(), 2u);
  EXPECT_FALSE(slower.figures[0].better);
  EXPECT_FALSE(slower.figures[1].better);
}

json scale_bench(double lvtlab_per_s, double lvtlab_cpu_us) {
  const auto spread = [](double median) {
    return json{{"median", median}, {"min", median}, {"max", median}};
  };
  const auto server = [&spread](const char* label, double per_s, double cpu_us) {
    return json{{"label", label},
                {"deliveries_per_s_sustained_max", spread(per_s)},
                {"server_cpu_us_per_delivery_at_compare", spread(cpu_us)},
                {"delivery_p99_ms_at_compare", spread(50)}};
  };
  return {{"schema_version", 1},
          {"kind", "scale-bench"},
          {"workload", {{"compare-rate", 50}}},
          {"summary",
           {{"lvtlab", server("lvtlab serve", lvtlab_per_s, lvtlab_cpu_us)},
            {"go", server("Go gorilla hub", 96'600, 20.9)}}},
          {"runs", json::object()}};
}

TEST(ResultsFile, AScaleBenchmarkIsReadComparedAndSaidInTheVerdict) {
  EXPECT_EQ(file("s.json", scale_bench(48'000, 23.2)).kind, ResultsKind::scale);
  json without = scale_bench(48'000, 23.2);
  without["summary"].erase("lvtlab");
  EXPECT_THROW(file("s.json", without), std::runtime_error);
  EXPECT_EQ(verdict_sentence({file("s.json", scale_bench(48'000, 23.2))}),
            "lvtlab sustains 48,000 deliveries/s, the Go gorilla hub 96,600.");
  // lvtlab with a write delay is lvtlab, named after the peers, never the peer compared against.
  json delayed = scale_bench(48'000, 23.2);
  delayed["summary"]["lvtlab-delay-25"] = delayed["summary"]["lvtlab"];
  delayed["summary"]["lvtlab-delay-25"]["label"] = "lvtlab 25 ms delay";
  delayed["summary"]["lvtlab-delay-25"]["deliveries_per_s_sustained_max"]["median"] = 120'000;
  EXPECT_EQ(verdict_sentence({file("s.json", delayed)}),
            "lvtlab sustains 48,000 deliveries/s, the Go gorilla hub 96,600; lvtlab 25 ms delay "
            "120,000.");
  const Comparison same =
      compare(file("a", scale_bench(48'000, 23.2)), file("b", scale_bench(48'100, 23.1)));
  EXPECT_EQ(same.moved(), 0u);
  const Comparison faster =
      compare(file("a", scale_bench(48'000, 23.2)), file("b", scale_bench(96'000, 11.0)));
  ASSERT_EQ(faster.moved(), 2u);
  EXPECT_TRUE(faster.figures[0].better);
  EXPECT_TRUE(faster.figures[1].better);
}

TEST(ResultsFile, GoogleBenchmarksNaNAndInfinityAreReadAsNull) {
  EXPECT_EQ(without_non_numbers(R"({"a":NaN,"b":-Infinity,"c":"NaN and Infinity","d":-nan,"e":1})"),
            R"({"a":null,"b":null,"c":"NaN and Infinity","d":null,"e":1})");
  EXPECT_EQ(without_non_numbers(R"({"q":"a\"NaN"})"), R"({"q":"a\"NaN"})");
}

TEST(Baseline, APlantedRegressionIsFlaggedAndNoiseIsNot) {
  const ResultsFile before = file("old.json", benchmark_run({100, 102, 98}));
  // 30% slower, each side's spread about 2%: beyond the noise, and worse.
  const Comparison slower = compare(before, file("new.json", benchmark_run({130, 131, 129})));
  ASSERT_EQ(slower.figures.size(), 1u);
  EXPECT_TRUE(slower.figures[0].moved);
  EXPECT_FALSE(slower.figures[0].better);
  EXPECT_NEAR(slower.figures[0].change, 0.30, 1e-9);
  // 5% apart, but each side spreads by about 10%: within the noise.
  const Comparison noisy = compare(file("old.json", benchmark_run({90, 100, 110})),
                                   file("new.json", benchmark_run({95, 105, 115})));
  EXPECT_FALSE(noisy.figures[0].moved);
  EXPECT_EQ(noisy.moved(), 0u);
  // Without repetitions, a 10% band.
  EXPECT_FALSE(
      compare(file("a", benchmark_run({100})), file("b", benchmark_run({109}))).figures[0].moved);
  EXPECT_TRUE(
      compare(file("a", benchmark_run({100})), file("b", benchmark_run({89}))).figures[0].moved);
}

TEST(Baseline, AnInvariantOrPlantedBugWhoseVerdictChangedIsListed) {
  const Comparison c =
      compare(file("old.json", check_run(0, 40'000)), file("new.json", check_run(3, 41'000)));
  std::vector<std::string> what;
  for (const VerdictChange& v : c.verdicts)
    what.push_back(v.what + ": " + v.old_verdict + " -> " + v.new_verdict);
  EXPECT_EQ(what, (std::vector<std::string>{"the campaign: held -> failed",
                                            "invariant convergence: held -> failed",
                                            "coverage drop: hit -> never hit"}));
  // Speed within its 20% band is not flagged.
  for (const FigureChange& f : c.figures) EXPECT_FALSE(f.moved) << f.figure;

  const auto planted = [](bool caught, int seeds) {
    return json{
        {"schema_version", 1},
        {"kind", "planted"},
        {"bugs",
         json::array(
             {{{"name", "cross-group-leak"}, {"caught", caught}, {"seeds_to_catch", seeds}}})}};
  };
  const Comparison missed = compare(file("a", planted(true, 3)), file("b", planted(false, 0)));
  ASSERT_EQ(missed.verdicts.size(), 1u);
  EXPECT_EQ(missed.verdicts[0].new_verdict, "missed");
  // The simulator replays exactly: any change in the seeds to catch is real.
  const Comparison later = compare(file("a", planted(true, 3)), file("b", planted(true, 4)));
  ASSERT_EQ(later.figures.size(), 1u);
  EXPECT_TRUE(later.figures[0].moved);
  EXPECT_THROW(compare(file("a", planted(true, 3)), file("b", check_run(0, 1))),
               std::runtime_error);
}

TEST(Verdict, SaysWhatHeldOrWhichSeedFailedFirst) {
  EXPECT_EQ(
      verdict_sentence({file("c.json", check_run(0, 1))}),
      "Safety held: 2 invariants on 1,000 seeds in 2 configurations, every coverage item hit.");
  EXPECT_EQ(
      verdict_sentence({file("c.json", check_run(3, 1))}),
      "FAILED: 3 of 1,000 seeds in 2 configurations broke an invariant; the first, seed 7, broke "
      "convergence.");
  EXPECT_FALSE(all_held({file("c.json", check_run(3, 1))}));
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

TEST(HtmlPage, InlinedDataCannotEndItsScriptAndReadsBack) {
  json run = check_run(0, 1);
  run["failing_seeds"] = json::array({{{"seed", 1}, {"detail", "</script><b>x</b>"}}});
  const Report report{{file("c.json", run)}, std::nullopt, "2026-11-30T00:00:00Z"};
  const std::string html = render_html(report, {"body{}", "void 0;", "var Chart;"});
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  const std::string open = "<script type=\"application/json\" id=\"lvt-data\">";
  const std::size_t start = html.find(open) + open.size();
  const json data = json::parse(html.substr(start, html.find("</script>", start) - start));
  EXPECT_EQ(data["files"][0]["data"]["failing_seeds"][0]["detail"], "</script><b>x</b>");
  EXPECT_EQ(data["files"][0]["kind"], "check");
  EXPECT_NE(html.find(html_escaped(verdict_sentence(report.files))), std::string::npos);
  EXPECT_NE(render_markdown(report).find("| convergence | 10 | 0 | 0 | none |"), std::string::npos);
}

}  // namespace
}  // namespace lvt::reports
