// One WebSocket connection: reads frames into the engine on its shard's thread, frames the
// engine's answers itself into its CorkedStream as its WritePump says (a bounded queue behind a
// bounded socket buffer), runs woken broadcasts.
#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

#include "corked_stream.hpp"
#include "limits.hpp"
#include "net_internal.hpp"
#include "write_pump.hpp"

namespace lvt::net {

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(std::shared_ptr<Shared> shared, ShardSocket socket,
                   std::shared_ptr<Connection> connection)
      : shared_(std::move(shared)),
        ws_(std::move(socket), limits::socket_buffer_bytes_max,
            std::chrono::milliseconds(shared_->options.write_delay_ms)),
        connection_(std::move(connection)),
        cut_grace_(ws_.get_executor()) {}

  // Whatever path ends the session (even a handler destroyed unrun when the pool stops), its
  // engine connection is released.
  ~WebSocketSession() { finish("session destroyed"); }

  void start(http::request<http::string_body> request, std::string first_frame) {
    ws_.next_layer().set_owner(weak_from_this(), [this] { on_room(); });
    // A socket whose peer vanished (half-open) is closed once nothing, not even the answer to
    // Beast's keep-alive ping, came for the idle timeout; the simulator uses the same number.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(shared_->options.websocket_idle_timeout_s);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "lvtlab"); }));
    // Frames up to four times the limit reach the engine, which closes them with 1009 through a
    // clean handshake; Beast fails anything larger outright (also 1009, but the peer may only
    // see a reset while its unread bytes are in flight). Memory stays bounded either way.
    ws_.read_message_max(shared_->options.engine.frame_bytes_max * 4);
    enqueue(std::move(first_frame));  // held until the handshake completes
    ws_.async_accept(request,
                     beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
  }

  // Once the pool has stopped (no handler runs any more): release the engine's connection and
  // the socket of a session whose close did not complete in the drain.
  void release_after_stop() {
    finish("server stopped");
    close_socket();
  }

  // Any thread.
  void post_dispatch() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->run_dispatch(); });
  }
  // The session's shard, for life: wake() groups sessions by it.
  ShardExecutor executor() { return ws_.get_executor(); }

  // On the session's shard thread.
  void run_dispatch() {
    while (!pump_.closing() && connection_->dispatch_jobs_waiting() > 0) {
      apply(shared_->engine.dispatch(*connection_));
    }
  }
  void cork() { ws_.next_layer().cork(); }
  void uncork() { ws_.next_layer().uncork(); }
  void post_close_going_away() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close(websocket::close_code::going_away, "server shutting down");
    });
  }

 private:
  void on_accept(beast::error_code error) {
    if (error) return fail("handshake: " + error.message());
    accepted_ = true;
    act(pump_.accepted());
    answer_now();  // the first page
    read_next();
  }

  // Reads the next request unless the handshake is still on, closing, already reading, or
  // paused because the client has not taken the answers queued so far
  // (WritePump::reading_paused).
  void read_next() {
    if (!accepted_ || reading_ || awaiting_store_ || pump_.closing() || pump_.reading_paused())
      return;
    reading_ = true;
    read_more();
  }

  // A message's first read asks for at most limits::read_first_bytes: Beast's own read would
  // prepare 1,536 bytes in the buffer before it waits, held by every idle connection. Once the
  // frame's header is in, the rest of the message is read at its own size.
  void read_more() {
    ws_.async_read_some(buffer_, buffer_.size() == 0 ? limits::read_first_bytes : 0,
                        beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code error, std::size_t) {
    if (!error && !ws_.is_message_done()) return read_more();
    reading_ = false;
    Metrics& metrics = shared_->engine.metrics();
    if (error == websocket::error::message_too_big ||
        error == websocket::error::bad_frame_payload) {
      ++(error == websocket::error::message_too_big ? metrics.errors_frame_too_big
                                                    : metrics.errors_invalid_utf8);
      spdlog::info("connection {}: {}", connection_->id(), error.message());
    }
    if (error) return fail("read: " + error.message());
    if (!ws_.got_text()) {
      ++metrics.errors_binary_frame;
      spdlog::info("connection {}: binary frame, closing with 1003", connection_->id());
      return close(websocket::close_code::unknown_data, "binary frames are not supported");
    }
    const std::string frame = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > limits::read_first_bytes) buffer_.shrink_to_fit();
    Effects effects = shared_->engine.receive(*connection_, frame);
    if (effects.close) {
      spdlog::info("connection {} (group {}): closing with {} ({})", connection_->id(),
                   short_group(), effects.close->first, effects.close->second);
    }
    apply(std::move(effects));
    answer_now();
    read_next();
  }

  void apply(Effects effects) {
    for (Frame& frame : effects.frames) enqueue(std::move(frame));
    shared_->wake(effects.wake);
    if (effects.close) close(websocket::close_code(effects.close->first), effects.close->second);
    if (effects.store) {
      // The action waits for the shared store; so does the next frame (back-pressure: the
      // client's socket fills, nothing it sent is lost). Resumed even if the socket closed:
      // the message may be stored, and the peers must hear of it.
      awaiting_store_ = true;
      shared_->await_store(std::move(effects.store), ws_.get_executor(),
                           [self = shared_from_this()](Effects resumed) {
                             self->awaiting_store_ = false;
                             self->apply(std::move(resumed));
                             self->answer_now();
                             self->read_next();
                           });
    }
  }

  void enqueue(Frame frame) {
    const std::size_t frames = pump_.frames_queued() + 1;
    const std::size_t bytes = pump_.bytes_queued() + frame.size();
    if (act(pump_.enqueue(std::move(frame))) == WritePump::Next::cut) {
      spdlog::warn(
          "connection {} (group {}): slow reader ({} frames, {} bytes queued), disconnecting",
          connection_->id(), short_group(), frames, bytes);
    }
  }

  // Moves the pump's frames into the socket's buffer while it has room. The pump's frame in
  // flight is the one waiting for room; once in the buffer it is written. Not re-entered:
  // written() asks for the next frame from inside the loop.
  void write_frames() {
    if (writing_frames_) return;
    writing_frames_ = true;
    CorkedStream& socket = ws_.next_layer();
    while (pump_.writing() && !socket.failed() && socket.has_room(pump_.frame_in_flight().size())) {
      const std::string& frame = pump_.frame_in_flight().text();
      Metrics& metrics = shared_->engine.metrics();
      ++metrics.frames_sent;
      metrics.bytes_sent += frame.size();
      socket.append_text_frame(frame);
      act(pump_.written());  // the next queued frame, if any, is in flight now
    }
    writing_frames_ = false;
    if (socket.failed()) return fail("write: " + socket.error().message());
    urge_answer();
    read_next();  // the queue went down: reading may resume
  }

  // An action's answer (or the first page), and the frames queued before it, are not held by a
  // write delay (serve --write-delay-ms): what is in the socket's buffer is flushed now, and
  // again as frames that waited for room in it move in, until the pump holds none.
  void answer_now() {
    answer_waiting_ = true;
    urge_answer();
  }
  void urge_answer() {
    if (!answer_waiting_) return;
    ws_.next_layer().flush_now();
    if (!pump_.writing()) answer_waiting_ = false;
  }

  // The socket took a write: room for waiting frames, or the error that ends the session.
  void on_room() {
    if (!finished_) write_frames();
  }

  void close(websocket::close_code code, std::string reason) {
    if (pump_.closing()) return;
    spdlog::debug("connection {} (group {}): closing with {} ({})", connection_->id(),
                  short_group(), static_cast<unsigned>(code), reason);
    close_code_ = code;
    close_reason_ = std::move(reason);
    act(pump_.close());
  }

  WritePump::Next act(WritePump::Next next) {
    switch (next) {
      case WritePump::Next::nothing:
        break;
      case WritePump::Next::write:
        write_frames();
        break;
      case WritePump::Next::close:
        ws_.async_close({close_code_, close_reason_},
                        [self = shared_from_this()](beast::error_code error) {
                          self->fail(error ? "close: " + error.message() : std::string("closed"));
                        });
        break;
      case WritePump::Next::cut:
        ++shared_->engine.metrics().errors_slow_reader;
        cut();
        break;
    }
    return next;
  }

  // A client that does not take its frames is cut off, never allowed to grow our memory. Its
  // connection is released at once (no more broadcasts run for it); the close frame, with its
  // reason, follows the write in flight if the socket takes them within the grace, else the
  // socket is closed without it.
  void cut() {
    // Broadcasts that overflow the queue before the handshake ends leave nothing to close.
    if (!accepted_) return fail("cut as a slow reader during the handshake");
    finish("cut as a slow reader");
    cut_grace_.expires_after(std::chrono::milliseconds(shared_->options.cut_close_grace_ms));
    cut_grace_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (!error) self->close_socket();
    });
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "slow reader"),
                    [self = shared_from_this()](beast::error_code) {
                      self->cut_grace_.cancel();
                      self->close_socket();
                    });
  }

  // The session is over: release the connection and the socket, whatever is still pending.
  void fail(const std::string& why) {
    finish(why);
    close_socket();
  }

  void close_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close(ignored);
  }

  // Releases the engine's connection and the session's entry, once.
  void finish(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    pump_.stop();
    spdlog::debug("connection {} (group {}): {}", connection_->id(), short_group(), why);
    shared_->engine.disconnect(*connection_);
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.erase(connection_->id());
  }

  // The group in a log line: 8 characters tell groups apart without writing out the cookie.
  std::string_view short_group() const {
    return std::string_view(connection_->group()).substr(0, 8);
  }

  std::shared_ptr<Shared> shared_;
  websocket::stream<CorkedStream, false> ws_;  // no permessage-deflate: lvtlab never agrees to it
  std::shared_ptr<Connection> connection_;
  beast::flat_buffer buffer_;
  WritePump pump_{shared_->options.outbound_frames_max, shared_->options.outbound_bytes_max};
  // Beast's close_reason holds 123 bytes inline: kept as these two until the close is sent.
  websocket::close_code close_code_ = websocket::close_code::normal;
  std::string close_reason_;
  ShardTimer cut_grace_;
  bool accepted_ = false;        // the opening handshake completed
  bool writing_frames_ = false;  // write_frames() is on the stack
  bool reading_ = false;         // a read is pending
  bool awaiting_store_ = false;  // an action waits for the shared store
  bool answer_waiting_ = false;  // an answer is still in the pump: see answer_now()
  bool finished_ = false;
};

