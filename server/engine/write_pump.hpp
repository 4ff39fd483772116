// The write side of one WebSocket connection as a state machine, apart from the socket: Beast
// allows one write in flight, frames wait in a bounded queue, a slow reader is cut, and a close
// lets the queued frames go first. The transport does what each call returns; the unit tests
// drive every interleaving of completions the real sockets can only make by chance.
#pragma once

#include <cstddef>
#include <string>

#include "outbound_queue.hpp"

namespace lvt {

class WritePump {
 public:
  // What the transport must do next.
  enum class Next {
    nothing,
    write,  // write frame_in_flight()
    close,  // start the closing handshake
    cut,    // the reader is too slow: shut the socket (the queue was emptied)
  };

  WritePump(std::size_t frames_max, std::size_t bytes_max) : queue_(frames_max, bytes_max) {}

  Next enqueue(std::string frame);  // dropped once closing
  Next accepted();                  // the handshake completed
  Next written();                   // the write in flight completed
  Next close();                     // the server wants to close, after the queued frames
  void stop() { stopped_ = true; }  // the socket failed or closed: nothing more to do

  // Beast writes from it until written(); it is in no queue, so a cut cannot touch it.
  const std::string& frame_in_flight() const { return frame_in_flight_; }
  bool closing() const { return close_requested_ || cut_ || stopped_; }
  std::size_t frames_queued() const { return queue_.frames(); }
  std::size_t bytes_queued() const { return queue_.bytes(); }

 private:
  Next next();

  OutboundQueue queue_;
  std::string frame_in_flight_;
  bool accepted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_started_ = false;
  bool cut_ = false;
  bool stopped_ = false;
};

}  // namespace lvt
