#include "outbound_queue.hpp"

#include <gtest/gtest.h>

namespace lvt {
namespace {

TEST(OutboundQueue, HoldsFramesInOrderWithinItsBounds) {
  OutboundQueue queue(3, 100);
  EXPECT_TRUE(queue.push("one"));
  EXPECT_TRUE(queue.push("two!"));
  EXPECT_EQ(queue.frames(), 2u);
  EXPECT_EQ(queue.bytes(), 7u);
  EXPECT_EQ(queue.take(), "one");
  EXPECT_EQ(queue.bytes(), 4u);
  EXPECT_EQ(queue.take(), "two!");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(OutboundQueue, OneFrameTooManyEmptiesItAndSaysSo) {
  OutboundQueue queue(2, 100);
  EXPECT_TRUE(queue.push("a"));
  EXPECT_TRUE(queue.push("b"));
  EXPECT_FALSE(queue.push("c"));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(OutboundQueue, OneByteTooManyEmptiesItToo) {
  OutboundQueue queue(100, 10);
  EXPECT_TRUE(queue.push("12345"));
  EXPECT_TRUE(queue.push("67890"));
  EXPECT_FALSE(queue.push("x"));
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace lvt
