// Deterministic randomness: one seed, and an independent stream per component derived from it,
// so adding draws to one component never shifts another's.
#pragma once

#include <cstdint>
#include <string_view>

namespace lvt::sim {

class Rng {
 public:
  Rng(std::uint64_t seed, std::string_view stream) : state_(seed) {
    for (char c : stream) state_ = mix(state_ ^ static_cast<unsigned char>(c));
  }
  std::uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ull); }
  // Uniform in [0, bound); bound > 0.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
  std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    return low + below(high - low + 1);
  }
  bool chance(double probability) {
    return static_cast<double>(next() >> 11) * 0x1.0p-53 < probability;
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {  // SplitMix64's finaliser
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace lvt::sim
