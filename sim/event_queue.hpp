// The simulator's pending events in time order, ties broken by insertion order. The heap moves
// small keys (time, sequence, slot); the events themselves stay put in a slab, so an event with
// a frame in it is moved twice (in and out), not once per level of the heap.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <utility>
#include <vector>

namespace lvt::sim {

template <class Event>
class EventQueue {
 public:
  bool empty() const { return keys_.empty(); }

  void push(std::uint64_t time_us, Event&& event) {
    std::uint32_t slot;
    if (free_slots_.empty()) {
      slot = static_cast<std::uint32_t>(slab_.size());
      slab_.push_back(std::move(event));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      slab_[slot] = std::move(event);
    }
    keys_.push_back({time_us, next_sequence_++, slot});
    std::push_heap(keys_.begin(), keys_.end(), Later{});
  }

  struct Popped {
    std::uint64_t time_us;
    Event event;
  };
  // The earliest event (the first pushed among equal times), with its time.
  Popped pop() {
    assert(!empty());
    std::pop_heap(keys_.begin(), keys_.end(), Later{});
    const Key key = keys_.back();
    keys_.pop_back();
    free_slots_.push_back(key.slot);
    return {key.time_us, std::move(slab_[key.slot])};
  }

 private:
  struct Key {
    std::uint64_t time_us;
    std::uint64_t sequence;
    std::uint32_t slot;
  };
  struct Later {
    bool operator()(const Key& a, const Key& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.sequence > b.sequence;
    }
  };

  std::vector<Key> keys_;  // a min-heap by (time_us, sequence)
  std::vector<Event> slab_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace lvt::sim
