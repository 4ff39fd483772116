// What every results file of lvtlab says about itself (schema_version 1): which tool made it
// and at which commit, from which command line, when, for how long, on what machine. `lvtlab
// report` reads these fields to say where a figure came from.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lvt::cli {

inline constexpr int results_schema_version = 1;

// "lvtlab 0.1.0 (git 2b7e119)": the project's version and the commit it was configured at.
std::string version_text();

// Remembers the process's command line and start time for run_record (main calls it first).
void note_invocation(int argc, char** argv);

// {schema_version, kind, tool: {name, version, git_commit}, command_line, started_at,
//  machine: {cores, memory_bytes, cpu}}; `kind` names the results' shape ("check", "planted").
nlohmann::json run_record(std::string_view kind);

// `when` as ISO 8601 in UTC, to the second: "2026-11-30T05:06:46Z".
std::string utc_text(std::chrono::system_clock::time_point when);

// Seconds since note_invocation.
double seconds_since_invocation();

}  // namespace lvt::cli
