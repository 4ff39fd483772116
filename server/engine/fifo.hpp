// A first-in, first-out queue that holds no memory while empty. libstdc++'s std::deque
// allocates a 512-byte block even when empty, and every idle connection has two queues (its
// broadcasts waiting, its frames waiting): a kilobyte a connection for nothing. Items live in
// one vector from `head_` on; the vector is given back when the queue empties, and the taken
// front is dropped once it is at least half of it, so push and pop stay amortised O(1).
// Bounds are the owner's (every owner caps its queue).
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace lvt {

template <class T>
class Fifo {
 public:
  using iterator = typename std::vector<T>::iterator;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return items_.end(); }

  T& front() {
    assert(!empty());
    return items_[head_];
  }
  void push_back(T item) { items_.push_back(std::move(item)); }
  T pop_front() {
    assert(!empty());
    T item = std::move(items_[head_]);
    ++head_;
    if (empty()) {
      clear();
    } else if (head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), begin());
      head_ = 0;
    }
    return item;
  }
  void erase(iterator at) {
    assert(at >= begin() && at < end());
    items_.erase(at);
    if (empty()) clear();
  }
  void clear() {
    std::vector<T>().swap(items_);
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;  // the front's index in items_
};

}  // namespace lvt
