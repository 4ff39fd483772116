#include "latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace lvt::load {

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
  if (ns <= floor_ns) return 0;
  const double steps = std::log(static_cast<double>(ns) / floor_ns) / std::log(bucket_ratio);
  return std::min<std::size_t>(static_cast<std::size_t>(std::ceil(steps)), buckets - 1);
}

std::uint64_t LatencyHistogram::upper_ns(std::size_t bucket) {
  return static_cast<std::uint64_t>(floor_ns * std::pow(bucket_ratio, static_cast<double>(bucket)));
}

void LatencyHistogram::add(std::uint64_t ns) {
  ++counts_[bucket_of(ns)];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

std::uint64_t LatencyHistogram::percentile_ns(double share) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(share * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    seen += counts_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(upper_ns(i), max_ns_);
  }
  return max_ns_;
}

}  // namespace lvt::load
