#include "html_page.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "verdict.hpp"

namespace lvt::reports {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path, const std::string& missing_hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (" + missing_hint + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Text put inside <script>: "</" cannot end the element early. In JSON "<" appears only inside
// strings, where \u003c means the same; in the scripts, "<\/" in a string or regex does too.
std::string script_safe(std::string text, bool is_json) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && (is_json || text.compare(i, 2, "</") == 0)) {
      out += is_json ? "\\u003c" : "<\\/";
      if (!is_json) ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

json comparison_json(const Comparison& c) {
  json figures = json::array(), verdicts = json::array();
  for (const FigureChange& f : c.figures) {
    figures.push_back({{"figure", f.figure},
                       {"unit", f.unit},
                       {"old", f.old_value},
                       {"new", f.new_value},
                       {"change", std::isfinite(f.change) ? json(f.change) : json(nullptr)},
                       {"noise", f.noise},
                       {"moved", f.moved},
                       {"better", f.better}});
  }
  for (const VerdictChange& v : c.verdicts) {
    verdicts.push_back({{"what", v.what}, {"old", v.old_verdict}, {"new", v.new_verdict}});
  }
  return {{"old_path", c.old_path},
          {"new_path", c.new_path},
          {"figures", figures},
          {"verdicts", verdicts}};
}

std::string percent_text(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", share * 100);
  return text;
}

}  // namespace

std::string html_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ReportAssets load_assets(const std::string& assets_dir, const std::string& chart_js_path) {
  return {read_file(assets_dir + "/report.css", "part of lvtlab's source: reports/assets"),
          read_file(assets_dir + "/report.js", "part of lvtlab's source: reports/assets"),
          read_file(chart_js_path, "Chart.js: run `make deps` (npm ci) first")};
}

std::string render_html(const Report& report, const ReportAssets& assets) {
  json data = {{"verdict", verdict_sentence(report.files)},
               {"held", all_held(report.files)},
               {"generated_at", report.generated_at},
               {"files", json::array()}};
  for (const ResultsFile& file : report.files) {
    data["files"].push_back(
        {{"path", file.path}, {"kind", kind_name(file.kind)}, {"data", file.json}});
  }
  if (report.comparison) data["comparison"] = comparison_json(*report.comparison);
  const std::string verdict = verdict_sentence(report.files);
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>lvtlab report: " + html_escaped(verdict.substr(0, verdict.find(':'))) + "</title>";
  out += "<style>" + assets.style + "</style></head>\n<body>";
  out += "<header><p class=\"verdict " + std::string(all_held(report.files) ? "held" : "failed") +
         "\" id=\"verdict\">" + html_escaped(verdict) + "</p>";
  out += "<p class=\"provenance\" id=\"provenance\"></p></header>\n";
  out +=
      "<main id=\"report\"><noscript>The tables and charts below the verdict are drawn by the "
      "page's own script; the data is in this file, as JSON.</noscript></main>\n";
  out += "<script type=\"application/json\" id=\"lvt-data\">" +
         script_safe(data.dump(-1, ' ', false, json::error_handler_t::replace), true) +
         "</script>\n";
  out += "<script>" + script_safe(assets.chart_js, false) + "</script>\n";
  out += "<script>" + script_safe(assets.script, false) + "</script>\n";
  out += "</body></html>\n";
  return out;
}

std::string render_markdown(const Report& report) {
  std::string out = "# lvtlab report\n\n" + verdict_sentence(report.files) + "\n\n";
  for (const ResultsFile& file : report.files) {
    const json& run = file.json;
    out += "## " + std::string(kind_name(file.kind)) + ": `" + file.path + "`\n\n";
    if (run.contains("command_line")) out += "`" + run["command_line"].get<std::string>() + "`\n\n";
    if (file.kind == ResultsKind::check) {
      out += "| invariant | checked | failed seeds | as consequence | first failing seed |\n";
      out += "|---|---:|---:|---:|---:|\n";
      for (const auto& [name, t] : run.at("invariants").items()) {
        out += "| " + name + " | " + with_commas(t.value("checked", std::uint64_t{0})) + " | " +
               t.value("failed_seeds", json(0)).dump() + " | " +
               t.value("consequence_seeds", json(0)).dump() + " | " +
               (t.value("first_failing_seed", json(nullptr)).is_null()
                    ? std::string("none")
                    : t["first_failing_seed"].dump()) +
               " |\n";
      }
      const json never = run.value("never_hit", json::array());
      out += "\nNever hit: " + (never.empty() ? std::string("nothing") : never.dump()) + "\n\n";
      for (const json& failure : run.value("failures", json::array())) {
        out += "Failure: seed " + failure.value("seed", json(0)).dump() + " broke " +
               failure.value("invariant", std::string()) + ": " +
               failure.value("detail", std::string()) + "; replay: `" +
               failure.value("replay_command", std::string("(not written)")) + "`\n\n";
      }
    } else if (file.kind == ResultsKind::planted) {
      out +=
          "| planted bug | caught by seed | invariant | shrunk to steps |\n|---|---:|---|---:|\n";
      for (const json& bug : run.at("bugs")) {
        out += "| " + bug.value("name", std::string()) + " | " +
               (bug.value("caught", false) ? bug.value("seeds_to_catch", json(0)).dump()
                                           : std::string("**missed**")) +
               " | " + bug.value("invariant", std::string("-")) + " | " +
               bug.value("shrunk_steps", json("-")).dump() + " |\n";
      }
      out += "\n";
    } else if (file.kind == ResultsKind::mutation) {
      out += "Counts: `" + run.value("counts", json::object()).dump() + "`\n\n";
    } else if (file.kind == ResultsKind::replicas) {
      out += "Summary (median, min, max) `" + run.at("summary").dump() + "`, publishes a second `" +
             run.at("saturation").dump() + "`\n\n";
    } else if (file.kind == ResultsKind::scale) {
      out += "Servers (median, min, max) `" + run.at("summary").dump() + "`\n\n";
    } else if (file.kind == ResultsKind::load) {
      out += "Deliveries " + run.value("deliveries", json(0)).dump() + ", latency ms `" +
             run.at("delivery_latency_ms").dump() + "`, violations `" +
             run.value("violations", json::object()).dump() + "`\n\n";
    } else {
      out += std::to_string(run.at("benchmarks").size()) + " benchmark entries.\n\n";
    }
  }
  if (report.comparison) {
    const Comparison& c = *report.comparison;
    out += "## Against `" + c.old_path + "`\n\n";
    if (c.moved() == 0) out += "Nothing moved beyond its noise.\n\n";
    for (const VerdictChange& v : c.verdicts)
      out += "- " + v.what + ": " + v.old_verdict + " → **" + v.new_verdict + "**\n";
    for (const FigureChange& f : c.figures) {
      if (!f.moved) continue;
      out += "- " + f.figure + ": " + percent_text(f.change) + " (" +
             (f.better ? "better" : "worse") + "; " + f.noise + ")\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace lvt::reports
