// The socket under one WebSocket stream, as Beast's next layer. Every byte for the client goes
// through one bounded buffer: the data frames the session frames itself (append_text_frame)
// and Beast's own control frames (pong, keep-alive ping, close), in the order they were made.
// The buffer goes to the kernel in one write whenever none is in flight, so the frames that
// queue while a write is in flight leave together: one system call for many deliveries under
// load, and no Beast write operation per data frame. Beast reads through it unchanged. It sits
// on the plain socket (Beast's WebSocket stream keeps its own timeouts), and an idle connection
// keeps no write buffer (memory per idle connection is one of the figures bench-scale compares).
// With a write delay (serve --write-delay-ms) bytes wait for the shard's next tick (WriteTicker)
// unless half the buffer is taken: fewer, larger writes for a later delivery.
// Include only in websocket_session.cpp (Beast stays in few translation units).
#pragma once

#include <cassert>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>

#include "net_internal.hpp"
#include "write_ticker.hpp"

namespace lvt::net {

class CorkedStream final : WriteTicker::Target {
 public:
  using executor_type = ShardExecutor;

  CorkedStream(ShardSocket socket, std::size_t buffer_bytes_max,
               std::chrono::milliseconds write_delay = std::chrono::milliseconds(0))
      : next_(std::move(socket)), buffer_bytes_max_(buffer_bytes_max), write_delay_(write_delay) {
    assert(buffer_bytes_max_ > 0);
    if (write_delay_.count() > 0) {
      ticker_ = &asio::use_service<WriteTicker>(
          static_cast<asio::execution_context&>(next_.get_executor().context()));
    }
  }

  // The session whose handlers keep this stream alive while a write is in flight, and what it
  // does after each write the kernel took (move waiting frames in, or see the error).
  void set_owner(std::weak_ptr<void> owner, std::function<void()> on_room) {
    owner_ = std::move(owner);
    on_room_ = std::move(on_room);
  }

  executor_type get_executor() noexcept { return next_.get_executor(); }
  ShardSocket& next_layer() noexcept { return next_; }
  const ShardSocket& next_layer() const noexcept { return next_; }

  // Room for a frame of `payload_bytes`: an empty buffer takes any one frame.
  bool has_room(std::size_t payload_bytes) const {
    return pending_.empty() ||
           pending_.size() + payload_bytes + header_bytes_max <= buffer_bytes_max_;
  }

  // Appends one unfragmented, unmasked text frame (RFC 6455 5.2) and starts a write if none is
  // in flight. The caller checked has_room() and that no error ended the stream.
  void append_text_frame(std::string_view payload) {
    assert(has_room(payload.size()));
    const std::uint64_t size = payload.size();
    pending_.push_back(static_cast<char>(0x81));  // FIN, opcode 1 (text)
    if (size < 126) {
      pending_.push_back(static_cast<char>(size));
    } else if (size <= 0xFFFF) {
      pending_.push_back(static_cast<char>(126));
      for (int shift = 8; shift >= 0; shift -= 8)
        pending_.push_back(static_cast<char>(size >> shift));
    } else {
      pending_.push_back(static_cast<char>(127));
      for (int shift = 56; shift >= 0; shift -= 8)
        pending_.push_back(static_cast<char>(size >> shift));
    }
    pending_.append(payload);
    flush();
  }

  // While corked, appended frames wait: a shard's run of broadcasts corks each socket it
  // writes to and uncorks them all at its end, so what one connection got in that run leaves
  // in one write.
  void cork() { corked_ = true; }
  void uncork() {
    corked_ = false;
    flush();
  }
  // Writes what waits without the delay (after any write in flight): the answer to the client's
  // own action and the opening frames are not held, only broadcasts.
  void flush_now() {
    if (pending_.empty()) return;  // nothing waits, or it is in the write in flight
    urgent_ = true;
    flush();
  }

  bool failed() const { return static_cast<bool>(error_); }
  const beast::error_code& error() const { return error_; }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return next_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  // Beast's writes: copied into the buffer and completed at once when it has room; else held
  // (Beast has at most one write outstanding) until a write to the kernel makes room.
  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return asio::async_initiate<WriteHandler, void(beast::error_code, std::size_t)>(
        [this](auto completion, const ConstBufferSequence& data) {
          assert(!held_);  // Beast has one write outstanding at most
          std::string bytes = beast::buffers_to_string(data);
          held_ = std::make_unique<Held>(Held{std::move(bytes), std::move(completion)});
          take_held();
        },
        handler, buffers);
  }

