#include "shrink.hpp"

#include <algorithm>

namespace lvt::sim {
namespace {

class Shrinker {
 public:
  Shrinker(const std::string& invariant, std::chrono::milliseconds budget)
      : invariant_(invariant), deadline_(std::chrono::steady_clock::now() + budget) {}

  bool out_of_time() const { return std::chrono::steady_clock::now() >= deadline_; }
  int runs() const { return runs_; }

  // Runs `candidate`; true when it still fails the same invariant first. Its failures go to
  // `failures`, when given.
  bool fails(const Scenario& candidate, std::vector<Failure>* failures = nullptr) {
    ++runs_;
    RunResult result = run_scenario(candidate);
    if (result.failures.empty() || result.failures.front().invariant != invariant_) return false;
    if (failures) *failures = std::move(result.failures);
    return true;
  }

 private:
  std::string invariant_;
  std::chrono::steady_clock::time_point deadline_;
  int runs_ = 0;
};

Scenario with_steps(const Scenario& base, std::vector<Step> steps) {
  Scenario out = base;
  out.steps = std::move(steps);
  out.config.steps = static_cast<int>(out.steps.size());
  return out;
}

}  // namespace

ShrinkResult shrink(const Scenario& failing, const std::string& invariant,
                    std::chrono::milliseconds budget) {
  const auto started = std::chrono::steady_clock::now();
  Shrinker shrinker(invariant, budget);
  Scenario best = failing;

  // 1. The shortest failing prefix, by bisection.
  std::size_t low = 0, high = best.steps.size();  // prefix `high` fails
  while (low + 1 < high && !shrinker.out_of_time()) {
    const std::size_t mid = (low + high) / 2;
    std::vector<Step> prefix(best.steps.begin(), best.steps.begin() + static_cast<long>(mid));
    if (shrinker.fails(with_steps(best, prefix))) {
      high = mid;
    } else {
      low = mid;
    }
  }
  best = with_steps(
      best, std::vector<Step>(best.steps.begin(), best.steps.begin() + static_cast<long>(high)));

  // 2. Delta debugging: drop chunks of steps, halving the chunk until single steps.
  for (std::size_t chunk = std::max<std::size_t>(best.steps.size() / 2, 1);
       chunk >= 1 && !shrinker.out_of_time();) {
    bool removed = false;
    for (std::size_t at = 0; at < best.steps.size() && !shrinker.out_of_time();) {
      std::vector<Step> candidate;
      candidate.reserve(best.steps.size());
      std::uint64_t removed_think_us = 0;
      for (std::size_t i = 0; i < best.steps.size(); ++i) {
        if (i < at || i >= at + chunk) {
          candidate.push_back(best.steps[i]);
        } else {
          removed_think_us += best.steps[i].think_us;
        }
      }
      bool fails = !candidate.empty() && shrinker.fails(with_steps(best, candidate));
      // Steps that only let time pass: remove them but keep their pauses, so that what comes
      // after happens when it did (a page has loaded, a reply has come back).
      if (!fails && !candidate.empty() && at > 0 && removed_think_us > 0 &&
          !shrinker.out_of_time()) {
        candidate[at - 1].think_us += removed_think_us;
        fails = shrinker.fails(with_steps(best, candidate));
      }
      if (fails) {
        best = with_steps(best, std::move(candidate));
        removed = true;
      } else {
        at += chunk;
      }
    }
    if (chunk == 1 && !removed) break;
    if (!removed) chunk /= 2;
  }

  // 3. Plainer steps: no pauses, short text, where the failure allows.
  for (std::size_t i = 0; i < best.steps.size() && !shrinker.out_of_time(); ++i) {
    for (int simplification = 0; simplification < 2; ++simplification) {
      Scenario candidate = best;
      Step& step = candidate.steps[i];
      if (simplification == 0) {
        if (step.think_us == 0) continue;
        step.think_us = 0;
      } else {
        if (step.text.size() <= 1 || step.op == Step::Op::join) continue;
        step.text = "x";
      }
      if (shrinker.fails(candidate)) best = std::move(candidate);
    }
  }

  ShrinkResult result;
  std::vector<Failure> failures;
  if (shrinker.fails(best, &failures)) {
    result.failure = failures.front();
    result.consequences.assign(failures.begin() + 1, failures.end());
  }
  result.scenario = std::move(best);
  result.runs = shrinker.runs();
  result.budget_ran_out = shrinker.out_of_time();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace lvt::sim