void start_websocket(std::shared_ptr<Shared> shared, ShardStream stream,
                     http::request<http::string_body> request, ConnectResult accepted) {
  // The WebSocket stream keeps its own timeouts: the plain socket is enough under it.
  auto session =
      std::make_shared<WebSocketSession>(shared, stream.release_socket(), accepted.connection);
  {
    std::lock_guard lock(shared->sessions_mutex);
    shared->sessions.emplace(accepted.connection->id(), session);
  }
  // Called on the HTTP session's shard, which the socket (and so the session) keeps.
  session->start(std::move(request), std::move(accepted.first_frame));
  // A broadcast may have been queued between the engine's accept and the registration above,
  // with its wake-up lost: look once.
  session->post_dispatch();
}

// One handler per shard, not one per recipient: a group's fan-out to 1,000 tabs is two posts on
// two threads, each running its sessions' broadcasts in a row.
void Shared::wake(const std::vector<std::shared_ptr<Connection>>& connections) {
  if (connections.empty()) return;
  struct ShardTargets {
    ShardExecutor shard;
    std::vector<std::shared_ptr<WebSocketSession>> sessions;
  };
  std::vector<ShardTargets> shards;
  {
    std::lock_guard lock(sessions_mutex);
    for (const auto& connection : connections) {
      const auto found = sessions.find(connection->id());
      if (found == sessions.end()) continue;
      auto session = found->second.lock();
      if (!session) continue;
      auto shard = std::find_if(shards.begin(), shards.end(), [&](const ShardTargets& known) {
        return known.shard == session->executor();
      });
      if (shard == shards.end()) {
        shards.push_back({session->executor(), {}});
        shard = std::prev(shards.end());
      }
      shard->sessions.push_back(std::move(session));
    }
  }
  for (ShardTargets& shard : shards) {
    asio::post(shard.shard, [sessions = std::move(shard.sessions)] {
      for (const auto& session : sessions) {
        session->cork();
        session->run_dispatch();
      }
      for (const auto& session : sessions) session->uncork();
    });
  }
}

void Shared::release_all_websockets() {
  std::vector<std::shared_ptr<WebSocketSession>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, weak] : sessions) {
      if (auto session = weak.lock()) targets.push_back(std::move(session));
    }
  }
  for (const auto& session : targets) session->release_after_stop();
}

void Shared::close_all_websockets() {
  std::vector<std::shared_ptr<WebSocketSession>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, weak] : sessions) {
      if (auto session = weak.lock()) targets.push_back(std::move(session));
    }
  }
  for (const auto& session : targets) session->post_close_going_away();
}

}  // namespace lvt::net
