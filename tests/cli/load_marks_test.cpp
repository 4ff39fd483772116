// `lvtlab load`'s bookkeeping: the marks it writes are found again in a frame however the server
// wrapped them, and its latency percentiles stay within their 1% buckets.
#include <gtest/gtest.h>

#include "latency_histogram.hpp"
#include "marks.hpp"

namespace lvt::load {
namespace {

TEST(Marks, AreFoundInAFrameInOrderAndBrokenOnesSkipped) {
  const Mark first{7, 2, 41, 123456789}, second{7, 2, 42, 123456999};
  const std::string frame = R"({"tree":{"0":{"a":[{"0":"Ann","1":")" + mark_text(first) +
                            R"("},{"0":"Ann","1":"x )" + mark_text(second) +
                            R"( y"}]}},"note":"lvtload:7:2:","other":"lvtload:x:1:2:3"})";
  EXPECT_EQ(marks_in(frame), (std::vector<Mark>{first, second}));
  EXPECT_TRUE(marks_in("no marks here").empty());
  EXPECT_EQ(mark_text(first), "lvtload:7:2:41:123456789");
}

TEST(LatencyHistogram, PercentilesAreWithinABucketOfTheTrueOnes) {
  LatencyHistogram h;
  for (std::uint64_t ms = 1; ms <= 1000; ++ms) h.add(ms * 1'000'000);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max_ns(), 1'000'000'000u);
  for (const auto& [share, truth] : {std::pair{0.5, 500e6}, {0.99, 990e6}, {0.999, 999e6}}) {
    const double got = static_cast<double>(h.percentile_ns(share));
    EXPECT_NEAR(got, truth, truth * 0.011) << share;
  }
  LatencyHistogram other;
  other.add(5'000'000'000);
  h.merge(other);
  EXPECT_EQ(h.percentile_ns(1.0), 5'000'000'000u);
  EXPECT_EQ(LatencyHistogram().percentile_ns(0.99), 0u);
}

}  // namespace
}  // namespace lvt::load
