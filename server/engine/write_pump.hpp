// The write side of one WebSocket connection as a state machine, apart from the socket: one frame
// is in flight (the server's transport: until the socket's buffer takes it), the others wait in
// a bounded queue, a slow reader is cut, and a close lets the queued frames go first. The transport
// does what each call returns; the unit tests drive every interleaving of completions the real
// sockets can only make by chance.
#pragma once

#include <algorithm>
#include <cstddef>

#include "frame.hpp"
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

  // Reading pauses above a quarter of each bound (see reading_paused()).
  WritePump(std::size_t frames_max, std::size_t bytes_max)
      : queue_(frames_max, bytes_max),
        read_watermark_frames_(std::max<std::size_t>(1, frames_max / 4)),
        read_watermark_bytes_(std::max<std::size_t>(1, bytes_max / 4)) {}

  Next enqueue(Frame frame);        // dropped once closing
  Next accepted();                  // the handshake completed
  Next written();                   // the write in flight completed
  Next close();                     // the server wants to close, after the queued frames
  void stop() { stopped_ = true; }  // the socket failed or closed: nothing more to do

  // The transport writes from it until written(); it is in no queue, so a cut cannot touch it.
  const Frame& frame_in_flight() const { return frame_in_flight_; }
  bool writing() const { return writing_; }  // a frame is in flight, until written()
  bool closing() const { return close_requested_ || cut_ || stopped_; }
  std::size_t frames_queued() const { return queue_.frames(); }
  std::size_t bytes_queued() const { return queue_.bytes(); }
  // The transport reads no request while this holds, and reads again once written() brings the
  // queue back under the watermark. A burst of requests so queues at most a watermark of
  // answers (plus one dispatch run), and what passes the cut bound is what the client did not
  // take: frames waiting behind a write the socket would not accept.
  bool reading_paused() const {
    return queue_.frames() > read_watermark_frames_ || queue_.bytes() > read_watermark_bytes_;
  }

 private:
  Next next();

  OutboundQueue queue_;
  std::size_t read_watermark_frames_;
  std::size_t read_watermark_bytes_;
  Frame frame_in_flight_;
  bool accepted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_started_ = false;
  bool cut_ = false;
  bool stopped_ = false;
};

}  // namespace lvt
