// The real server over loopback under many concurrent clients that join, send, drop and
// reconnect. Run in the ThreadSanitizer build it is the `no-races` check; in the AddressSanitizer
// build it checks memory. It asserts that every action got its answer and that the server's
// counters add up once the clients are gone.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "demo_apps.hpp"
#include "net_test_support.hpp"
#include "planted.hpp"
#include "server.hpp"
#include "test_engine.hpp"

namespace lvt {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using net_testing::RunningServer;

constexpr int clients = 12;
constexpr int rounds_per_client = 6;
constexpr int sends_per_round = 8;

struct Tally {
  std::atomic<int> sends_answered{0};
  std::atomic<int> broadcast_frames{0};
  std::atomic<int> http_ok{0};
  std::atomic<int> failures{0};
};

class Client {
 public:
  Client(asio::io_context& io, std::uint16_t port, std::string cookie)
      : port_(port), cookie_(std::move(cookie)), ws_(io) {}

  nlohmann::json connect(const std::string& path) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    ws_.set_option(websocket::stream_base::decorator(
        [this](websocket::request_type& request) { request.set(http::field::cookie, cookie_); }));
    ws_.handshake("127.0.0.1:" + std::to_string(port_), path);
    return read();
  }

  nlohmann::json read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
  }

  // Sends an action and reads until its own answer, counting the broadcasts in between (and
  // keeping them in `broadcasts` if given).
  nlohmann::json act(const nlohmann::json& message, Tally& tally,
                     std::vector<nlohmann::json>* broadcasts = nullptr) {
    ws_.write(asio::buffer(message.dump()));
    for (;;) {
      nlohmann::json frame = read();
      if (frame.contains("meta") && frame["meta"].contains("action")) return frame;
      if (frame.contains("pong")) return frame;
      ++tally.broadcast_frames;
      if (broadcasts) broadcasts->push_back(std::move(frame));
    }
  }

  // Messages leave in frames of at most `bytes` from now on.
  void fragment_writes(std::size_t bytes) {
    ws_.auto_fragment(true);
    ws_.write_buffer_bytes(bytes);
  }

  void close_cleanly() { ws_.close(websocket::close_code::normal); }
  void drop() {  // no close handshake: the server must notice by itself
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
  }

 private:
  std::uint16_t port_;
  std::string cookie_;
  websocket::stream<tcp::socket> ws_;
};

using testing::cookie_for;  // a valid session cookie per group

void http_probe(std::uint16_t port, Tally& tally) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request(http::verb::head, "/realtime/broadcasting", 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a HEAD response has no body
  http::read(socket, buffer, parser);
  if (parser.get().result() == http::status::ok &&
      parser.get()["X-LiveTemplate-WebSocket"] == "enabled") {
    ++tally.http_ok;
  }
}

void run_client(int index, std::uint16_t port, Tally& tally) {
  std::mt19937 random(static_cast<unsigned>(index));
  asio::io_context io;
  const std::string cookie = cookie_for(index % 3);  // three groups of tabs
  for (int round = 0; round < rounds_per_client; ++round) {
    try {
      Client client(io, port, cookie);
      const auto first = client.connect("/realtime/broadcasting");
      if (!first.contains("tree") || !first["tree"].contains("s")) ++tally.failures;
      client.act({{"action", "join"}, {"data", {{"username", "user" + std::to_string(index)}}}},
                 tally);
      for (int i = 0; i < sends_per_round; ++i) {
        const auto reply = client.act(
            {{"action", "send"},
             {"data", {{"text", "m" + std::to_string(index) + "." + std::to_string(i)}}}},
            tally);
        if (reply["meta"]["success"] == true) ++tally.sends_answered;
        if (random() % 4 == 0) client.act({{"action", "__ping__"}}, tally);
      }
      if (random() % 2 == 0) {
        client.drop();
      } else {
        client.close_cleanly();
      }
      if (round % 2 == 0) http_probe(port, tally);
    } catch (const std::exception& error) {
      ++tally.failures;
      ADD_FAILURE() << "client " << index << " round " << round << ": " << error.what();
    }
  }
}

// The shared test server's options, with more threads: these tests are about concurrency.
ServerOptions test_options(DemoApps* apps = nullptr) {
  ServerOptions options = net_testing::server_options(apps);
  options.threads = 4;
  return options;
}

