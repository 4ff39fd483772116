#include "message_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lvt {
namespace {

// Chunks double in size: every index, across many chunk boundaries, holds its own message.
TEST(MessageLog, KeepsEveryMessageAtItsIndexAcrossChunks) {
  MessageLog log(5'000);
  for (std::size_t i = 0; i < 5'000; ++i) {
    ASSERT_EQ(log.append("user" + std::to_string(i), "text" + std::to_string(i)), i + 1);
  }
  EXPECT_EQ(log.snapshot(), 5'000u);
  for (std::size_t i = 0; i < 5'000; ++i) {
    const Message& message = log.at(i);
    ASSERT_EQ(message.id, i + 1);
    ASSERT_EQ(message.user, "user" + std::to_string(i));
    ASSERT_EQ(message.text, "text" + std::to_string(i));
  }
}

TEST(MessageLog, RefusesPastItsBoundAndKeepsWhatItHas) {
  MessageLog log(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.append("u", "t"));
  EXPECT_FALSE(log.append("u", "one too many"));
  EXPECT_EQ(log.snapshot(), 3u);
  EXPECT_EQ(log.at(2).id, 3u);
}

// A message's address never changes once appended: connections read it without the lock.
TEST(MessageLog, MessagesStayWhereTheyWereWhileTheLogGrows) {
  MessageLog log(10'000);
  log.append("first", "hello");
  const Message* first = &log.at(0);
  std::vector<const Message*> early;
  for (std::size_t i = 1; i < 100; ++i) {
    log.append("u", "t");
    early.push_back(&log.at(i));
  }
  for (std::size_t i = 100; i < 10'000; ++i) log.append("u", "t");
  EXPECT_EQ(&log.at(0), first);
  EXPECT_EQ(first->text, "hello");
  for (std::size_t i = 1; i < 100; ++i) EXPECT_EQ(&log.at(i), early[i - 1]);
}

}  // namespace
}  // namespace lvt
