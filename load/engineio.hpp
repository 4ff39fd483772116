// Socket.IO over Engine.IO 4, the little of it `lvtlab load --protocol socketio` speaks so that a
// socket.io server can be loaded with the same join and send as lvtlab's own: the WebSocket
// transport only, the default namespace, one event name ("message") carrying the same JSON.
#pragma once

#include <string>
#include <string_view>

namespace lvt::load::engineio {

// The upgrade's target for a socket.io server mounted at `path` (its `path` option, e.g.
// "/socket.io"): Engine.IO protocol 4, straight to the WebSocket transport.
std::string handshake_target(std::string_view path);

// An event "message" whose one argument is `json` (an object's text, sent as it is).
std::string wrap(std::string_view json);

enum class PacketKind {
  open,          // "0{...}": the Engine.IO handshake; answer with connect_namespace()
  connected,     // "40{...}": the namespace accepted us; actions may be sent
  ping,          // "2": answer pong() or the server drops us after pingInterval + pingTimeout
  event,         // "42[...]": `payload` is the event's text, the same JSON lvtlab sends
  disconnected,  // "41", "44{...}" (refused), "1" (Engine.IO close)
  other,         // anything else (noop, binary placeholders): ignored
};

struct Packet {
  PacketKind kind = PacketKind::other;
  std::string_view payload;  // for `event`: what follows "42" (a view into the frame)
};

Packet classify(std::string_view frame);

inline constexpr std::string_view connect_namespace = "40";
inline constexpr std::string_view pong = "3";

}  // namespace lvt::load::engineio
