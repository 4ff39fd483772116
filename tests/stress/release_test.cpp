// Every connection is released on every path its life can end by: a clean close, a cut for not
// reading, a broken or dropped socket, a timeout (a half-open WebSocket, a request that never
// finishes), and the server's shutdown. After each, the engine's registry, the lvt_connections
// metric and the process's descriptors are back where they started (finding 2 of issue 14:
// a cut connection stayed registered, kept taking broadcasts, and lvt_connections stayed up).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "net_test_support.hpp"

namespace lvt {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using net_testing::eventually;
using net_testing::open_descriptors;
using net_testing::RunningServer;
using net_testing::server_options;
using net_testing::settled_descriptors;

tcp::endpoint server_at(std::uint16_t port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

// A WebSocket client on the page, its first frame read.
websocket::stream<tcp::socket> open_socket(asio::io_context& io, std::uint16_t port,
                                           const std::string& cookie = testing::cookie_for(0)) {
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(server_at(port));
  ws.set_option(websocket::stream_base::decorator(
      [cookie](websocket::request_type& request) { request.set(http::field::cookie, cookie); }));
  ws.handshake("127.0.0.1:" + std::to_string(port), "/realtime/broadcasting");
  beast::flat_buffer first;
  ws.read(first);
  return ws;
}

// An upgrade over a plain socket that then does nothing at all: no reads, no writes, no close
// (what a vanished peer looks like to the server). Returns once the 101 is in.
tcp::socket open_silent_socket(asio::io_context& io, std::uint16_t port) {
  tcp::socket socket(io);
  socket.connect(server_at(port));
  const std::string request =
      "GET /realtime/broadcasting HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::string response;
  asio::read_until(socket, asio::dynamic_buffer(response), "\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 101", 0), 0u) << response;
  return socket;
}

// What a released server looks like: no connection in the registry or the metric, and the
// descriptors it had before the clients came.
void expect_released(RunningServer& running, int descriptors_before) {
  EXPECT_TRUE(eventually([&] { return running.server().engine().registered_connections() == 0; }))
      << running.server().engine().registered_connections() << " still registered";
  EXPECT_EQ(running.connections_metric(), 0);
  EXPECT_TRUE(eventually([&] { return open_descriptors() == descriptors_before; }))
      << open_descriptors() << " descriptors open, " << descriptors_before << " before:\n"
      << net_testing::describe_descriptors();
}

// Reads until the server closes; the close frame's code and reason (0 when none came).
websocket::close_reason read_until_closed(websocket::stream<tcp::socket>& ws) {
  beast::flat_buffer buffer;
  beast::error_code error;
  while (!error) {
    buffer.clear();
    ws.read(buffer, error);
  }
  return error == websocket::error::closed ? ws.reason() : websocket::close_reason{};
}

TEST(Release, ACleanCloseReleasesTheConnection) {
  RunningServer running(server_options());
  const int before = settled_descriptors();
  {
    asio::io_context io;
    auto ws = open_socket(io, running.port());
    EXPECT_EQ(running.server().engine().registered_connections(), 1u);
    EXPECT_EQ(running.connections_metric(), 1);
    ws.close(websocket::close_code::normal);
  }
  expect_released(running, before);
}

TEST(Release, ADroppedSocketReleasesTheConnection) {
  RunningServer running(server_options());
  const int before = settled_descriptors();
  {
    asio::io_context io;
    auto ws = open_socket(io, running.port());
    beast::error_code ignored;
    ws.next_layer().close(ignored);  // no closing handshake
  }
  expect_released(running, before);
}

TEST(Release, AProtocolErrorReleasesTheConnection) {
  RunningServer running(server_options());
  const int before = settled_descriptors();
  {
    asio::io_context io;
    tcp::socket socket = open_silent_socket(io, running.port());
    ASSERT_TRUE(eventually([&] { return running.connections_metric() == 1; }));
    // A client's frame must be masked (RFC 6455, 5.1): this one is not.
    asio::write(socket, asio::buffer(std::string("\x81\x05hello")));
    std::string rest;
    beast::error_code error;
    asio::read(socket, asio::dynamic_buffer(rest), error);  // until the server closes
    EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset)
        << error.message();
  }
  expect_released(running, before);
}

TEST(Release, AHalfOpenSocketIsReapedAtItsIdleTimeout) {
  ServerOptions options = server_options();
  options.websocket_idle_timeout_s = 1;
  RunningServer running(options);
  const int before = settled_descriptors();
  {
    asio::io_context io;
    tcp::socket silent = open_silent_socket(io, running.port());
    ASSERT_TRUE(eventually([&] { return running.connections_metric() == 1; }));
    // Unanswered, the server's keep-alive ping is followed by the close, within the timeout.
    EXPECT_TRUE(eventually([&] { return running.connections_metric() == 0; }));
  }
  expect_released(running, before);
}

