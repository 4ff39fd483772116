// Shared by the Beast translation units of the server; include nowhere else.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "replica_links.hpp"
#include "server.hpp"

namespace lvt::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A shard's sockets and timers name its io_context's executor rather than the type-erased
// any_io_executor: every pending operation, work guard and timer of a connection then carries
// a pointer instead of an erased executor (less memory per idle connection, no erased copies
// per operation).
using ShardExecutor = asio::io_context::executor_type;
using ShardSocket = asio::basic_stream_socket<tcp, ShardExecutor>;
using ShardStream = beast::basic_stream<tcp, ShardExecutor>;
using ShardTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, ShardExecutor>;

class WebSocketSession;

struct StaticFile {
  std::string content_type;
  std::string body;
};

// State every session reaches: the engine, the live sockets by connection id, the files.
struct Shared {
  ServerOptions options;
  Engine engine;
  std::unordered_map<std::string, StaticFile> files_by_path;

  std::mutex sessions_mutex;
  std::unordered_map<ConnectionId, std::weak_ptr<WebSocketSession>> sessions;  // guarded
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> http_requests_unfinished{0};  // see ServerOptions
  std::shared_ptr<ReplicaLinks> replica;                 // with --redis, else null

  Shared(ServerOptions opts, EngineEnv env)
      : options(std::move(opts)), engine(options.engine, std::move(env)) {}

  // Runs dispatch() on each woken connection on its own shard: one post per shard.
  void wake(const std::vector<std::shared_ptr<Connection>>& connections);
  void close_all_websockets();
  // Runs a store wait's command (replicas only) and resumes it on `executor` (the session's shard).
  template <class Answer, class Executor, class Then>
  void await_store(std::shared_ptr<StoreWait<Answer>> wait, const Executor& executor, Then then) {
    replica->ask_store(
        wait->command, [wait, executor, then = std::move(then)](StoreReply reply) mutable {
          asio::post(executor, [wait, reply = std::move(reply), then = std::move(then)]() mutable {
            then(wait->resume(reply));
          });
        });
  }
  // After the pool stopped: releases what the drain did not close (see Server::run).
  void release_all_websockets();
};

// Serves HTTP on an accepted socket (http_session.cpp).
void start_http_session(std::shared_ptr<Shared> shared, ShardSocket socket);

// Takes over an upgraded HTTP stream whose upgrade the engine accepted.
void start_websocket(std::shared_ptr<Shared> shared, ShardStream stream,
                     http::request<http::string_body> request, ConnectResult accepted);

}  // namespace lvt::net
