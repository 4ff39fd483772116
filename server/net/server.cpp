// The listener (which pauses when descriptors run out), the shards and the server's life.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "allowed_hosts.hpp"
#include "net_internal.hpp"
#include "planted.hpp"

namespace lvt {
namespace net {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (run `npm ci` first?)");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // The acceptor runs on the first shard.
  Listener(std::vector<asio::io_context*> shards, std::shared_ptr<Shared> shared,
           const tcp::endpoint& endpoint)
      : shards_(std::move(shards)),
        shared_(std::move(shared)),
        acceptor_(shards_.front()->get_executor()),
        paused_(acceptor_.get_executor()) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept_next(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->paused_.cancel();
    });
  }

 private:
  void accept_next() {
    // Round the shards: each socket lives on one thread for its whole life, no strand needed.
    asio::io_context& shard = *shards_[next_shard_++ % shards_.size()];
    acceptor_.async_accept(shard.get_executor(),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code error, ShardSocket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (out_of_descriptors(error)) return pause();
    if (pause_ms_ != 0) {
      spdlog::info("accepting connections again");
      pause_ms_ = 0;
    }
    // No Nagle: the session gathers its own frames into one write (CorkedStream), so a small
    // frame held for the previous one's acknowledgement would only be late (as Go's net and
    // Node's ws also set).
    if (!error) socket.set_option(tcp::no_delay(true), error);
    if (!error && shared_->options.socket_send_buffer_bytes != 0) {
      socket.set_option(asio::socket_base::send_buffer_size(
                            static_cast<int>(shared_->options.socket_send_buffer_bytes)),
                        error);
    }
    if (!error) start_http_session(shared_, std::move(socket));
    accept_next();
  }

  static bool out_of_descriptors(const beast::error_code& error) {
    return error == asio::error::no_descriptors ||  // EMFILE: this process's limit
           error == boost::system::errc::too_many_files_open_in_system ||  // ENFILE
           error == asio::error::no_buffer_space || error == asio::error::no_memory;
  }

  // With no descriptor to accept into, the pending connection stays ready and accepting again
  // at once would spin a core: wait, doubling the pause up to a bound, until one is free.
  void pause() {
    ++shared_->engine.metrics().errors_accept_paused;
    pause_ms_ = pause_ms_ == 0 ? accept_pause_ms_min : std::min(pause_ms_ * 2, accept_pause_ms_max);
    if (pause_ms_ == accept_pause_ms_min || pause_ms_ == accept_pause_ms_max) {
      spdlog::warn("out of descriptors: not accepting for {} ms", pause_ms_);
    }
    paused_.expires_after(std::chrono::milliseconds(pause_ms_));
    paused_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (!error && self->acceptor_.is_open()) self->accept_next();
    });
  }

  static constexpr unsigned accept_pause_ms_min = 10;
  static constexpr unsigned accept_pause_ms_max = 1000;

  std::vector<asio::io_context*> shards_;
  std::size_t next_shard_ = 0;
  std::shared_ptr<Shared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer paused_;
  unsigned pause_ms_ = 0;  // 0: accepting
};

}  // namespace
}  // namespace net

namespace {
// With a Redis the engine is a replica: the links, and its subscription callback pointed at
// them. Without, the engine runs alone, whatever the options said.
std::shared_ptr<net::ReplicaLinks> link_replicas(net::asio::io_context& io, ServerOptions& options,
                                                 EngineEnv& env) {
  options.engine.replica.enabled = options.redis.has_value();
  if (!options.redis) return nullptr;
  auto links = std::make_shared<net::ReplicaLinks>(io, *options.redis);
  env.bus_subscription = [links = links.get()](const std::string& group, bool subscribe) {
    links->want(group, subscribe);
  };
  env.store_write = [links = links.get()](StoreCommand command) {
    links->write(std::move(command));
  };
  return links;
}
}  // namespace

// One io_context per thread (a shard), each run by one thread: a socket and everything it does
// stays on its shard, so its handlers need no strand and a broadcast wakes each shard once
// (Shared::wake). The first shard also runs the listener, the signals and the Redis links.
struct Server::Impl {
  using WorkGuard = net::asio::executor_work_guard<net::asio::io_context::executor_type>;
  net::asio::io_context io;  // shard 0
  std::vector<std::unique_ptr<net::asio::io_context>> more_shards;
  std::vector<WorkGuard> work;
  std::shared_ptr<net::ReplicaLinks> replica;  // before shared: the engine's env points at it
  std::shared_ptr<net::Shared> shared;
  std::shared_ptr<net::Listener> listener;
  net::asio::steady_timer drain;
  std::atomic<bool> stopped{false};

