// `lvtlab load`: many real WebSocket clients of a running server on loopback, in session groups,
// joined, with senders at a schedule of rates; every receiver checks what it is sent. What it
// measures (deliveries, latency, the server's cost from /proc) and what it checks as a black box
// (each receiver gets each sender's messages in order, once, with no gap; a sender never gets its
// own broadcast; with no loss expected, every accepted message reaches every peer of its group).
// Beast and Asio stay in load_run.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lvt::load {

// How the connections speak: lvtlab's (livetemplate's) JSON frames, or the same JSON as the one
// argument of a socket.io "message" event (engineio.hpp), for a socket.io server.
enum class Protocol { plain, socketio };

struct LoadConfig {
  std::string host = "127.0.0.1";  // a loopback address (checked by the caller)
  // One port, or a port per replica of one log: each group's connections take them in turn.
  std::vector<std::uint16_t> ports = {8080};
  std::string path = "/realtime/broadcasting";  // socketio: the server's path, e.g. /socket.io
  Protocol protocol = Protocol::plain;
  std::size_t connections = 100;
  std::size_t groups = 1;      // a session cookie per group (cookie mode); the server's
                               // global mode puts them all in one group anyway
  bool server_global = false;  // the server runs --group-mode global
  std::size_t senders_per_group = 1;
  std::vector<double> rates = {100};  // messages per second in total, one step each
  std::size_t message_bytes = 0;      // pad each message's text to this length (0: its mark)
  double step_s = 5;
  double drain_s = 5;  // after the last step, for the last deliveries
  double connect_timeout_s = 20;
  std::size_t outstanding_max = 32;  // a sender's sends not answered yet (then it waits)
  bool expect_no_loss = true;        // the server coalesces (or is not overloaded)
  int server_pid = 0;                // read its CPU, memory, switches from /proc (0: not)
  // The last N connections join, then read nothing: the server must cut them as slow readers
  // and serve the others as before. After the drain they read what was buffered for them, for
  // at most stalled_check_s, to learn whether the server ended their stream.
  std::size_t stalled_readers = 0;
  double stalled_check_s = 10;
  std::uint64_t messages_max = 2'000'000;            // bounds the run's bookkeeping
  std::function<void(const std::string&)> progress;  // a status line, about every second
};

struct LoadOutcome {
  bool connected = false;  // every connection opened and joined in time
  std::string error;       // when not
  bool invariants_held = false;
  nlohmann::json results;  // config, figures, violations (see the README's Load section)
};

LoadOutcome run_load(const LoadConfig& config);

}  // namespace lvt::load
