#include "outbound_queue.hpp"

#include <cassert>
#include <utility>

namespace lvt {

bool OutboundQueue::push(Frame frame) {
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  if (frames_.size() > frames_max_ || bytes_ > bytes_max_) {
    clear();
    return false;
  }
  return true;
}

Frame OutboundQueue::take() {
  assert(!frames_.empty() && bytes_ >= frames_.front().size());
  Frame frame = frames_.pop_front();
  bytes_ -= frame.size();
  return frame;
}

void OutboundQueue::clear() {
  frames_.clear();
  bytes_ = 0;
}

}  // namespace lvt