TEST(Release, ARequestThatNeverFinishesIsDroppedAtItsHeaderDeadline) {
  ServerOptions options = server_options();
  options.http_header_timeout_ms = 300;
  RunningServer running(options);
  const int before = settled_descriptors();
  {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(server_at(running.port()));
    asio::write(socket, asio::buffer(std::string("GET / HTTP/1.1\r\nHo")));
    std::string rest;
    beast::error_code error;
    const auto start = std::chrono::steady_clock::now();
    asio::read(socket, asio::dynamic_buffer(rest), error);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_TRUE(rest.empty()) << rest;
  }
  EXPECT_TRUE(eventually([&] { return running.metrics().errors_http_timeout.load() == 1u; }));
  expect_released(running, before);
}

// A client that does not read is cut: released at once (it takes no more broadcasts), and told
// why in a close frame once it reads again within the grace.
TEST(Release, ACutReleasesTheConnectionAndSendsACloseFrameWithItsReason) {
  ServerOptions options = server_options();
  options.outbound_frames_max = 64;
  options.outbound_bytes_max = 64 * 1024;
  options.cut_close_grace_ms = 20'000;  // the sleeper reads a full socket buffer first
  RunningServer running(options);
  const int before = settled_descriptors();
  {
    asio::io_context io;
    auto sleeper = open_socket(io, running.port());  // reads nothing until the cut
    auto writer = open_socket(io, running.port());
    const std::string big(1900, 'x');
    const std::string send = nlohmann::json{{"action", "send"}, {"data", {{"text", big}}}}.dump();
    beast::flat_buffer buffer;
    writer.write(asio::buffer(std::string(R"({"action":"join","data":{"username":"w"}})")));
    writer.read(buffer);
    int sends = 0;
    for (; sends < 20'000 && running.metrics().errors_slow_reader.load() == 0; ++sends) {
      writer.write(asio::buffer(send));
      buffer.clear();
      writer.read(buffer);  // its own answer (the sender gets no broadcast)
    }
    ASSERT_EQ(running.metrics().errors_slow_reader.load(), 1u) << "after " << sends << " sends";
    // Released at once: only the writer is left, and a send reaches no one else.
    EXPECT_TRUE(
        eventually([&] { return running.server().engine().registered_connections() == 1; }));
    EXPECT_EQ(running.connections_metric(), 1);
    const auto queued = running.metrics().broadcasts_queued.load();
    writer.write(asio::buffer(send));
    buffer.clear();
    writer.read(buffer);
    EXPECT_EQ(running.metrics().broadcasts_queued.load(), queued);
    const websocket::close_reason reason = read_until_closed(sleeper);
    EXPECT_EQ(reason.code, websocket::close_code::policy_error);
    EXPECT_EQ(std::string(reason.reason.c_str()), "slow reader");
    writer.close(websocket::close_code::normal);
  }
  expect_released(running, before);
}

// The issue's burst: 3,000 pings at once on one connection whose client reads. Answers queued
// in the burst are not what the client failed to take: it is not cut and gets every answer.
TEST(Release, ABurstOfPingsFromAClientThatReadsIsAnsweredInFull) {
  RunningServer running(server_options());
  const int before = settled_descriptors();
  {
    asio::io_context io;
    auto ws = open_socket(io, running.port());
    constexpr int pings = 3000;
    const std::string ping = R"({"action":"__ping__"})";
    int written = 0, answered = 0;
    beast::error_code failure;
    beast::flat_buffer buffer;
    std::function<void()> write_next = [&] {
      ws.async_write(asio::buffer(ping), [&](beast::error_code error, std::size_t) {
        if (error) failure = error;
        if (!error && ++written < pings) write_next();
      });
    };
    std::function<void()> read_next = [&] {
      ws.async_read(buffer, [&](beast::error_code error, std::size_t) {
        if (error) failure = error;
        buffer.consume(buffer.size());
        if (!error && ++answered < pings) read_next();
      });
    };
    write_next();
    read_next();
    io.run_for(std::chrono::seconds(60));
    EXPECT_FALSE(failure) << failure.message();
    EXPECT_EQ(written, pings);
    EXPECT_EQ(answered, pings);
    EXPECT_EQ(running.metrics().errors_slow_reader.load(), 0u);
    EXPECT_EQ(running.connections_metric(), 1);
    io.restart();
    ws.close(websocket::close_code::normal);
  }
  expect_released(running, before);
}

// Shutdown releases every connection, even one whose client never answers the close: when
// run() returns the engine's books are closed, and once the server is gone so are its
// descriptors.
TEST(Release, ShutdownReleasesEveryConnection) {
  const int before_server = settled_descriptors();
  auto running = std::make_unique<RunningServer>(server_options());
  {
    asio::io_context io;
    auto reading = open_socket(io, running->port());
    tcp::socket silent = open_silent_socket(io, running->port());
    ASSERT_TRUE(eventually([&] { return running->connections_metric() == 2; }));
    running->stop();
    EXPECT_EQ(running->server().engine().registered_connections(), 0u);
    EXPECT_EQ(running->connections_metric(), 0);
    EXPECT_EQ(running->metrics().groups.load(), 0);
  }
  running.reset();
  EXPECT_TRUE(eventually([&] { return open_descriptors() == before_server; }))
      << open_descriptors() << " descriptors open, " << before_server << " before the server";
}

}  // namespace
}  // namespace lvt
