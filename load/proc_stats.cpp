#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace lvt::load {

std::optional<ProcStats> read_proc_stats(int pid) {
  ProcStats stats;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // The command name may hold spaces: the fields count from after its closing parenthesis.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  stats.cpu_s = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    const auto value = [&line] { return std::stoull(line.substr(line.find(':') + 1)); };
    if (line.starts_with("VmRSS:")) stats.rss_bytes = value() * 1024;
    if (line.starts_with("voluntary_ctxt_switches:")) stats.voluntary_switches = value();
    if (line.starts_with("nonvoluntary_ctxt_switches:")) stats.involuntary_switches = value();
  }
  return stats;
}

ProcStats own_stats() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  ProcStats stats;
  stats.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  stats.rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  stats.voluntary_switches = static_cast<std::uint64_t>(usage.ru_nvcsw);
  stats.involuntary_switches = static_cast<std::uint64_t>(usage.ru_nivcsw);
  return stats;
}

}  // namespace lvt::load
