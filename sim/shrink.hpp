// Shrinks a failing scenario to a small one that fails the same invariant first (what comes
// after the first failure may be its consequence, so the first is what is kept): cut the suffix,
// then delta debugging over the steps (drop chunks, halving their size), then plainer text, all
// within a time budget. The result replays with `lvtlab replay`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "simulation.hpp"

namespace lvt::sim {

struct ShrinkResult {
  Scenario scenario;  // the smallest failing scenario found
  Failure failure;    // what it fails first
  // What else it fails after that, in event order: consequences of the first, most likely.
  std::vector<Failure> consequences;
  int runs = 0;
  double seconds = 0;
  bool budget_ran_out = false;
};

// `failing` must fail `invariant` before any other.
ShrinkResult shrink(const Scenario& failing, const std::string& invariant,
                    std::chrono::milliseconds budget);

}  // namespace lvt::sim
