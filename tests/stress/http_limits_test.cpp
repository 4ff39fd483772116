// The real server's HTTP side against slow and malformed clients and other sites, over
// loopback: deadlines for headers and bodies (finding 4 of issue 14: a byte a second held a
// connection for 120 s), a cap on unfinished requests, exactly one Host, a well-formed
// Sec-WebSocket-Key, and same-site rules (finding 3: another site's form POST landed in the log;
// pages and upgrades under another Host name were served).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "net_test_support.hpp"

namespace lvt {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using net_testing::eventually;
using net_testing::RunningServer;
using net_testing::server_options;

tcp::socket connect_to(asio::io_context& io, std::uint16_t port) {
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  return socket;
}

// Writes `request` as is and reads until the server closes or `limit` passes; returns what
// came back (empty when the connection was dropped without an answer).
std::string round_trip(std::uint16_t port, const std::string& request) {
  asio::io_context io;
  tcp::socket socket = connect_to(io, port);
  asio::write(socket, asio::buffer(request));
  std::string response;
  beast::error_code error;
  asio::read_until(socket, asio::dynamic_buffer(response), "\r\n\r\n", error);
  return response;
}

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

std::string host_of(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

std::string upgrade_request(std::uint16_t port, const std::string& key_line,
                            const std::string& host = "") {
  return "GET /realtime/broadcasting HTTP/1.1\r\nHost: " + (host.empty() ? host_of(port) : host) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key_line +
         "Sec-WebSocket-Version: 13\r\n\r\n";
}

// Sends `head` then one byte of `trickle` every 100 ms; how long until the server dropped it.
std::chrono::milliseconds time_until_dropped(std::uint16_t port, const std::string& head,
                                             const std::string& trickle) {
  asio::io_context io;
  tcp::socket socket = connect_to(io, port);
  const auto start = std::chrono::steady_clock::now();
  asio::write(socket, asio::buffer(head));
  for (char c : trickle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    beast::error_code error;
    asio::write(socket, asio::buffer(&c, 1), error);
    if (error) break;
    // A dropped connection is readable (end of stream or reset).
    socket.non_blocking(true);
    char byte = 0;
    const std::size_t read = socket.read_some(asio::buffer(&byte, 1), error);
    socket.non_blocking(false);
    EXPECT_EQ(read, 0u) << "an answer to an unfinished request";
    if (error != asio::error::would_block) break;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(HttpDeadlines, HeadersTrickledAByteAtATimeAreDroppedAtTheHeaderDeadline) {
  ServerOptions options = server_options();
  options.http_header_timeout_ms = 500;
  RunningServer running(options);
  const auto held = time_until_dropped(running.port(), "GET /healthz HTTP/1.1\r\n",
                                       "X-Slow: " + std::string(100, 'a'));
  EXPECT_LT(held, std::chrono::milliseconds(5000));  // the whole trickle takes 10 s
  EXPECT_TRUE(eventually([&] { return running.metrics().errors_http_timeout.load() == 1u; }));
}

TEST(HttpDeadlines, ABodyTrickledAByteAtATimeIsDroppedAtTheBodyDeadline) {
  ServerOptions options = server_options();
  options.http_body_timeout_ms = 500;
  RunningServer running(options);
  const std::string head =
      "POST /realtime/reconnection HTTP/1.1\r\nHost: " + host_of(running.port()) +
      "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
  const auto held = time_until_dropped(running.port(), head, std::string(100, ' '));
  EXPECT_LT(held, std::chrono::milliseconds(5000));  // the whole trickle takes 10 s
  EXPECT_TRUE(eventually([&] { return running.metrics().errors_http_timeout.load() == 1u; }));
  EXPECT_EQ(running.metrics().actions.load(), 0u);
}

// The header deadline starts at a request's first byte: an idle keep-alive connection is not
// a slow client.
TEST(HttpDeadlines, AnIdleConnectionIsNotHeldToTheHeaderDeadline) {
  ServerOptions options = server_options();
  options.http_header_timeout_ms = 300;
  RunningServer running(options);
  asio::io_context io;
  tcp::socket socket = connect_to(io, running.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  asio::write(socket, asio::buffer("GET /healthz HTTP/1.1\r\nHost: " + host_of(running.port()) +
                                   "\r\n\r\n"));
  std::string response;
  asio::read_until(socket, asio::dynamic_buffer(response), "ok\n");
  EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK");
}

TEST(HttpLimits, RequestsBeyondTheCapOfUnfinishedOnesAreAnswered503) {
  ServerOptions options = server_options();
  options.http_requests_unfinished_max = 2;
  RunningServer running(options);
  asio::io_context io;
  std::vector<tcp::socket> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(connect_to(io, running.port()));
    asio::write(slow.back(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  }
  const std::string healthz =
      "GET /healthz HTTP/1.1\r\nHost: " + host_of(running.port()) + "\r\nConnection: close\r\n\r\n";
  EXPECT_TRUE(eventually([&] {
    return status_line(round_trip(running.port(), healthz)) == "HTTP/1.1 503 Service Unavailable";
  }));
  EXPECT_GE(running.metrics().errors_http_busy.load(), 1u);
  slow.clear();  // the unfinished ones go: their slots are free again
  EXPECT_TRUE(eventually(
      [&] { return status_line(round_trip(running.port(), healthz)) == "HTTP/1.1 200 OK"; }));
}

TEST(HttpStrict, HttpOneOneWithoutExactlyOneHostIs400) {
  RunningServer running(server_options());
  const std::uint16_t port = running.port();
  EXPECT_EQ(status_line(round_trip(port, "GET /healthz HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(round_trip(port, "GET /healthz HTTP/1.1\r\nHost: " + host_of(port) +
                                             "\r\nHost: " + host_of(port) + "\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(round_trip(port, "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")),
            "HTTP/1.0 400 Bad Request");
  // HTTP/1.0 has no Host to require.
  EXPECT_EQ(status_line(round_trip(port, "GET /healthz HTTP/1.0\r\n\r\n")), "HTTP/1.0 200 OK");
  EXPECT_EQ(status_line(round_trip(port, "GET /healthz HTTP/1.1\r\nHost: " + host_of(port) +
                                             "\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 200 OK");
  EXPECT_EQ(running.metrics().errors_bad_request.load(), 3u);
}

TEST(HttpStrict, AnUpgradeWithAnInvalidSecWebSocketKeyIs400AndOpensNoConnection) {
  RunningServer running(server_options());
  const std::uint16_t port = running.port();
  for (const std::string& key_line :
       {std::string("Sec-WebSocket-Key: \r\n"), std::string("Sec-WebSocket-Key: x\r\n"),
        std::string("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n"),
        std::string("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
        std::string()}) {
    EXPECT_EQ(status_line(round_trip(port, upgrade_request(port, key_line))),
              "HTTP/1.1 400 Bad Request")
        << key_line;
  }
  EXPECT_EQ(running.metrics().connections_opened.load(), 0u);
  EXPECT_EQ(status_line(round_trip(
                port, upgrade_request(port, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"))),
            "HTTP/1.1 101 Switching Protocols");
}

TEST(SameSite, AnotherHostNameGetsNothingFromTheRealServer) {
  RunningServer running(server_options());
  const std::uint16_t port = running.port();
  const std::string evil = "evil.example:" + std::to_string(port);
  for (const std::string path : {"/realtime/broadcasting", "/livetemplate-client.js", "/metrics"}) {
    EXPECT_EQ(status_line(round_trip(port, "GET " + path + " HTTP/1.1\r\nHost: " + evil +
                                               "\r\nConnection: close\r\n\r\n")),
              "HTTP/1.1 421 Misdirected Request")
        << path;
  }
  EXPECT_EQ(
      status_line(round_trip(
          port, upgrade_request(port, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", evil))),
      "HTTP/1.1 421 Misdirected Request");
  EXPECT_EQ(running.metrics().connections_opened.load(), 0u);
  // The loopback names all answer.
  for (const std::string& host : {"localhost:" + std::to_string(port), host_of(port)}) {
    EXPECT_EQ(status_line(round_trip(port, "GET /livetemplate-client.js HTTP/1.1\r\nHost: " + host +
                                               "\r\nConnection: close\r\n\r\n")),
              "HTTP/1.1 200 OK")
        << host;
  }
}

TEST(SameSite, AnotherSitesFormPostIsRefusedAndLandsNowhere) {
  DemoApps apps;
  RunningServer running(server_options(&apps));
  const std::uint16_t port = running.port();
  const std::string body = "text=pwned&send=";
  auto form_post = [&](const std::string& origin_line) {
    return "POST /realtime/broadcasting?username=Mallory HTTP/1.1\r\nHost: " + host_of(port) +
           "\r\n" + origin_line +
           "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  EXPECT_EQ(status_line(round_trip(port, form_post("Origin: http://evil.example\r\n"))),
            "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(status_line(round_trip(port, form_post("Referer: http://evil.example/x.html\r\n"))),
            "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(apps.log->snapshot(), 0u);
  EXPECT_EQ(status_line(round_trip(port, form_post("Origin: http://" + host_of(port) + "\r\n"))),
            "HTTP/1.1 303 See Other");
  EXPECT_EQ(apps.log->snapshot(), 1u);
}

}  // namespace
}  // namespace lvt
