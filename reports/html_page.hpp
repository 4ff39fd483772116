// The report as one self-contained HTML file: the verdict written into the page, the results as
// inline JSON, and the page's style, Chart.js and its own script inlined, so that it opens from
// disk with no server and no network. And its Markdown summary, for a terminal or a pull request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "baseline.hpp"
#include "results_file.hpp"

namespace lvt::reports {

struct ReportAssets {
  std::string style;     // reports/assets/report.css
  std::string script;    // reports/assets/report.js
  std::string chart_js;  // Chart.js's UMD build, from node_modules (package.json pins it)
};

// Reads the assets; throws std::runtime_error naming a missing one and how to get it.
ReportAssets load_assets(const std::string& assets_dir, const std::string& chart_js_path);

struct Report {
  std::vector<ResultsFile> files;
  std::optional<Comparison> comparison;
  std::string generated_at;  // ISO 8601, UTC
};

std::string render_html(const Report& report, const ReportAssets& assets);
std::string render_markdown(const Report& report);

// `text` with & < > " ' as character references.
std::string html_escaped(std::string_view text);

}  // namespace lvt::reports
