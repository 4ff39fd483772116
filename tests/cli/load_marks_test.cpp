// `lvtlab load`'s bookkeeping: the marks it writes are found again in a frame however the server
// wrapped them, its latency percentiles stay within their 1% buckets, and the Socket.IO
// packets it speaks to a socket.io server are written and told apart as Engine.IO 4 has them.
#include <gtest/gtest.h>

#include "engineio.hpp"
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

TEST(EngineIo, WrapsTheSameJsonAsAMessageEventAndTellsPacketsApart) {
  using namespace engineio;
  EXPECT_EQ(handshake_target("/socket.io"), "/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(handshake_target("/socket.io/"), "/socket.io/?EIO=4&transport=websocket");
  const std::string join = R"({"action":"join","data":{"username":"load1"}})";
  EXPECT_EQ(wrap(join), R"(42["message",)" + join + "]");

  EXPECT_EQ(classify(R"(0{"sid":"x","upgrades":[],"pingInterval":25000})").kind, PacketKind::open);
  EXPECT_EQ(classify(R"(40{"sid":"y"})").kind, PacketKind::connected);
  EXPECT_EQ(classify("2").kind, PacketKind::ping);
  EXPECT_EQ(classify("41").kind, PacketKind::disconnected);
  EXPECT_EQ(classify(R"(44{"message":"refused"})").kind, PacketKind::disconnected);
  EXPECT_EQ(classify("1").kind, PacketKind::disconnected);
  EXPECT_EQ(classify("6").kind, PacketKind::other);
  EXPECT_EQ(classify("").kind, PacketKind::other);
  EXPECT_EQ(classify("4").kind, PacketKind::other);
  const std::string answer = R"({"meta":{"action":"send","errors":{},"success":true}})";
  const std::string frame = R"(42["message",)" + answer + "]";
  const Packet event = classify(frame);
  EXPECT_EQ(event.kind, PacketKind::event);
  EXPECT_EQ(event.payload, R"(["message",)" + answer + "]");
}

}  // namespace
}  // namespace lvt::load