 private:
  static constexpr std::size_t header_bytes_max = 10;

  struct Held {
    std::string bytes;
    asio::any_completion_handler<void(beast::error_code, std::size_t)> completion;
  };

  void take_held() {
    if (!held_ || (!error_ && !has_room(held_->bytes.size()))) return;
    Held held = std::move(*held_);
    held_.reset();
    const std::size_t size = held.bytes.size();
    if (!error_) {
      // Beast's frames (the 101, a pong, a keep-alive ping, a close) are never held by a write
      // delay: a close held past the shutdown's drain would never leave.
      pending_ += held.bytes;
      flush_now();
    }
    asio::post(next_.get_executor(),
               [completion = std::move(held.completion), error = error_, size]() mutable {
                 std::move(completion)(error, error ? 0 : size);
               });
  }

  void flush() {
    if (writing_ || corked_ || pending_.empty() || error_) return;
    if (ticker_ && !urgent_ && pending_.size() < buffer_bytes_max_ / 2) {
      if (!tick_joined_) {
        tick_joined_ = true;
        ticker_->join(owner_, *this, write_delay_);
      }
      return;
    }
    writing_ = true;
    urgent_ = false;
    in_flight_.swap(pending_);
    asio::async_write(
        next_, asio::buffer(in_flight_),
        [this, owner = owner_.lock()](beast::error_code error, std::size_t) { on_written(error); });
  }

  // Due now: if a write is in flight, the next one is not held for a new tick.
  void on_tick() override {
    tick_joined_ = false;
    flush_now();
  }

  void on_written(beast::error_code error) {
    writing_ = false;
    // Its capacity is kept for the next swap only while more waits: an idle connection holds
    // no buffer, and a busy one does not allocate per write.
    in_flight_.clear();
    if (pending_.empty()) std::string().swap(in_flight_);
    if (error) {
      error_ = error;
      std::string().swap(pending_);
    }
    take_held();
    flush();
    teardown_when_drained();
    if (on_room_) on_room_();
  }

  ShardSocket next_;
  std::size_t buffer_bytes_max_;
  std::string pending_;    // bytes not yet handed to the kernel
  std::string in_flight_;  // the write in flight
  bool writing_ = false;
  bool corked_ = false;
  std::chrono::milliseconds write_delay_;
  WriteTicker* ticker_ = nullptr;  // the shard's, with a write delay
  bool tick_joined_ = false;       // waiting for the ticker's next tick
  bool urgent_ = false;            // flush_now() was asked: the next write is not held
  beast::error_code error_;        // the write that failed: the stream is over
  std::unique_ptr<Held> held_;     // rare and short-lived: kept out of every connection's size
  std::weak_ptr<void> owner_;
  std::function<void()> on_room_;

  // Beast's closing handshake ends here: the buffered bytes (the close frame among them) go
  // first, then the socket is shut as for a plain TCP stream.
  template <class TeardownHandler>
  friend void async_teardown(beast::role_type role, CorkedStream& stream,
                             TeardownHandler&& handler) {
    stream.teardown_ =
        std::make_unique<Teardown>(Teardown{role, std::forward<TeardownHandler>(handler)});
    stream.teardown_when_drained();
  }
  friend void teardown(beast::role_type role, CorkedStream& stream, beast::error_code& error) {
    using beast::websocket::teardown;
    teardown(role, stream.next_, error);
  }

  void teardown_when_drained() {
    if (!teardown_ || writing_ || (!pending_.empty() && !error_)) return;
    Teardown teardown = std::move(*teardown_);
    teardown_.reset();
    using beast::websocket::async_teardown;
    // Wrapped: Asio's type-erased handler lacks what Beast's teardown asks of an executor; this
    // lambda runs on the socket's executor, the session's shard.
    async_teardown(teardown.role, next_,
                   [completion = std::move(teardown.completion)](beast::error_code error) mutable {
                     std::move(completion)(error);
                   });
  }

  struct Teardown {
    beast::role_type role;
    asio::any_completion_handler<void(beast::error_code)> completion;
  };
  std::unique_ptr<Teardown> teardown_;
};

}  // namespace lvt::net
