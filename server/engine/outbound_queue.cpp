#include "outbound_queue.hpp"

#include <cassert>

namespace lvt {

bool OutboundQueue::push(std::string frame) {
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  if (frames_.size() > frames_max_ || bytes_ > bytes_max_) {
    clear();
    return false;
  }
  return true;
}

void OutboundQueue::pop() {
  assert(!frames_.empty() && bytes_ >= frames_.front().size());
  bytes_ -= frames_.front().size();
  frames_.pop_front();
}

void OutboundQueue::clear() {
  frames_.clear();
  bytes_ = 0;
}

}  // namespace lvt
