// The frames waiting to be written to one connection, bounded in frames and bytes. A client
// that does not read fills it, and is cut off rather than allowed to grow the server's memory.
// The transport writes through it; the simulator runs the same bound against slow readers.
#pragma once

#include <cstddef>

#include "fifo.hpp"
#include "frame.hpp"

namespace lvt {

class OutboundQueue {
 public:
  OutboundQueue(std::size_t frames_max, std::size_t bytes_max)
      : frames_max_(frames_max), bytes_max_(bytes_max) {}

  // Queues a frame; false when that passes a bound, and then the queue is emptied: the owner
  // must cut the connection.
  [[nodiscard]] bool push(Frame frame);
  bool empty() const { return frames_.empty(); }
  std::size_t frames() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }
  Frame take();  // pops the front frame and returns it
  void clear();

 private:
  std::size_t frames_max_;
  std::size_t bytes_max_;
  Fifo<Frame> frames_;
  std::size_t bytes_ = 0;  // of frames_
};

}  // namespace lvt
