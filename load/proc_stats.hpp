// What /proc says of a process: CPU time, resident memory and context switches, read before and
// after a measured phase so that `lvtlab load` can give the server's cost per delivery.
#pragma once

#include <cstdint>
#include <optional>

namespace lvt::load {

struct ProcStats {
  double cpu_s = 0;  // user + system
  std::uint64_t rss_bytes = 0;
  std::uint64_t voluntary_switches = 0, involuntary_switches = 0;
};

// Nothing when the process is gone or /proc cannot be read.
std::optional<ProcStats> read_proc_stats(int pid);
ProcStats own_stats();  // this process, by getrusage

}  // namespace lvt::load
