// One HTTP connection: reads requests under deadlines (idle between requests, then headers, then
// the body), refuses what is malformed (Host, Sec-WebSocket-Key) before the engine sees it,
// serves the client's files and the engine's answers, and hands upgrades to a WebSocketSession.
#include <spdlog/spdlog.h>

#include "net_internal.hpp"
#include "request_checks.hpp"

namespace lvt::net {
namespace {

constexpr std::size_t http_header_bytes_max = 16 * 1024;
constexpr std::size_t first_read_bytes = 4096;

// A request counts against ServerOptions::http_requests_unfinished_max from its first byte
// until its answer is written (or the connection ends): holding one is what a slow client costs.
class UnfinishedSlot {
 public:
  explicit UnfinishedSlot(std::atomic<std::size_t>& count) : count_(count) {}
  ~UnfinishedSlot() { release(); }
  UnfinishedSlot(const UnfinishedSlot&) = delete;
  UnfinishedSlot& operator=(const UnfinishedSlot&) = delete;

  bool acquire(std::size_t max) {
    if (held_) return true;
    if (count_.fetch_add(1) >= max) {
      count_.fetch_sub(1);
      return false;
    }
    held_ = true;
    return true;
  }
  void release() {
    if (held_) count_.fetch_sub(1);
    held_ = false;
  }