TEST(Stress, ManyClientsJoinSendDropAndReconnect) {
  DemoApps apps;
  RunningServer running(test_options(&apps));
  Server& server = running.server();

  Tally tally;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back(run_client, i, server.port(), std::ref(tally));
  for (auto& thread : threads) thread.join();

  // Let the server notice the dropped sockets, then look at its books.
  Metrics& metrics = server.engine().metrics();
  net_testing::eventually([&] { return metrics.connections.load() == 0; });
  const int sends = clients * rounds_per_client * sends_per_round;
  EXPECT_EQ(tally.failures.load(), 0);
  EXPECT_EQ(tally.sends_answered.load(), sends);
  EXPECT_EQ(apps.log->snapshot(), static_cast<std::size_t>(sends));
  EXPECT_EQ(tally.http_ok.load(), clients * rounds_per_client / 2);
  EXPECT_EQ(metrics.connections.load(), 0);
  EXPECT_EQ(metrics.groups.load(), 0);
  EXPECT_EQ(metrics.connections_opened.load(),
            static_cast<std::uint64_t>(clients * rounds_per_client));
  // Every queued broadcast was either run or discarded with its closed connection.
  EXPECT_LE(metrics.broadcasts_delivered.load(), metrics.broadcasts_queued.load());
  EXPECT_GT(tally.broadcast_frames.load(), 0);
}

// Reads until the server closes; returns the close code it sent.
// The same clients spread over two replicas of one Redis: every send is stored once, both
// caches end holding the whole log, and broadcasts cross between the replicas (under TSan too).
TEST(Stress, TwoReplicasOverOneRedis) {
  net_testing::RedisProcess redis;
  ASSERT_TRUE(redis.ready()) << "redis-server did not start";
  DemoApps apps[2];
  std::unique_ptr<RunningServer> replicas[2];
  for (int r = 0; r < 2; ++r) {
    ServerOptions options = test_options(&apps[r]);
    options.redis = redis.address();
    options.engine.replica.instance_id = "stress-" + std::to_string(r);
    replicas[r] = std::make_unique<RunningServer>(std::move(options));
  }
  Tally tally;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back(run_client, i, replicas[i % 2]->port(), std::ref(tally));
  }
  for (auto& thread : threads) thread.join();
  const int sends = clients * rounds_per_client * sends_per_round;
  EXPECT_EQ(tally.failures.load(), 0);
  EXPECT_EQ(tally.sends_answered.load(), sends);
  for (int r = 0; r < 2; ++r) {
    Metrics& metrics = replicas[r]->metrics();
    // A replica with no tab of a group hears nothing of it; a tab opening reads the store.
    asio::io_context io;
    Client late(io, replicas[r]->port(), cookie_for(0));
    late.connect("/realtime/broadcasting");
    late.close_cleanly();
    EXPECT_EQ(apps[r].log->snapshot(), static_cast<std::size_t>(sends)) << "replica " << r;
    EXPECT_EQ(metrics.store_errors.load(), 0u);
    EXPECT_GT(metrics.bus_delivered.load(), 0u);
    EXPECT_GT(metrics.bus_own_ignored.load(), 0u);
    EXPECT_TRUE(net_testing::eventually([&] { return metrics.connections.load() == 0; }));
  }
}

std::uint16_t close_code_after(websocket::stream<tcp::socket>& ws) {
  beast::flat_buffer buffer;
  beast::error_code error;
  while (!error) {
    buffer.clear();
    ws.read(buffer, error);
  }
  return error == websocket::error::closed ? static_cast<std::uint16_t>(ws.reason().code) : 0;
}

websocket::stream<tcp::socket> open_socket(asio::io_context& io, std::uint16_t port) {
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  ws.handshake("127.0.0.1:" + std::to_string(port), "/realtime/broadcasting");
  beast::flat_buffer first;
  ws.read(first);
  return ws;
}

TEST(Shutdown, StoppingClosesEveryWebSocketWithGoingAway) {
  auto running = std::make_unique<RunningServer>(test_options());
  asio::io_context io;
  auto first = open_socket(io, running->server().port());
  auto second = open_socket(io, running->server().port());
  running->server().stop();
  EXPECT_EQ(close_code_after(first), 1001);
  EXPECT_EQ(close_code_after(second), 1001);
  running.reset();  // run() returned: the pool is joined
}

