// The server's end of one simulated WebSocket: the engine's connection, and the transport's write
// path run through the same `WritePump` (hence the same bounded `OutboundQueue`) the real
// transport uses. A written frame enters the network, which holds up to `network_frames_max`
// frames (socket buffers) until the client reads them; past that, the write in flight waits,
// the queue fills, and the pump cuts the connection as the transport would.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine.hpp"
#include "events.hpp"
#include "page_text.hpp"
#include "render_hash.hpp"
#include "rng.hpp"
#include "write_pump.hpp"

namespace lvt::sim::detail {

class ServerEnd {
 public:
  // What the checks expect of a frame once the client applied it: the server's render when it
  // was made, and where the oracle judges it, the model's view.
  struct Expected {
    RenderHash render;
    std::optional<model::View> view;
    std::optional<PredictedAnswer> answer;  // the frame answers an action
  };
  struct Written {  // a frame handed to the network, on its way to the client
    Frame frame;
    Expected expected;
    std::uint16_t close_code = 0;  // not 0: the close frame, the last thing written
  };

  ServerEnd(std::shared_ptr<Connection> connection, int browser, std::uint64_t generation,
            std::size_t outbound_frames_max, std::size_t network_frames_max);

  // Queues a frame and writes what the network takes into `written`; false when the queue
  // passed its bound: the connection must be cut.
  [[nodiscard]] bool send(Frame frame, Expected expected, std::vector<Written>& written);
  // The client read a frame: the network has room for the write that waited, if any.
  void frame_read(std::vector<Written>& written);
  void stop() { pump_.stop(); }
  // The engine asked to close the socket: the frames queued go first, then the close frame;
  // nothing written after the request goes out, as in the transport.
  void close(std::uint16_t code, std::vector<Written>& written);
  bool closing() const { return pump_.closing(); }

  std::shared_ptr<Connection> connection;
  int browser = 0;
  model::Page page = model::Page::broadcasting;
  std::uint64_t generation = 0;  // of the tab's connection attempt that opened it
  bool dispatch_scheduled = false;
  std::uint64_t last_heard_us = 0;  // when it last received a frame
  std::uint64_t frames_made = 0;
  std::optional<Rng> network;  // an orphan's own stream (a tab's end uses the tab's)

 private:
  void drain(WritePump::Next next, std::vector<Written>& written);

  WritePump pump_;
  std::deque<Expected> expected_;  // of the frames in the pump, queued or in flight, in order
  std::size_t network_frames_max_;
  std::size_t in_network_ = 0;  // written, not read yet
  bool write_waiting_ = false;  // the write in flight waits for room in the network
  std::uint16_t close_code_ = 0;
};

}  // namespace lvt::sim::detail