 private:
  std::atomic<std::size_t>& count_;
  bool held_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Shared> shared, ShardSocket socket)
      : shared_(std::move(shared)),
        stream_(std::move(socket)),
        slot_(shared_->http_requests_unfinished) {}

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::read_next, shared_from_this()));
  }

 private:
  const ServerOptions& options() const { return shared_->options; }

  // Between requests a connection may stay idle; once a request's first byte is in, its headers
  // and then its body have deadlines of their own, so a client trickling bytes is dropped.
  void read_next() {
    parser_.emplace();
    parser_->body_limit(limits::http_body_bytes_max);
    parser_->header_limit(http_header_bytes_max);
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    stream_.expires_after(std::chrono::seconds(options().idle_timeout_s));
    stream_.async_read_some(
        buffer_.prepare(first_read_bytes),
        beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code error, std::size_t bytes) {
    if (error) return;  // idle timeout, end of stream or reset: drop the connection
    buffer_.commit(bytes);
    read_header();
  }

  void read_header() {
    if (!slot_.acquire(options().http_requests_unfinished_max)) {
      ++shared_->engine.metrics().errors_http_busy;
      spdlog::warn("{} unfinished requests: answering 503", options().http_requests_unfinished_max);
      return reply_plain(http::status::service_unavailable, "server busy: try again\n", 11,
                         {{"Retry-After", "1"}});
    }
    stream_.expires_after(std::chrono::milliseconds(options().http_header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code error, std::size_t) {
    if (error) return on_read(error, 0);
    stream_.expires_after(std::chrono::milliseconds(options().http_body_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code error, std::size_t) {
    if (error == http::error::end_of_stream) return shutdown();
    if (error == http::error::body_limit || error == http::error::header_limit) {
      return reply_plain(http::status::payload_too_large, "request too large\n", 11);
    }
    if (error == beast::error::timeout) {
      ++shared_->engine.metrics().errors_http_timeout;
      return;  // the deadline passed: the stream is already closed
    }
    if (error) return;        // reset or garbage: drop the connection
    stream_.expires_never();  // the answer is ours to write; the engine does not wait
    http::request<http::string_body> request = parser_->release();
    // RFC 9112 3.2: a request without its one Host (any in HTTP/1.1, several in any version)
    // is answered 400; which server it names is unknowable.
    const std::size_t hosts = request.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && request.version() >= 11)) {
      ++shared_->engine.metrics().errors_bad_request;
      return reply_plain(http::status::bad_request, "exactly one Host header, please\n",
                         request.version());
    }
    if (websocket::is_upgrade(request)) return upgrade(std::move(request));
    serve(std::move(request));
  }

  void upgrade(http::request<http::string_body> request) {
    // Checked before the engine makes a connection: Beast's handshake checks only its length.
    if (request.count(http::field::sec_websocket_key) != 1 ||
        !request_checks::is_valid_websocket_key(request[http::field::sec_websocket_key])) {
      ++shared_->engine.metrics().errors_bad_request;
      return reply_plain(http::status::bad_request, "invalid Sec-WebSocket-Key\n",
                         request.version());
    }
    ConnectRequest connect{std::string(request.target()), std::string(request[http::field::host]),
                           std::string(request[http::field::origin]),
                           std::string(request[http::field::cookie])};
    ConnectResult result = shared_->engine.connect(connect);
    if (result.store) {
      // A page of the shared log opens once the cache has read the store.
      return shared_->await_store(std::move(result.store), stream_.get_executor(),
                                  [self = shared_from_this(), request = std::move(request),
                                   target = connect.target](ConnectResult opened) mutable {
                                    self->open_websocket(std::move(request), target,
                                                         std::move(opened));
                                  });
    }
    open_websocket(std::move(request), connect.target, std::move(result));
  }

  void open_websocket(http::request<http::string_body> request, const std::string& target,
                      ConnectResult result) {
    if (!result.connection) {
      spdlog::info("refused WebSocket upgrade for {}: {}", target, result.refuse_reason);
      return reply_plain(http::status(result.refuse_status), result.refuse_reason + "\n",
                         request.version());
    }
    slot_.release();  // a WebSocket is no unfinished request
    start_websocket(shared_, std::move(stream_), std::move(request), std::move(result));
  }

  void serve(http::request<http::string_body> request) {
    const bool keep_alive = request.keep_alive();
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
    const std::string host(request[http::field::host]);
    // Under a name this server does not answer to, the engine refuses everything (421).
    if (const auto file = shared_->files_by_path.find(path);
        read && file != shared_->files_by_path.end() && shared_->engine.host_allowed(host)) {
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
                               host,
                               std::string(request[http::field::cookie]),
                               std::string(request[http::field::accept]),
                               std::string(request[http::field::content_type]),
                               std::move(request.body())};
    engine_request.origin = std::string(request[http::field::origin]);
    engine_request.referer = std::string(request[http::field::referer]);
    HttpResponse answer = shared_->engine.handle_http(engine_request);
    const bool head = request.method() == http::verb::head;
    if (answer.store) {
      return shared_->await_store(std::move(answer.store), stream_.get_executor(),
                                  [self = shared_from_this(), version = request.version(), head,
                                   keep_alive](HttpResponse resumed) {
                                    self->respond(std::move(resumed), version, head, keep_alive);
                                  });
    }
    respond(std::move(answer), request.version(), head, keep_alive);
  }

  void respond(HttpResponse answer, unsigned version, bool head, bool keep_alive) {
    shared_->wake(answer.wake);
    auto response =
        std::make_shared<http::response<http::string_body>>(http::status(answer.status), version);
    response->set(http::field::server, "lvtlab");
    response->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response->insert(name, value);
    response->body() = std::move(answer.body);
    response->prepare_payload();
    if (head) response->body().clear();
    send(std::move(response), keep_alive);
  }

  // An answer after which the connection closes: what follows the request cannot be trusted.
  void reply_plain(http::status status, std::string body, unsigned version,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto response = std::make_shared<http::response<http::string_body>>(status, version);
    response->set(http::field::server, "lvtlab");
    response->set(http::field::content_type, "text/plain");
    for (const auto& [name, value] : headers) response->insert(name, value);
    response->body() = std::move(body);
    response->prepare_payload();
    send(std::move(response), false);
  }

  void send(std::shared_ptr<http::response<http::string_body>> response, bool keep_alive) {
    response->keep_alive(keep_alive);
    // A client that does not read its answer holds the connection no longer than a body would.
    stream_.expires_after(std::chrono::milliseconds(options().http_body_timeout_ms));
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response, keep_alive](beast::error_code error, std::size_t) {
          self->slot_.release();
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
  ShardStream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  UnfinishedSlot slot_;
};

}  // namespace

void start_http_session(std::shared_ptr<Shared> shared, ShardSocket socket) {
  std::make_shared<HttpSession>(std::move(shared), std::move(socket))->start();
}

}  // namespace lvt::net
