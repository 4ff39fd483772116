// The results files `lvtlab report` reads, and what kind each is: a `check` campaign, a
// `check --plant all` run, a mutation sweep (scripts/mutation-sweep), a `load` run, a replicas
// benchmark (scripts/bench-replicas.js), a scale benchmark against peer servers
// (scripts/bench-scale.js), or Google Benchmark's JSON (--benchmark_out). lvtlab's own files carry
// schema_version 1 and their kind.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lvt::reports {

enum class ResultsKind { check, planted, mutation, benchmark, load, replicas, scale };
std::string_view kind_name(ResultsKind kind);

struct ResultsFile {
  std::string path;
  ResultsKind kind = ResultsKind::check;
  nlohmann::json json;
};

// Reads and classifies `path`; throws std::runtime_error saying what is wrong with it (missing,
// not JSON, an unknown shape, a schema_version this lvtlab does not read).
ResultsFile read_results(const std::string& path);
// The same for a document already parsed (tests); `path` only names it in errors.
ResultsFile classify_results(std::string path, nlohmann::json json);

// `text` with the NaN and Infinity tokens Google Benchmark writes (not JSON) as null, strings
// left alone.
std::string without_non_numbers(std::string_view text);

// The largest results file read (a campaign with timelines is well under it).
inline constexpr std::size_t results_file_bytes_max = 256 * 1024 * 1024;

}  // namespace lvt::reports
