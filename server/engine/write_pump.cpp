#include "write_pump.hpp"

#include <cassert>
#include <utility>

namespace lvt {

WritePump::Next WritePump::enqueue(Frame frame) {
  if (closing()) return Next::nothing;
  if (!queue_.push(std::move(frame))) {
    cut_ = true;
    return Next::cut;
  }
  return next();
}

WritePump::Next WritePump::accepted() {
  accepted_ = true;
  return next();
}

WritePump::Next WritePump::written() {
  assert(writing_);
  writing_ = false;
  frame_in_flight_ = Frame();  // an idle connection holds no frame
  return next();
}

WritePump::Next WritePump::close() {
  if (closing()) return Next::nothing;
  close_requested_ = true;
  return next();
}

// One write at a time once accepted; the queue drains before a requested close starts.
WritePump::Next WritePump::next() {
  if (!accepted_ || writing_ || cut_ || stopped_ || close_started_) return Next::nothing;
  if (!queue_.empty()) {
    writing_ = true;
    frame_in_flight_ = queue_.take();
    return Next::write;
  }
  if (close_requested_) {
    close_started_ = true;
    return Next::close;
  }
  return Next::nothing;
}

}  // namespace lvt
