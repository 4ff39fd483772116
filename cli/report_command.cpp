// `lvtlab report`: reads results files (check, check --plant all, a mutation sweep, Google
// Benchmark's JSON) and writes one self-contained HTML page and a Markdown summary beside it.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "html_page.hpp"
#include "results_file.hpp"
#include "run_record.hpp"
#include "validators.hpp"
#include "verdict.hpp"

#ifndef LVT_REPORT_ASSETS_DIR
#define LVT_REPORT_ASSETS_DIR "reports/assets"
#endif
#ifndef LVT_CHARTJS_FILE
#define LVT_CHARTJS_FILE "node_modules/chart.js/dist/chart.umd.min.js"
#endif

namespace lvt::cli {
namespace {

namespace fs = std::filesystem;

struct ReportFlags {
  std::vector<std::string> files;
  std::string baseline;
  std::string out = "build/report.html";
  std::string assets_dir = LVT_REPORT_ASSETS_DIR;
  std::string chart_js = LVT_CHARTJS_FILE;
};

bool write_text(const fs::path& path, const std::string& text) {
  std::error_code error;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (out.flush()) return true;
  std::fprintf(stderr, "lvtlab report: cannot write %s\n", path.string().c_str());
  return false;
}

int run_report(const ReportFlags& flags) {
  reports::Report report;
  report.generated_at = utc_text(std::chrono::system_clock::now());
  try {
    for (const std::string& path : flags.files) report.files.push_back(reports::read_results(path));
    if (!flags.baseline.empty()) {
      if (report.files.size() != 1) {
        std::fprintf(stderr,
                     "lvtlab report: --baseline compares one results file with one: give one "
                     "file after it (%zu given)\n",
                     report.files.size());
        return exit_usage;
      }
      const reports::ResultsFile old_run = reports::read_results(flags.baseline);
      report.comparison = reports::compare(old_run, report.files.front());
      report.files.insert(report.files.begin(), old_run);
    }
    const reports::ReportAssets assets = reports::load_assets(flags.assets_dir, flags.chart_js);
    const fs::path html(flags.out);
    fs::path markdown = html;
    markdown.replace_extension(".md");
    if (!write_text(html, reports::render_html(report, assets)) ||
        !write_text(markdown, reports::render_markdown(report))) {
      return exit_usage;
    }
    std::printf("%s\n", reports::verdict_sentence(report.files).c_str());
    if (report.comparison) {
      std::printf("against %s: %zu figure%s or verdict%s moved beyond noise\n",
                  flags.baseline.c_str(), report.comparison->moved(),
                  report.comparison->moved() == 1 ? "" : "s",
                  report.comparison->moved() == 1 ? "" : "s");
    }
    // The page's path last: `make run` ends with it.
    std::printf("summary: %s\nreport: %s\n", markdown.string().c_str(), html.string().c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "lvtlab report: %s\n", error.what());
    return exit_usage;
  }
  return exit_held;
}

}  // namespace

std::function<int()> add_report_command(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* report = app.add_subcommand(
      "report",
      "Write one self-contained HTML report (and a Markdown summary beside it) from results "
      "files: `check --results`, `check --plant all --results`, a mutation sweep's --out, "
      "Google Benchmark's --benchmark_out. The page opens from disk, with no network.");
  report->add_option("files", flags->files, "Results files to report on")
      ->required()
      ->check(CLI::ExistingFile);
  report
      ->add_option("--baseline", flags->baseline,
                   "An older results file of the same kind: the report puts the two side by side "
                   "and flags every figure that moved beyond its noise and every verdict that "
                   "changed (then give one file)")
      ->check(CLI::ExistingFile);
  report
      ->add_option("--out", flags->out, "The HTML file to write; the summary goes beside it (.md)")
      ->capture_default_str();
  report->add_option("--assets", flags->assets_dir, "The report's style and script")
      ->capture_default_str();
  report->add_option("--chart-js", flags->chart_js, "Chart.js's UMD build, inlined in the page")
      ->capture_default_str();
  // Exits 0 once the report is written (whatever it reports), 2 when it cannot be.
  return [flags] { return run_report(*flags); };
}

}  // namespace lvt::cli