  Impl(ServerOptions options, EngineEnv env)
      : io(1),
        replica(link_replicas(io, options, env)),
        shared(std::make_shared<net::Shared>(std::move(options), std::move(env))),
        drain(io) {
    std::vector<net::asio::io_context*> shards{&io};
    for (unsigned i = 1; i < std::max(1u, shared->options.threads); ++i) {
      more_shards.push_back(std::make_unique<net::asio::io_context>(1));
      shards.push_back(more_shards.back().get());
    }
    for (net::asio::io_context* shard : shards) work.emplace_back(shard->get_executor());
    shared->replica = replica;
    if (shared->options.register_pages) shared->options.register_pages(shared->engine);
    const std::string& dir = shared->options.client_dir;
    shared->files_by_path["/livetemplate-client.js"] = {
        "application/javascript; charset=utf-8",
        net::read_file(dir + "/dist/livetemplate-client.browser.js")};
    shared->files_by_path["/livetemplate.css"] = {"text/css; charset=utf-8",
                                                  net::read_file(dir + "/livetemplate.css")};
    const auto address = net::asio::ip::make_address(shared->options.address);
    listener = std::make_shared<net::Listener>(std::move(shards), shared,
                                               net::tcp::endpoint(address, shared->options.port));
  }
};

namespace {
ServerOptions refuse_planted_bugs(ServerOptions options) {
  if (active_planted_bug.load() != PlantedBug::none) {
    throw std::runtime_error("a planted bug is switched on: those are for lvtlab check only");
  }
  return options;
}

// The names of the listen address are always allowed, besides the configured ones.
ServerOptions add_default_hosts(ServerOptions options) {
  auto& hosts = options.engine.allowed_hosts;
  for (std::string& host : default_allowed_hosts(options.address)) {
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  return options;
}
}  // namespace

Server::Server(ServerOptions options, EngineEnv env)
    : impl_(std::make_unique<Impl>(add_default_hosts(refuse_planted_bugs(std::move(options))),
                                   std::move(env))) {}

Server::~Server() = default;

std::uint16_t Server::port() const {
  return impl_->listener->port();
}

Engine& Server::engine() {
  return impl_->shared->engine;
}

void Server::run(bool handle_signals) {
  net::asio::signal_set signals(impl_->io);
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](boost::system::error_code error, int signal) {
      if (error) return;
      spdlog::info("signal {}: closing connections", signal);
      stop();
    });
  }
  if (impl_->replica) impl_->replica->start(impl_->shared);
  impl_->listener->start();
  std::vector<std::thread> pool;
  for (auto& shard : impl_->more_shards) pool.emplace_back([&shard] { shard->run(); });
  impl_->io.run();
  for (auto& thread : pool) thread.join();
  // No handler runs any more: a WebSocket whose closing handshake did not finish in the drain
  // is released here, so the engine's books are closed when run() returns.
  impl_->shared->release_all_websockets();
}

void Server::stop() {
  if (impl_->stopped.exchange(true)) return;
  net::asio::post(impl_->io, [impl = impl_.get()] {
    impl->shared->stopping = true;
    impl->listener->stop();
    impl->shared->close_all_websockets();
    if (impl->replica) impl->replica->stop();
    // Give the closing handshakes a moment, then end the loop.
    impl->drain.expires_after(std::chrono::milliseconds(300));
    impl->drain.async_wait([impl](boost::system::error_code) {
      for (auto& guard : impl->work) guard.reset();
      impl->io.stop();
      for (auto& shard : impl->more_shards) shard->stop();
    });
  });
}

EngineEnv system_env() {
  EngineEnv env;
  env.now_us = [] {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  };
  env.wall_us = [] {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  };
  env.fill_random = [](unsigned char* bytes, std::size_t size) {
    thread_local std::random_device device;
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(device());
  };
  env.log = [](LogLevel level, std::string_view message) {
    switch (level) {
      case LogLevel::debug:
        spdlog::debug("{}", message);
        break;
      case LogLevel::info:
        spdlog::info("{}", message);
        break;
      case LogLevel::warn:
        spdlog::warn("{}", message);
        break;
    }
  };
  env.logs = [](LogLevel level) {
    switch (level) {
      case LogLevel::debug:
        return spdlog::should_log(spdlog::level::debug);
      case LogLevel::info:
        return spdlog::should_log(spdlog::level::info);
      case LogLevel::warn:
        break;
    }
    return spdlog::should_log(spdlog::level::warn);
  };
  return env;
}

}  // namespace lvt
