#include "results_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lvt::reports {

std::string_view kind_name(ResultsKind kind) {
  switch (kind) {
    case ResultsKind::check:
      return "check";
    case ResultsKind::planted:
      return "planted";
    case ResultsKind::mutation:
      return "mutation";
    case ResultsKind::benchmark:
      return "benchmark";
    case ResultsKind::load:
      return "load";
    case ResultsKind::replicas:
      return "replicas";
    case ResultsKind::scale:
      return "scale";
  }
  return "check";
}

ResultsFile classify_results(std::string path, nlohmann::json json) {
  ResultsFile file{std::move(path), ResultsKind::check, {}};
  const auto refuse = [&file](const std::string& why) {
    throw std::runtime_error(file.path + ": " + why);
  };
  if (!json.is_object()) refuse("not a results file (a JSON object is expected)");
  if (json.contains("benchmarks") && json.contains("context")) {
    if (!json["benchmarks"].is_array()) refuse("its \"benchmarks\" is not a list");
    file.kind = ResultsKind::benchmark;
  } else {
    const auto version = json.find("schema_version");
    if (version == json.end()) {
      refuse("no schema_version: written by an lvtlab older than its reports (run it again)");
    }
    if (!version->is_number_integer() || version->get<int>() != 1) {
      refuse("schema_version " + version->dump() + " is not one this lvtlab reads (1)");
    }
    std::string kind = json.value("kind", std::string());
    if (kind.empty() && json.contains("kill_rate_check")) kind = "mutation";  // sweeps before kind
    if (kind == "check") {
      file.kind = ResultsKind::check;
      if (!json.contains("invariants") || !json.contains("coverage"))
        refuse("a check results file without its invariants or coverage");
    } else if (kind == "planted") {
      file.kind = ResultsKind::planted;
      if (!json.contains("bugs") || !json["bugs"].is_array())
        refuse("planted results without bugs");
    } else if (kind == "mutation") {
      file.kind = ResultsKind::mutation;
      if (!json.contains("mutants") || !json["mutants"].is_array())
        refuse("a mutation sweep without its mutants");
    } else if (kind == "load") {
      file.kind = ResultsKind::load;
      if (!json.contains("delivery_latency_ms")) refuse("a load run without its latencies");
    } else if (kind == "replica-bench") {
      file.kind = ResultsKind::replicas;
      if (!json.contains("summary") || !json["summary"].is_object() ||
          !json.contains("saturation") || !json["saturation"].is_array())
        refuse("a replicas benchmark without its summary or saturation");
    } else if (kind == "scale-bench") {
      file.kind = ResultsKind::scale;
      if (!json.contains("summary") || !json["summary"].is_object() ||
          !json["summary"].contains("lvtlab") || !json.contains("runs"))
        refuse("a scale benchmark without lvtlab's summary or its runs");
    } else {
      refuse("an unknown kind of results: \"" + kind + "\"");
    }
  }
  file.json = std::move(json);
  return file;
}

// Google Benchmark writes NaN (a stddev of one repetition) and Infinity, which JSON has not:
// outside strings they become null.
std::string without_non_numbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const std::string_view token : {"-Infinity", "Infinity", "NaN", "-nan", "nan"}) {
      if (text.substr(i, token.size()) == token) {
        out += "null";
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

ResultsFile read_results(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw std::runtime_error(path + ": " + error.message());
  if (size > results_file_bytes_max) {
    throw std::runtime_error(path + ": " + std::to_string(size) + " bytes, over the " +
                             std::to_string(results_file_bytes_max) + " a report reads");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error(path + ": cannot be read");
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    json = nlohmann::json::parse(without_non_numbers(text.str()), nullptr, false);
  }
  if (json.is_discarded()) throw std::runtime_error(path + ": not JSON");
  return classify_results(path, std::move(json));
}

}  // namespace lvt::reports
