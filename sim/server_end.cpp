#include "server_end.hpp"

#include <cassert>
#include <utility>

#include "limits.hpp"

namespace lvt::sim::detail {

ServerEnd::ServerEnd(std::shared_ptr<Connection> connection, int browser, std::uint64_t generation,
                     std::size_t outbound_frames_max, std::size_t network_frames_max)
    : connection(std::move(connection)),
      browser(browser),
      generation(generation),
      pump_(outbound_frames_max, limits::outbound_bytes_default),
      network_frames_max_(network_frames_max) {
  const WritePump::Next next = pump_.accepted();
  assert(next == WritePump::Next::nothing);
  (void)next;
}

bool ServerEnd::send(Frame frame, Expected expected, std::vector<Written>& written) {
  expected_.push_back(std::move(expected));
  const WritePump::Next next = pump_.enqueue(std::move(frame));
  if (next == WritePump::Next::cut) {
    expected_.clear();
    return false;
  }
  drain(next, written);
  return true;
}

void ServerEnd::frame_read(std::vector<Written>& written) {
  assert(in_network_ > 0);
  --in_network_;
  if (!write_waiting_) return;
  write_waiting_ = false;
  drain(WritePump::Next::write, written);
}

void ServerEnd::close(std::uint16_t code, std::vector<Written>& written) {
  if (pump_.closing()) return;
  close_code_ = code;
  drain(pump_.close(), written);
}

// Each write completes at once while the network has room; the one that finds none waits.
void ServerEnd::drain(WritePump::Next next, std::vector<Written>& written) {
  while (next == WritePump::Next::write) {
    if (in_network_ >= network_frames_max_) {
      write_waiting_ = true;
      return;
    }
    ++in_network_;
    assert(!expected_.empty());
    written.push_back({pump_.frame_in_flight(), std::move(expected_.front())});
    expected_.pop_front();
    next = pump_.written();
  }
  if (next == WritePump::Next::close) {
    written.push_back({Frame(), Expected{}, close_code_});
    return;
  }
  assert(next == WritePump::Next::nothing);
}

}  // namespace lvt::sim::detail
