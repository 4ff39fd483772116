#include "ws_frames.hpp"

#include <cassert>

namespace lvt::load::ws {

std::string client_frame(Opcode opcode, std::string_view payload, std::uint32_t mask) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  }
  char key[4];
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>(mask >> (24 - 8 * i));
  frame.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) frame.push_back(payload[i] ^ key[i % 4]);
  return frame;
}

ServerFrame parse_server_frame(std::string_view bytes, std::size_t payload_bytes_max) {
  ServerFrame frame;
  if (bytes.size() < 2) return frame;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  const auto fail = [&](const char* why) {
    frame.status = ServerFrame::Status::error;
    frame.error = why;
    return frame;
  };
  frame.fin = (byte(0) & 0x80) != 0;
  if ((byte(0) & 0x70) != 0) return fail("reserved bits set");
  const std::uint8_t opcode = byte(0) & 0x0F;
  if (opcode > 2 && opcode != 8 && opcode != 9 && opcode != 10) return fail("unknown opcode");
  frame.opcode = static_cast<Opcode>(opcode);
  if ((byte(1) & 0x80) != 0) return fail("a server's frame is masked");
  std::uint64_t size = byte(1) & 0x7F;
  std::size_t header = 2;
  if (size >= 126) {
    const std::size_t length_bytes = size == 126 ? 2 : 8;
    if (bytes.size() < 2 + length_bytes) return frame;
    size = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) size = (size << 8) | byte(2 + i);
    header += length_bytes;
  }
  if (opcode >= 8 && (!frame.fin || size > 125)) return fail("bad control frame");
  if (size > payload_bytes_max) return fail("frame too big");
  if (bytes.size() - header < size) return frame;
  frame.status = ServerFrame::Status::frame;
  frame.payload = bytes.substr(header, static_cast<std::size_t>(size));
  frame.bytes = header + static_cast<std::size_t>(size);
  return frame;
}

MessageJoiner::Step MessageJoiner::take(const ServerFrame& frame) {
  assert(frame.status == ServerFrame::Status::frame);
  assert(frame.opcode == Opcode::text || frame.opcode == Opcode::binary ||
         frame.opcode == Opcode::continuation);
  Step step;
  const auto fail = [&](const char* why) {
    step.status = Step::Status::error;
    step.error = why;
    return step;
  };
  const bool continues = frame.opcode == Opcode::continuation;
  if (continues && !in_message_) return fail("a continuation frame with no message begun");
  if (!continues && in_message_) return fail("a new message before the last one ended");
  if (!continues && frame.fin) {  // the common case: one frame, no copy
    step.status = Step::Status::message;
    step.message = frame.payload;
    return step;
  }
  if (!continues) fragments_.clear();
  if (fragments_.size() + frame.payload.size() > message_bytes_max_) return fail("message too big");
  fragments_.append(frame.payload);
  in_message_ = !frame.fin;
  if (frame.fin) {
    step.status = Step::Status::message;
    step.message = fragments_;
  }
  return step;
}

}  // namespace lvt::load::ws
