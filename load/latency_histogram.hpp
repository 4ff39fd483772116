// Latencies in bounded memory: buckets 1% wide from 1 µs to 100 s (about 1,900 counters), so a
// percentile is within 1% of the true one however many deliveries a run counts.
#pragma once

#include <array>
#include <cstdint>

namespace lvt::load {

class LatencyHistogram {
 public:
  static constexpr double bucket_ratio = 1.01;
  static constexpr std::uint64_t floor_ns = 1'000, ceiling_ns = 100'000'000'000;

  void add(std::uint64_t ns);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  std::uint64_t max_ns() const { return max_ns_; }
  // The latency at or below which `share` (0..1) of the samples fall; 0 when empty.
  std::uint64_t percentile_ns(double share) const;

 private:
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t upper_ns(std::size_t bucket);
  static constexpr std::size_t buckets = 1860;  // ln(1e8) / ln(1.01) + 1, with room
  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t count_ = 0, max_ns_ = 0;
};

}  // namespace lvt::load
