// The real server on its own thread for socket-level tests, with what they need to look at: the
// process's descriptors, the engine's registry and metrics, and waiting for them with a bound.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio.hpp>

#include "demo_apps.hpp"
#include "server.hpp"
#include "test_engine.hpp"

namespace lvt::net_testing {

// Open descriptors of this process (the server's and the test's own).
inline int open_descriptors() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
  }
  return count - 1;  // the directory stream's own
}

// The descriptor count once it has not moved for 100 ms: a session the server just ended may
// still be closing its socket.
inline int settled_descriptors() {
  int count = open_descriptors();
  for (int still = 0, polls = 0; still < 10 && polls < 300; ++still, ++polls) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int now = open_descriptors();
    if (now != count) still = -1;
    count = now;
  }
  return count;
}

// What each descriptor is, for a failure's message.
inline std::string describe_descriptors() {
  std::string out;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      char target[256] = "";
      const std::string link = std::string("/proc/self/fd/") + entry->d_name;
      const ssize_t size = readlink(link.c_str(), target, sizeof target - 1);
      out +=
          std::string(entry->d_name) + " -> " + (size > 0 ? std::string(target, size) : "?") + "\n";
    }
    closedir(dir);
  }
  return out;
}

// Polls `done` every 10 ms for at most `limit`; true once it holds.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The wall clock, a deterministic random source (std::random_device may hold a descriptor per
// thread, which would move the descriptor count), and no log lines.
inline EngineEnv quiet_env() {
  EngineEnv env = testing::test_env(std::make_shared<testing::TestClock>());
  env.now_us = system_env().now_us;
  env.log = [](LogLevel, std::string_view) {};
  return env;
}

inline ServerOptions server_options(DemoApps* apps = nullptr) {
  ServerOptions options;
  options.register_pages = [apps](Engine& engine) {
    const DemoApps added = add_demo_apps(engine);
    if (apps != nullptr) *apps = added;
  };
  options.port = 0;
  options.threads = 2;
  options.client_dir = LVT_CLIENT_DIR;
  options.engine.actions_per_second = 1e6;  // rate limits are not what these tests are about
  options.engine.actions_burst = 1e6;
  return options;
}

// A redis-server of the test's own on a free loopback port, nothing saved, stopped by its PID.
class RedisProcess {
 public:
  // Another process may take the probed port before Redis binds it: then Redis exits, and a
  // new port is tried (three at most).
  RedisProcess() {
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) start_on_a_free_port();
  }
  ~RedisProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  bool ready() const { return ready_; }
  redis::RedisAddress address() const { return {"127.0.0.1", port_, 0}; }

 private:
  void start_on_a_free_port() {
    namespace asio = boost::asio;
    {
      asio::io_context io;
      asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
      port_ = probe.local_endpoint().port();
    }
    const std::string port = std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--loglevel", "warning", nullptr);
      _exit(127);
    }
    // Ready once it answers PING (10 s at most); not if it exited.
    bool exited = false;
    ready_ = eventually([&] {
               if (waitpid(pid_, nullptr, WNOHANG) == pid_) return exited = true;
               asio::io_context io;
               asio::ip::tcp::socket socket(io);
               boost::system::error_code error;
               socket.connect({asio::ip::make_address("127.0.0.1"), port_}, error);
               if (error) return false;
               asio::write(socket, asio::buffer(std::string("PING\r\n")), error);
               std::array<char, 7> reply{};
               asio::read(socket, asio::buffer(reply), error);
               return !error && std::string_view(reply.data(), reply.size()) == "+PONG\r\n";
             }) &&
             !exited;
    if (!ready_) {
      if (!exited) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;  // reaped
    }
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool ready_ = false;
};

// A server on its own thread, stopped and joined when the scope ends (or by stop()).
class RunningServer {
 public:
  explicit RunningServer(ServerOptions options) : server_(std::move(options), quiet_env()) {
    serving_ = std::thread([this] { server_.run(/*handle_signals=*/false); });
    wait_until_serving();
  }
  ~RunningServer() { stop(); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  void stop() {
    if (!serving_.joinable()) return;
    server_.stop();
    serving_.join();
  }
  Server& server() { return server_; }
  // One answered request: run() has set up what it keeps open (its signal set's pipe), so
  // descriptors counted from here on are the clients' and their sessions'.
  void wait_until_serving() {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_.port()});
    asio::write(socket, asio::buffer(std::string("GET /healthz HTTP/1.0\r\n\r\n")));
    std::string answer;
    boost::system::error_code until_closed;
    asio::read(socket, asio::dynamic_buffer(answer), until_closed);
  }
  std::uint16_t port() const { return server_.port(); }
  Metrics& metrics() { return server_.engine().metrics(); }
  // The lvt_connections line of /metrics, as Prometheus reads it.
  long connections_metric() {
    const std::string text = metrics().prometheus_text();
    const std::string line = "\nlvt_connections ";
    const std::size_t at = text.find(line);
    return at == std::string::npos ? -1 : std::stol(text.substr(at + line.size()));
  }

 private:
  Server server_;
  std::thread serving_;
};

}  // namespace lvt::net_testing
