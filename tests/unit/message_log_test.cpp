#include "message_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lvt {
namespace {

tree::Item render(const Message& message) {
  return {std::to_string(message.id), message.text};
}

// Every index, across many chunk boundaries, holds its own message.
TEST(MessageLog, KeepsEveryMessageAtItsIndexAcrossChunks) {
  MessageLog log(5'000);
  for (std::size_t i = 0; i < 5'000; ++i) {
    ASSERT_EQ(log.append("user" + std::to_string(i), "text" + std::to_string(i)), i + 1);
  }
  EXPECT_EQ(log.snapshot(), 5'000u);
  const auto all = log.window(0, &render);
  ASSERT_EQ(all->begin(), 0u);
  ASSERT_EQ(all->end(), 5'000u);
  EXPECT_FALSE(all->has_older());
  for (std::size_t i = 0; i < 5'000; ++i) {
    const Message& message = all->at(i);
    ASSERT_EQ(message.id, i + 1);
    ASSERT_EQ(message.user, "user" + std::to_string(i));
    ASSERT_EQ(message.text, "text" + std::to_string(i));
  }
}

// A ring: past its bound the oldest go, in order, and ids keep counting.
TEST(MessageLog, EvictsTheOldestPastItsBound) {
  MessageLog log(100);
  for (std::size_t i = 0; i < 1'000; ++i) ASSERT_EQ(log.append("u", std::to_string(i)), i + 1);
  const auto all = log.window(0, &render);
  EXPECT_EQ(all->begin(), 900u);
  EXPECT_EQ(all->end(), 1'000u);
  EXPECT_FALSE(all->has_older());
  for (std::size_t i = 900; i < 1'000; ++i) {
    ASSERT_EQ(all->at(i).id, i + 1);
    ASSERT_EQ(all->at(i).text, std::to_string(i));
  }
}

// A window is the newest `span` of what is kept, and says whether older ones are kept.
TEST(MessageLog, AWindowIsTheNewestSpanOfWhatIsKept) {
  MessageLog log(50);
  EXPECT_EQ(log.window(10, &render)->size(), 0u);
  for (int i = 0; i < 7; ++i) log.append("u", "t");
  const auto short_log = log.window(10, &render);
  EXPECT_EQ(short_log->begin(), 0u);
  EXPECT_EQ(short_log->end(), 7u);
  EXPECT_FALSE(short_log->has_older());
  for (int i = 0; i < 93; ++i) log.append("u", "t");
  const auto newest = log.window(10, &render);
  EXPECT_EQ(newest->begin(), 90u);
  EXPECT_EQ(newest->end(), 100u);
  EXPECT_TRUE(newest->has_older());
  const auto widest = log.window(50, &render);
  EXPECT_EQ(widest->begin(), 50u);
  EXPECT_FALSE(widest->has_older());
  EXPECT_EQ(log.window(500, &render)->begin(), 50u);  // no more than is kept
  // As of an earlier count: not before what is kept.
  const auto earlier = log.window(10, &render, 95);
  EXPECT_EQ(earlier->begin(), 85u);
  EXPECT_EQ(earlier->end(), 95u);
  EXPECT_EQ(log.window(10, &render, 3)->size(), 0u);
}

// A window keeps what it shows alive and unchanged after the log moved past it: connections
// read their window without the lock.
TEST(MessageLog, AWindowOutlivesTheEvictionOfWhatItShows) {
  MessageLog log(40);
  for (int i = 0; i < 40; ++i) log.append("u", "old " + std::to_string(i));
  const auto kept = log.window(0, &render);
  const Message* first = &kept->at(0);
  for (int i = 0; i < 1'000; ++i) log.append("u", "new " + std::to_string(i));
  EXPECT_EQ(log.window(0, &render)->begin(), 1'000u);
  EXPECT_EQ(&kept->at(0), first);
  for (std::size_t i = 0; i < 40; ++i) ASSERT_EQ(kept->at(i).text, "old " + std::to_string(i));
  EXPECT_EQ(kept->key(39), "40");
  EXPECT_EQ(kept->sequence_index(3), 3u);
}

// As a replica's cache: records read from the store append in id order, what is held already
// is skipped, and a jump (the store evicted what lies between) shows only what was read.
TEST(MessageLog, AbsorbsRecordsReadFromTheStore) {
  MessageLog log(10);
  log.absorb({{1, "ann", "a"}, {2, "bob", "b"}});
  EXPECT_EQ(log.cached_through(), 2u);
  log.absorb({{2, "bob", "b"}, {3, "cy", "c"}});  // 2 again: read twice
  ASSERT_EQ(log.cached_through(), 3u);
  auto all = log.window(0, &render);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at(2).user, "cy");
  EXPECT_EQ(all->at(2).id, 3u);

  std::vector<LogRecord> newest;  // the store kept 101..110 of 110
  for (std::uint64_t id = 101; id <= 110; ++id) newest.push_back({id, "u", std::to_string(id)});
  log.absorb(newest);
  EXPECT_EQ(log.cached_through(), 110u);
  all = log.window(0, &render);
  EXPECT_EQ(all->begin(), 100u);
  EXPECT_EQ(all->end(), 110u);
  EXPECT_FALSE(all->has_older());
  EXPECT_EQ(all->at(100).text, "101");
  EXPECT_EQ(all->at(109).text, "110");
  EXPECT_EQ(log.append_local("v", "111"), 111u);
  EXPECT_EQ(log.window(0, &render)->begin(), 101u);
}

// A jump inside the chunk the log is filling, to a chunk boundary, and from an empty cache.
TEST(MessageLog, AbsorbsJumpsAtAndWithinChunkBoundaries) {
  for (const std::uint64_t first : {5u, 33u, 65u, 70u}) {
    MessageLog log(4);
    if (first > 5) log.absorb({{1, "a", "1"}, {2, "a", "2"}});
    std::vector<LogRecord> records;
    for (std::uint64_t id = first; id < first + 4; ++id) records.push_back({id, "u", "t"});
    log.absorb(records);
    const auto all = log.window(0, &render);
    ASSERT_EQ(all->begin(), first - 1) << first;
    ASSERT_EQ(all->end(), first + 3) << first;
    for (std::uint64_t id = first; id < first + 4; ++id) ASSERT_EQ(all->at(id - 1).id, id);
  }
}

}  // namespace
}  // namespace lvt
