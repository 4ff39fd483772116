#include "run_record.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#ifndef LVT_VERSION
#define LVT_VERSION "unknown"
#endif
#ifndef LVT_GIT_COMMIT
#define LVT_GIT_COMMIT ""
#endif

namespace lvt::cli {
namespace {

std::string command_line;
std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

// A shell could run it again: arguments with spaces or quotes are single-quoted.
std::string quoted(std::string_view argument) {
  if (!argument.empty() && argument.find_first_of(" \t\n'\"\\$`;&|<>*?()") == argument.npos)
    return std::string(argument);
  std::string out = "'";
  for (const char c : argument) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The first "name : value" line of /proc/cpuinfo or /proc/meminfo whose name is `name`.
std::string proc_field(const char* file, std::string_view name) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(name)) continue;
    const std::size_t colon = line.find(':');
    if (colon == line.npos) continue;
    const std::size_t value = line.find_first_not_of(" \t", colon + 1);
    return value == line.npos ? std::string() : line.substr(value);
  }
  return {};
}

}  // namespace

std::string version_text() {
  std::string text = std::string("lvtlab ") + LVT_VERSION;
  if (std::string_view(LVT_GIT_COMMIT).empty()) return text;
  return text + " (git " + LVT_GIT_COMMIT + ")";
}

void note_invocation(int argc, char** argv) {
  command_line.clear();
  for (int i = 0; i < argc; ++i) command_line += (i > 0 ? " " : "") + quoted(argv[i]);
  started_wall = std::chrono::system_clock::now();
  started = std::chrono::steady_clock::now();
}

double seconds_since_invocation() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::string utc_text(std::chrono::system_clock::time_point when) {
  const std::time_t wall = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&wall, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json run_record(std::string_view kind) {
  const std::string memory_kb = proc_field("/proc/meminfo", "MemTotal");
  nlohmann::json machine = {{"cores", std::thread::hardware_concurrency()},
                            {"cpu", proc_field("/proc/cpuinfo", "model name")}};
  machine["memory_bytes"] = memory_kb.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(std::stoull(memory_kb) * 1024);  // "24683656 kB"
  nlohmann::json git = std::string_view(LVT_GIT_COMMIT).empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(LVT_GIT_COMMIT);
  return {{"schema_version", results_schema_version},
          {"kind", kind},
          {"tool", {{"name", "lvtlab"}, {"version", LVT_VERSION}, {"git_commit", git}}},
          {"command_line", command_line},
          {"started_at", utc_text(started_wall)},
          {"machine", machine}};
}

}  // namespace lvt::cli
