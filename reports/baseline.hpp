// `lvtlab report --baseline OLD NEW`: what moved between two runs of one kind. A figure is
// flagged only when it moved beyond its noise: for benchmarks, measured from their repetitions
// (as Google Benchmark's compare.py does, with a simpler rule it states); for a campaign's
// speed, a fixed band, since one run has no spread; for what the simulator computes (seeds to
// catch a planted bug, kill rates), any change, since those replay exactly. Every invariant or
// planted bug whose verdict changed is listed.
#pragma once

#include <string>
#include <vector>

#include "results_file.hpp"

namespace lvt::reports {

struct FigureChange {
  std::string figure = {};  // "BM_FanOut/100", "tab-events per second"
  std::string unit = {};    // "ns", "per s", "seeds"
  double old_value = 0, new_value = 0;
  double change = 0;    // (new - old) / old
  std::string noise;    // how the noise was judged, for a person
  bool moved = false;   // beyond its noise
  bool better = false;  // in the good direction (less time, more speed)
};

struct VerdictChange {
  std::string what = {};  // "invariant convergence", "planted bug cross-group-leak"
  std::string old_verdict = {}, new_verdict = {};
};

struct Comparison {
  std::string old_path = {}, new_path = {};
  std::vector<FigureChange> figures = {};  // every figure both runs have, moved or not
  std::vector<VerdictChange> verdicts = {};
  std::size_t moved() const;
};

// The rule for benchmarks: with two or more repetitions on each side, moved when the means
// differ by more than twice the sum of the standard deviations and by more than 2%; with fewer,
// when they differ by more than 10%.
inline constexpr double noise_sigmas = 2.0, noise_floor = 0.02, unrepeated_band = 0.10;
// A campaign's speed, one measurement a side.
inline constexpr double campaign_speed_band = 0.20;

// Throws std::runtime_error when the two are not of one kind.
Comparison compare(const ResultsFile& old_run, const ResultsFile& new_run);

}  // namespace lvt::reports
