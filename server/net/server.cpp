// The listener, the HTTP session (pages, fallback, client files, upgrades) and the pool.
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "net_internal.hpp"
#include "planted.hpp"

namespace lvt {
namespace net {
namespace {

constexpr std::size_t http_header_bytes_max = 16 * 1024;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (run `npm ci` first?)");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Shared> shared, tcp::socket socket)
      : shared_(std::move(shared)), stream_(std::move(socket)) {}

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::read_next, shared_from_this()));
  }

 private:
  void read_next() {
    parser_.emplace();
    parser_->body_limit(limits::http_body_bytes_max);
    parser_->header_limit(http_header_bytes_max);
    stream_.expires_after(std::chrono::seconds(shared_->options.idle_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code error, std::size_t) {
    if (error == http::error::end_of_stream) return shutdown();
    if (error == http::error::body_limit || error == http::error::header_limit) {
      return reply_plain(http::status::payload_too_large, "request too large\n", false);
    }
    if (error) return;  // timeout, reset or garbage: drop the connection
    http::request<http::string_body> request = parser_->release();
    if (websocket::is_upgrade(request)) return upgrade(std::move(request));
    serve(std::move(request));
  }

  void upgrade(http::request<http::string_body> request) {
    ConnectRequest connect{std::string(request.target()), std::string(request[http::field::host]),
                           std::string(request[http::field::origin]),
                           std::string(request[http::field::cookie])};
    ConnectResult result = shared_->engine.connect(connect);
    if (!result.connection) {
      spdlog::info("refused WebSocket upgrade for {}: {}", connect.target, result.refuse_reason);
      return reply_plain(http::status(result.refuse_status), result.refuse_reason + "\n", false);
    }
    start_websocket(shared_, std::move(stream_), std::move(request), std::move(result));
  }

  void serve(http::request<http::string_body> request) {
    const bool keep_alive = request.keep_alive();
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
    if (const auto file = shared_->files_by_path.find(path);
        read && file != shared_->files_by_path.end()) {
      auto response =
          std::make_shared<http::response<http::string_body>>(http::status::ok, request.version());
      response->set(http::field::content_type, file->second.content_type);
      response->set(http::field::cache_control, "public, max-age=3600");
      response->body() = file->second.body;
      response->prepare_payload();
      if (request.method() == http::verb::head) response->body().clear();
      return send(std::move(response), keep_alive);
    }
    HttpRequest engine_request{std::string(request.method_string()),
                               target,
                               std::string(request[http::field::host]),
                               std::string(request[http::field::cookie]),
                               std::string(request[http::field::accept]),
                               std::string(request[http::field::content_type]),
                               std::move(request.body())};
    HttpResponse answer = shared_->engine.handle_http(engine_request);
    shared_->wake(answer.wake);
    auto response = std::make_shared<http::response<http::string_body>>(http::status(answer.status),
                                                                        request.version());
    response->set(http::field::server, "lvtlab");
    response->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response->insert(name, value);
    response->body() = std::move(answer.body);
    response->prepare_payload();
    if (request.method() == http::verb::head) response->body().clear();
    send(std::move(response), keep_alive);
  }

  void reply_plain(http::status status, std::string body, bool keep_alive) {
    auto response = std::make_shared<http::response<http::string_body>>(status, 11);
    response->set(http::field::content_type, "text/plain");
    response->body() = std::move(body);
    response->prepare_payload();
    send(std::move(response), keep_alive);
  }

  void send(std::shared_ptr<http::response<http::string_body>> response, bool keep_alive) {
    response->keep_alive(keep_alive);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response, keep_alive](beast::error_code error, std::size_t) {
          if (error) return;
          if (!keep_alive) return self->shutdown();
          self->read_next();
        });
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  std::shared_ptr<Shared> shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<Shared> shared, const tcp::endpoint& endpoint)
      : io_(io), shared_(std::move(shared)), acceptor_(asio::make_strand(io)) {
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
    });
  }

 private:
  void accept_next() {
    acceptor_.async_accept(asio::make_strand(io_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error) std::make_shared<HttpSession>(shared_, std::move(socket))->start();
    accept_next();
  }

  asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  tcp::acceptor acceptor_;
};

}  // namespace
}  // namespace net

struct Server::Impl {
  net::asio::io_context io;
  std::shared_ptr<net::Shared> shared;
  std::shared_ptr<net::Listener> listener;
  net::asio::executor_work_guard<net::asio::io_context::executor_type> work;
  net::asio::steady_timer drain;
  std::atomic<bool> stopped{false};

  Impl(ServerOptions options, EngineEnv env)
      : io(static_cast<int>(options.threads)),
        shared(std::make_shared<net::Shared>(std::move(options), std::move(env))),
        work(io.get_executor()),
        drain(io) {
    if (shared->options.register_pages) shared->options.register_pages(shared->engine);
    const std::string& dir = shared->options.client_dir;
    shared->files_by_path["/livetemplate-client.js"] = {
        "application/javascript; charset=utf-8",
        net::read_file(dir + "/dist/livetemplate-client.browser.js")};
    shared->files_by_path["/livetemplate.css"] = {"text/css; charset=utf-8",
                                                  net::read_file(dir + "/livetemplate.css")};
    const auto address = net::asio::ip::make_address(shared->options.address);
    listener = std::make_shared<net::Listener>(io, shared,
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
}  // namespace

Server::Server(ServerOptions options, EngineEnv env)
    : impl_(std::make_unique<Impl>(refuse_planted_bugs(std::move(options)), std::move(env))) {}

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
  impl_->listener->start();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < std::max(1u, impl_->shared->options.threads); ++i) {
    pool.emplace_back([this] { impl_->io.run(); });
  }
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
    // Give the closing handshakes a moment, then end the loop.
    impl->drain.expires_after(std::chrono::milliseconds(300));
    impl->drain.async_wait([impl](boost::system::error_code) {
      impl->work.reset();
      impl->io.stop();
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
