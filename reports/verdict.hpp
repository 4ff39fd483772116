// The report's first sentence: what the runs it reads found, in words a person reads first.
#pragma once

#include <string>
#include <vector>

#include "results_file.hpp"

namespace lvt::reports {

// "Safety held: 11 invariants on 3,000 seeds in 4 configurations, every coverage item hit;
// 29 of 29 planted bugs caught." or "FAILED: ..."; one clause per kind of run read.
std::string verdict_sentence(const std::vector<ResultsFile>& files);
// Whether every run read held (no failed campaign, every planted bug caught).
bool all_held(const std::vector<ResultsFile>& files);

// 3000 -> "3,000".
std::string with_commas(std::uint64_t n);

}  // namespace lvt::reports
