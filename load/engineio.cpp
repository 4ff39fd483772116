#include "engineio.hpp"

namespace lvt::load::engineio {

std::string handshake_target(std::string_view path) {
  std::string target(path);
  if (target.empty() || target.back() != '/') target += '/';
  return target + "?EIO=4&transport=websocket";
}

std::string wrap(std::string_view json) {
  std::string packet;
  packet.reserve(json.size() + 14);
  packet += "42[\"message\",";
  packet += json;
  packet += ']';
  return packet;
}

Packet classify(std::string_view frame) {
  if (frame.empty()) return {};
  switch (frame[0]) {
    case '0':
      return {PacketKind::open, {}};
    case '1':
      return {PacketKind::disconnected, {}};
    case '2':
      return {PacketKind::ping, {}};
    case '4':
      break;
    default:
      return {};
  }
  if (frame.size() < 2) return {};
  switch (frame[1]) {  // the Socket.IO packet inside an Engine.IO message
    case '0':
      return {PacketKind::connected, {}};
    case '1':
    case '4':
      return {PacketKind::disconnected, {}};
    case '2':
      return {PacketKind::event, frame.substr(2)};
    default:
      return {};
  }
}

}  // namespace lvt::load::engineio
