// `lvtlab serve`: the engine behind Boost.Beast HTTP and WebSocket on one io_context per thread
// (shards), each connection on one shard. This header keeps Beast and Asio out of its includers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine.hpp"
#include "limits.hpp"
#include "redis_url.hpp"

namespace lvt {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  unsigned threads = 2;
  std::string client_dir;  // the installed @livetemplate/client package
  std::size_t outbound_frames_max = limits::outbound_frames_default;
  std::size_t outbound_bytes_max = limits::outbound_bytes_default;
  // SO_SNDBUF of each accepted socket (the kernel doubles it); 0 leaves the kernel's own, which
  // on loopback grows to megabytes: a client that stops reading is then cut only once that much
  // went unread besides the outbound queue.
  std::size_t socket_send_buffer_bytes = 0;
  // A WebSocket's broadcasts wait up to this long (the shard's next tick) before they are
  // written, unless half its socket buffer is taken or an answer to the client's own action
  // follows them: fewer, larger writes for later deliveries. 0 (the default) writes at once.
  unsigned write_delay_ms = 0;
  // A connection cut as a slow reader has this long to take its close frame.
  unsigned cut_close_grace_ms = limits::cut_close_grace_ms;
  // An HTTP connection between requests (keep-alive), or one that sends nothing at all.
  unsigned idle_timeout_s = 120;
  // From a request's first byte, its headers must be in within this; then its body (at most
  // limits::http_body_bytes_max) within the next, which also bounds writing the answer.
  unsigned http_header_timeout_ms = 5000;
  unsigned http_body_timeout_ms = 10000;
  // Requests between their first byte and their answer; more are answered 503 at once.
  std::size_t http_requests_unfinished_max = 512;
  // A WebSocket that receives nothing, not even the pong to the server's ping, for this long is
  // closed (a half-open socket's life); the simulator assumes the default.
  unsigned websocket_idle_timeout_s = limits::websocket_idle_timeout_s;
  EngineConfig engine;
  // With a Redis the engine is a replica (the server sets engine.replica.enabled): the shared log
  // and broadcasts between replicas live there; the server refuses to start when it cannot be
  // reached.
  std::optional<redis::RedisAddress> redis;
  // Registers the pages to serve with the engine, once, before the server listens.
  std::function<void(Engine&)> register_pages;
};

class Server {
 public:
  // Throws std::runtime_error when the client files cannot be read or the address is taken.
  Server(ServerOptions options, EngineEnv env);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;  // the bound port
  Engine& engine();
  // Serves on the thread pool until stop() or, with handle_signals, SIGINT/SIGTERM; then closes
  // every WebSocket with 1001 (going away) and returns.
  void run(bool handle_signals);
  void stop();  // any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An EngineEnv on the wall clock and the OS's random source, logging through spdlog.
EngineEnv system_env();

}  // namespace lvt
