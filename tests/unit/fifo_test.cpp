#include "fifo.hpp"

#include <deque>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace lvt {
namespace {

TEST(Fifo, TakesItemsInTheOrderTheyCame) {
  Fifo<std::string> fifo;
  EXPECT_TRUE(fifo.empty());
  fifo.push_back("one");
  fifo.push_back("two");
  fifo.push_back("three");
  EXPECT_EQ(fifo.size(), 3u);
  EXPECT_EQ(fifo.pop_front(), "one");
  EXPECT_EQ(fifo.front(), "two");
  EXPECT_EQ(fifo.pop_front(), "two");
  EXPECT_EQ(fifo.pop_front(), "three");
  EXPECT_TRUE(fifo.empty());
}

TEST(Fifo, ErasesAnItemInTheMiddle) {
  Fifo<int> fifo;
  for (int i = 0; i < 4; ++i) fifo.push_back(i);
  EXPECT_EQ(fifo.pop_front(), 0);
  fifo.erase(fifo.begin() + 1);  // the 2
  EXPECT_EQ(fifo.pop_front(), 1);
  EXPECT_EQ(fifo.pop_front(), 3);
  EXPECT_TRUE(fifo.empty());
}

// Any sequence of operations leaves it holding what a std::deque would, in the same order.
RC_GTEST_PROP(Fifo, BehavesAsADeque, (const std::vector<int>& operations)) {
  Fifo<int> fifo;
  std::deque<int> model;
  for (const int operation : operations) {
    if (operation % 5 == 0 && !model.empty()) {
      RC_ASSERT(fifo.pop_front() == model.front());
      model.pop_front();
    } else if (operation % 7 == 0 && !model.empty()) {
      const auto at = static_cast<std::ptrdiff_t>(static_cast<unsigned>(operation) % model.size());
      fifo.erase(fifo.begin() + at);
      model.erase(model.begin() + at);
    } else if (operation % 97 == 0) {
      fifo.clear();
      model.clear();
    } else {
      fifo.push_back(operation);
      model.push_back(operation);
    }
    RC_ASSERT(fifo.size() == model.size());
    RC_ASSERT(std::equal(fifo.begin(), fifo.end(), model.begin(), model.end()));
  }
}

}  // namespace
}  // namespace lvt
