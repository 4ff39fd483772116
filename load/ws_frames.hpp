// The WebSocket framing of a client (RFC 6455 5.2), by hand so the load generator can take every
// frame a read brought in one pass instead of one Beast operation per frame: frames it sends
// (masked), frames it reads (unmasked, from a server).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lvt::load::ws {

enum class Opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

// One final frame from the client, its payload masked with `mask`.
std::string client_frame(Opcode opcode, std::string_view payload, std::uint32_t mask);

struct ServerFrame {
  enum class Status { need_more, frame, error } status = Status::need_more;
  Opcode opcode = Opcode::continuation;
  bool fin = false;
  std::string_view payload;  // into the bytes parsed
  std::size_t bytes = 0;     // the whole frame's, header included
  const char* error = "";    // why, when status is error
};

// The first frame of `bytes`, if all of it is there. A masked frame, reserved bits, an unknown
// opcode, a fragmented or oversized control frame and a payload over `payload_bytes_max` are
// errors.
ServerFrame parse_server_frame(std::string_view bytes, std::size_t payload_bytes_max);

// Joins a server's data frames into messages (RFC 6455 5.4): a text or binary frame starts a
// message, continuation frames carry it on until one is final. A continuation with no message
// begun, a new message before the last one ended, or a message over `message_bytes_max` is an
// error: a checker must not mend what a server got wrong.
class MessageJoiner {
 public:
  explicit MessageJoiner(std::size_t message_bytes_max) : message_bytes_max_(message_bytes_max) {}

  struct Step {
    enum class Status { need_more, message, error } status = Status::need_more;
    std::string_view message;  // valid until the next take()
    const char* error = "";
  };
  // Takes one data frame (text, binary or continuation).
  Step take(const ServerFrame& frame);

 private:
  std::size_t message_bytes_max_;
  std::string fragments_;  // the payload so far of a message begun and not ended
  bool in_message_ = false;
};

}  // namespace lvt::load::ws