TEST(NetBadInput, BadFramesCloseTheirOwnConnectionOnly) {
  ServerOptions options = test_options();
  options.engine.frame_bytes_max = 1024;
  RunningServer running(options);
  const std::uint16_t port = running.server().port();
  asio::io_context io;
  Tally tally;
  Client bystander(io, port, cookie_for(0));
  bystander.connect("/realtime/broadcasting");

  auto binary = open_socket(io, port);
  binary.binary(true);
  binary.write(asio::buffer(std::string("\x01\x02")));
  EXPECT_EQ(close_code_after(binary), 1003);

  auto oversized = open_socket(io, port);
  oversized.write(asio::buffer(std::string(4096, ' ')));
  EXPECT_EQ(close_code_after(oversized), 1009);

  auto bad_utf8 = open_socket(io, port);
  bad_utf8.write(asio::buffer(std::string("{\"action\":\"\xC3\"}")));
  EXPECT_EQ(close_code_after(bad_utf8), 1007);

  EXPECT_EQ(bystander.act({{"action", "__ping__"}}, tally),
            nlohmann::json::parse(R"({"pong":true})"));
  EXPECT_EQ(running.server().engine().metrics().errors_binary_frame.load(), 1u);
}

// A message many times longer than the server's first read of a message, in small fragments,
// arrives whole: its peer gets the whole text.
TEST(NetInput, ALongMessageInManyFragmentsArrivesWhole) {
  RunningServer running(test_options());
  const std::uint16_t port = running.server().port();
  asio::io_context io;
  Tally tally;
  Client sender(io, port, cookie_for(0));
  Client peer(io, port, cookie_for(0));
  sender.connect("/realtime/broadcasting");
  peer.connect("/realtime/broadcasting");
  sender.act({{"action", "join"}, {"data", {{"username", "long"}}}}, tally);
  peer.act({{"action", "join"}, {"data", {{"username", "peer"}}}}, tally);

  std::string text;
  while (text.size() < 1900) text += std::to_string(text.size()) + ",";
  sender.fragment_writes(64);
  const auto reply = sender.act({{"action", "send"}, {"data", {{"text", text}}}}, tally);
  EXPECT_EQ(reply["meta"]["success"], true) << reply.dump();
  // The broadcast runs on the peer's shard, which a busy machine may schedule after many of the
  // peer's pings: wait for it up to a deadline, not a count of pings.
  std::vector<nlohmann::json> broadcasts;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    peer.act({{"action", "__ping__"}}, tally, &broadcasts);
    const bool heard = std::any_of(broadcasts.begin(), broadcasts.end(), [&](const auto& frame) {
      return frame.dump().find(text) != std::string::npos;
    });
    if (heard) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "the peer did not get the long message within 10 s; it got " << broadcasts.size()
                << " broadcasts";
}

TEST(NetBadInput, AClientThatDoesNotReadIsCutOff) {
  ServerOptions options = test_options();
  options.outbound_frames_max = 64;
  options.outbound_bytes_max = 64 * 1024;
  RunningServer running(options);
  const std::uint16_t port = running.server().port();
  asio::io_context io;
  Tally tally;
  Client sleeper(io, port, cookie_for(0));  // joins, then never reads again
  sleeper.connect("/realtime/broadcasting");
  Client writer(io, port, cookie_for(0));
  writer.connect("/realtime/broadcasting");
  writer.act({{"action", "join"}, {"data", {{"username", "writer"}}}}, tally);
  const std::string big(1900, 'x');
  Metrics& metrics = running.server().engine().metrics();
  int sends = 0;
  for (; sends < 20'000 && metrics.errors_slow_reader.load() == 0; ++sends) {
    writer.act({{"action", "send"}, {"data", {{"text", big}}}}, tally);
  }
  EXPECT_EQ(metrics.errors_slow_reader.load(), 1u) << "after " << sends << " sends";
  // The writer is untouched and the server still answers.
  EXPECT_EQ(writer.act({{"action", "__ping__"}}, tally), nlohmann::json::parse(R"({"pong":true})"));
}

}  // namespace
}  // namespace lvt

namespace lvt {
namespace {

TEST(PlantedBugs, ServeRefusesToStartWithOneSwitchedOn) {
  active_planted_bug = PlantedBug::sender_receives_own;
  EXPECT_THROW(Server(test_options(), system_env()), std::runtime_error);
  active_planted_bug = PlantedBug::none;
}

}  // namespace
}  // namespace lvt
