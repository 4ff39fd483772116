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

  explicit Connected(std::size_t buffer_bytes_max) {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    stream = std::make_unique<CorkedStream>(acceptor.accept(io), buffer_bytes_max);
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

  // The next `bytes` the client reads.
  std::string received(std::size_t bytes) {
    std::string out(bytes, '\0');
    asio::read(client, asio::buffer(out));
    return out;
  }
};

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
  EXPECT_EQ(c.writes_done, 1);
  EXPECT_EQ(c.received(expected.size()), expected);
}

TEST(CorkedStream, BeastsWriteFollowsTheFramesBeforeIt) {
  Connected c(64 * 1024);
  c.stream->append_text_frame("first");  // its write is in flight
  std::size_t written = 0;
  c.stream->async_write_some(asio::buffer(std::string_view("\x88\x02\x03\xe8", 4)),
                             [&](beast::error_code error, std::size_t bytes) {
                               EXPECT_FALSE(error);
                               written = bytes;
                             });
  c.run_until([&] { return written != 0 && c.writes_done >= 2; });
  EXPECT_EQ(written, 4u);
  const std::string expected = text_frame("first") + std::string("\x88\x02\x03\xe8", 4);
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

}  // namespace
}  // namespace lvt::net
