// The socket under each WebSocket (server/net/corked_stream.hpp) on a real loopback connection:
// what was appended while corked leaves in one write, Beast's own writes keep their place after
// the data frames, and a write that finds the buffer full waits for room.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "corked_stream.hpp"

namespace lvt::net {
namespace {

struct Connected {
  asio::io_context io;
  tcp::socket client{io};
  std::unique_ptr<CorkedStream> stream;
  std::shared_ptr<int> owner = std::make_shared<int>(0);
  int writes_done = 0;  // the stream calls its owner back once per write the kernel took

  explicit Connected(std::size_t buffer_bytes_max,
                     std::chrono::milliseconds write_delay = std::chrono::milliseconds(0)) {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    stream = std::make_unique<CorkedStream>(acceptor.accept(io), buffer_bytes_max, write_delay);
    stream->set_owner(owner, [this] { ++writes_done; });
  }

  // Runs the loop until `done` or `within` has passed.
  template <class Done>
  void run_until(Done done, std::chrono::milliseconds within = std::chrono::seconds(2)) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(5));
      io.restart();
    }
  }

  // The next `bytes` the client reads; it blocks until they come, so tests assert first that a
  // write happened.
  std::string received(std::size_t bytes) {
    std::string out(bytes, '\0');
    asio::read(client, asio::buffer(out));
    return out;
  }
};

// A close frame (code 1000) as Beast writes it through the stream.
const std::string close_frame("\x88\x02\x03\xe8", 4);

std::string text_frame(const std::string& payload) {
  std::string frame{'\x81'};
  if (payload.size() < 126) {
    frame += static_cast<char>(payload.size());
  } else {
    frame += '\x7e';
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xFF);
  }
  return frame + payload;
}

TEST(CorkedStream, FramesAppendedWhileCorkedLeaveInOneWrite) {
  Connected c(64 * 1024);
  c.stream->cork();
  const std::string middle(200, 'b');
  c.stream->append_text_frame("a");
  c.stream->append_text_frame(middle);
  c.stream->append_text_frame("c");
  c.run_until([] { return false; }, std::chrono::milliseconds(50));  // nothing leaves corked
  EXPECT_EQ(c.client.available(), 0u);
  c.stream->uncork();
  const std::string expected = text_frame("a") + text_frame(middle) + text_frame("c");
  c.run_until([&] { return c.writes_done >= 1; });
  ASSERT_EQ(c.writes_done, 1);
  EXPECT_EQ(c.received(expected.size()), expected);
}

TEST(CorkedStream, BeastsWriteFollowsTheFramesBeforeIt) {
  Connected c(64 * 1024);
  c.stream->append_text_frame("first");  // its write is in flight
  std::size_t written = 0;
  c.stream->async_write_some(asio::buffer(close_frame),
                             [&](beast::error_code error, std::size_t bytes) {
                               EXPECT_FALSE(error);
                               written = bytes;
                             });
  c.run_until([&] { return written != 0 && c.writes_done >= 2; });
  EXPECT_EQ(written, 4u);
  const std::string expected = text_frame("first") + close_frame;
  EXPECT_EQ(c.received(expected.size()), expected);
}

TEST(CorkedStream, AWriteThatFindsTheBufferFullWaitsForRoom) {
  Connected c(8);
  c.stream->cork();
  c.stream->append_text_frame("0123456789");  // 12 bytes: over the bound, alone in the buffer
  EXPECT_FALSE(c.stream->has_room(1));
  bool completed = false;
  c.stream->async_write_some(asio::buffer(std::string_view("\x89\x00", 2)),
                             [&](beast::error_code error, std::size_t bytes) {
                               EXPECT_FALSE(error);
                               EXPECT_EQ(bytes, 2u);
                               completed = true;
                             });
  c.run_until([] { return false; }, std::chrono::milliseconds(50));
  EXPECT_FALSE(completed);  // held: no write has made room
  c.stream->uncork();
  c.run_until([&] { return completed && c.writes_done >= 2; });
  EXPECT_TRUE(completed);
  const std::string expected = text_frame("0123456789") + std::string("\x89\x00", 2);
  EXPECT_EQ(c.received(expected.size()), expected);
}

// With a write delay, frames appended apart wait for the shard's tick and leave in one write.
TEST(CorkedStream, WithAWriteDelayFramesWaitForTheTickAndLeaveTogether) {
  Connected c(64 * 1024, std::chrono::seconds(3));  // far longer than the 60 ms between
  c.stream->append_text_frame("a");
  c.run_until([] { return false; }, std::chrono::milliseconds(30));
  c.stream->append_text_frame("b");
  c.run_until([] { return false; }, std::chrono::milliseconds(30));
  EXPECT_EQ(c.client.available(), 0u);  // held for the tick
  c.run_until([&] { return c.writes_done >= 1; }, std::chrono::seconds(10));
  ASSERT_EQ(c.writes_done, 1);
  const std::string expected = text_frame("a") + text_frame("b");
  EXPECT_EQ(c.received(expected.size()), expected);
}

// flush_now() writes what waits without waiting for the tick.
TEST(CorkedStream, WithAWriteDelayFlushNowIsNotHeld) {
  Connected c(64 * 1024, std::chrono::seconds(10));
  c.stream->append_text_frame("held");
  c.stream->append_text_frame("answer");
  c.stream->flush_now();
  c.run_until([&] { return c.writes_done >= 1; }, std::chrono::seconds(5));
  ASSERT_EQ(c.writes_done, 1);
  const std::string expected = text_frame("held") + text_frame("answer");
  EXPECT_EQ(c.received(expected.size()), expected);
}

// Beast's own frames (here a close) are never held: a close held past a shutdown's drain would
// never leave.
TEST(CorkedStream, WithAWriteDelayBeastsWritesAreNotHeld) {
  Connected c(64 * 1024, std::chrono::seconds(10));
  c.stream->append_text_frame("held");
  bool written = false;
  c.stream->async_write_some(asio::buffer(close_frame),
                             [&](beast::error_code error, std::size_t) { written = !error; });
  c.run_until([&] { return written && c.writes_done >= 1; }, std::chrono::seconds(5));
  ASSERT_EQ(c.writes_done, 1);
  const std::string expected = text_frame("held") + close_frame;
  EXPECT_EQ(c.received(expected.size()), expected);
}

// Half a buffer waiting is not held: the delay never makes a busy socket's buffer full.
TEST(CorkedStream, WithAWriteDelayHalfTheBufferIsWrittenAtOnce) {
  Connected c(256, std::chrono::seconds(10));
  const std::string payload(150, 'x');
  c.stream->append_text_frame(payload);
  c.run_until([&] { return c.writes_done >= 1; }, std::chrono::seconds(5));
  ASSERT_EQ(c.writes_done, 1);
  EXPECT_EQ(c.received(payload.size() + 4), text_frame(payload));
}

}  // namespace
}  // namespace lvt::net
