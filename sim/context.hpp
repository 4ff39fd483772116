// What every part of one simulation shares: the seed's configuration, the virtual clock, the
// queue of pending events, the network's latency draw and the run's counts. Not part of
// lvt_sim's interface.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event_queue.hpp"
#include "events.hpp"
#include "rng.hpp"
#include "simulation.hpp"

namespace lvt::sim::detail {

// Counts by name over a fixed list of names: no allocation per count.
class Tally {
 public:
  explicit Tally(const std::vector<std::string>& names) : names_(names), counts_(names.size()) {
    for (std::size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
  }
  std::uint64_t& operator[](std::string_view name) {
    if (const auto found = index_.find(name); found != index_.end()) return counts_[found->second];
    throw std::logic_error("'" + std::string(name) + "' is not on the list it is counted by");
  }
  std::map<std::string, std::uint64_t> counted() const {  // the names counted at least once
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (counts_[i] > 0) out[names_[i]] = counts_[i];
    }
    return out;
  }

 private:
  const std::vector<std::string>& names_;
  std::unordered_map<std::string_view, std::size_t> index_;  // views of names_
  std::vector<std::uint64_t> counts_;
};

// A timeline's text cut to timeline_text_bytes_max, never inside a code point, with an ellipsis.
inline void cut_for_timeline(std::string& text) {
  if (text.size() <= timeline_text_bytes_max) return;
  text.resize(timeline_text_bytes_max);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
    text.pop_back();  // continuation bytes of a cut code point
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  text += "…";
}

// What a run counts and judges, whichever world it simulates (one process, or replicas).
struct RunState {
  RunState(const SimConfig& config, const std::vector<Step>& steps)
      : config(config), steps(steps) {}

  bool workload_done() const { return steps_done >= steps.size(); }

  // One trip over the network, drawn from the stream of the tab (or orphan) it concerns: each
  // has its own, so that removing one tab's steps while shrinking leaves the others' as they were.
  std::uint64_t latency(Rng& network) const {
    if (!config.latency_long_tail) {
      return network.between(config.latency_us_min, config.latency_us_max);
    }
    const double low = static_cast<double>(std::max<std::uint64_t>(config.latency_us_min, 1));
    const double high = static_cast<double>(std::max(config.latency_us_max, config.latency_us_min));
    const double share = static_cast<double>(network.next() >> 11) * 0x1.0p-53;
    return static_cast<std::uint64_t>(low * std::pow(high / low, share));
  }

  const SimConfig& config;
  const std::vector<Step>& steps;
  std::uint64_t now_us = 0;
  std::size_t steps_done = 0;
  std::uint64_t workload_done_us = 0;
  std::uint64_t tab_events = 0;          // joins, sends, frame deliveries, drops, reconnects
  std::uint64_t events = 0;              // handled so far
  bool socket_closed_by_server = false;  // a tab heals at its heartbeat: the bound is longer
  int stale_tabs = 0;                    // see RunResult
  int diverged_tabs = 0;
  Tally coverage{coverage_names};
  Tally checks{invariant_names};
  std::vector<Failure> failures;

  // What the run comes to, its failures moved out.
  RunResult result(std::uint64_t trace_hash) {
    RunResult out;
    out.config = config;
    out.trace_hash = trace_hash;
    out.events = events;
    out.tab_events = tab_events;
    out.virtual_us = now_us;
    out.failures = std::move(failures);
    out.checks = checks.counted();
    out.coverage = coverage.counted();
    out.stale_tabs = stale_tabs;
    out.diverged_tabs = diverged_tabs;
    return out;
  }

  // A broken invariant, after the event being handled (the first 20 of a run are kept).
  void fail(std::string_view invariant, std::string detail, int tab = -1, std::string expected = {},
            std::string held = {}) {
    if (failures.size() < 20) {
      failures.push_back({std::string(invariant), std::move(detail), events, tab,
                          std::move(expected), std::move(held)});
    }
  }
};

// A world's run state with its queue of pending events.
template <class WorldEvent>
struct WorldContext : RunState {
  using RunState::RunState;
  void schedule(std::uint64_t time_us, WorldEvent&& event) {
    queue.push(time_us, std::move(event));
  }
  EventQueue<WorldEvent> queue;
};

using Context = WorldContext<Event>;

}  // namespace lvt::sim::detail
