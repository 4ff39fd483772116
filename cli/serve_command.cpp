// `lvtlab serve`: the reference server on a real socket.
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "broadcasting_page.hpp"
#include "commands.hpp"
#include "demo_apps.hpp"
#include "redis_url.hpp"
#include "request_checks.hpp"
#include "server.hpp"
#include "text.hpp"
#include "validators.hpp"

namespace lvt::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string group_mode = "cookie";
  std::string dispatch_policy = "drop";
  std::string log_format = "text";
  std::string log_level = "info";
  bool no_websocket = false;
  std::string redis_url;  // empty: one process
  std::string instance_id;
  std::string heal = "on";
  ServerOptions options;
  DemoAppsConfig apps;
};

// "host:port" or "[v6]:port".
bool parse_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return parse_whole(listen.substr(colon + 1), port);
}

CLI::Validator listen_syntax() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string host;
        std::uint16_t port = 0;
        if (parse_listen(text, host, port)) return {};
        return "wants HOST:PORT (e.g. 127.0.0.1:8080, localhost:0, [::1]:8080) with a port from 0 "
               "to 65535, got '" +
               text + "'";
      },
      "HOST:PORT");
}

// A name the server answers to: a host name or address, without a port.
CLI::Validator host_name_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        // One colon is a port; several are an IPv6 address, which a Host header brackets.
        const std::size_t colons =
            static_cast<std::size_t>(std::count(text.begin(), text.end(), ':'));
        if (colons != 1 && !text.empty() && text.front() != '[') {
          const std::string header = colons > 1 ? "[" + text + "]" : text;
          if (std::string name = request_checks::host_name(header); !name.empty()) {
            text = name;  // lower-cased, as the Host check compares it
            return {};
          }
        }
        return "wants a host name or address without a port (e.g. lvtlab.example, 192.0.2.7, "
               "::1), got '" +
               text + "'";
      },
      "HOST");
}

// The numeric address of `host`: itself when it is one, else what the resolver gives, IPv4 first
// (localhost is both 127.0.0.1 and ::1, and browsers try both). Sets `problem` when it has none.
std::string resolve_host(const std::string& host, std::string& problem) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), nullptr, &hints, &found); error != 0) {
    problem = "cannot resolve '" + host + "': " + gai_strerror(error);
    return {};
  }
  const addrinfo* chosen = found;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
  }
  char numeric[NI_MAXHOST] = "";
  const int error = getnameinfo(chosen->ai_addr, chosen->ai_addrlen, numeric, sizeof numeric,
                                nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(found);
  if (error != 0) problem = "cannot resolve '" + host + "': " + gai_strerror(error);
  return error == 0 ? numeric : "";
}

// "127.0.0.1:8080" or "[::1]:8080".
std::string endpoint_text(const std::string& address, unsigned port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

// What went wrong opening the listening socket, without Boost's source locations.
std::string listen_problem(const boost::system::system_error& error, const std::string& where) {
  const boost::system::error_code code = error.code();
  if (code == boost::asio::error::address_in_use) return where + " is already in use";
  if (code == boost::asio::error::access_denied) {
    return "not allowed to listen on " + where + " (ports below 1024 need privileges)";
  }
  if (code == boost::asio::error::address_family_not_supported ||
      code == boost::system::errc::address_not_available) {
    return "cannot listen on " + where + ": the address is not one of this machine's";
  }
  return "cannot listen on " + where + ": " + code.message();
}

// Escapes each message into a JSON string literal, so a JSON log line stays one valid object.
class JsonMessageFormatter final : public spdlog::formatter {
 public:
  JsonMessageFormatter()
      : inner_(std::make_unique<spdlog::pattern_formatter>(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":%v})",
            spdlog::pattern_time_type::utc)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string escaped;
    text::append_json_string(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy = msg;
    copy.payload = escaped;
    inner_->format(copy, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonMessageFormatter>();
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

void set_up_logging(const std::string& format, const std::string& level) {
  auto logger = spdlog::stderr_color_mt("lvtlab");
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonMessageFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

// A replica's name among replicas, unless given: 16 random hex digits.
std::string random_instance_id() {
  unsigned char bytes[8];
  system_env().fill_random(bytes, sizeof bytes);
  std::string id;
  for (const unsigned char byte : bytes) {
    constexpr char digits[] = "0123456789abcdef";
    id += digits[byte >> 4];
    id += digits[byte & 15];
  }
  return id;
}

int run_serve(ServeFlags& flags) {
  set_up_logging(flags.log_format, flags.log_level);
  ServerOptions& options = flags.options;
  std::string host, problem;
  parse_listen(flags.listen, host, options.port);  // checked when the flags were parsed
  options.address = resolve_host(host, problem);
  if (options.address.empty()) {
    std::fprintf(stderr, "lvtlab serve: %s\n", problem.c_str());
    return exit_usage;
  }
  // The name typed in --listen is one the server answers to (the address's own are added by the
  // server, with localhost on loopback).
  if (std::string name =
          request_checks::host_name(host.find(':') != std::string::npos ? "[" + host + "]" : host);
      !name.empty()) {
    options.engine.allowed_hosts.push_back(name);
  }
  options.engine.group_mode = flags.group_mode == "global" ? GroupMode::global : GroupMode::cookie;
  options.engine.dispatch_policy =
      flags.dispatch_policy == "coalesce" ? DispatchPolicy::coalesce : DispatchPolicy::drop;
  options.engine.websocket_enabled = !flags.no_websocket;
  // A page's first frame must fit in a client's outbound queue, or no client could open it.
  if (const std::size_t first_frame_bytes_max =
          BroadcastingLimits{flags.apps.log_window}.first_frame_bytes_max();
      first_frame_bytes_max > options.outbound_bytes_max) {
    std::fprintf(stderr,
                 "lvtlab serve: --log-window %zu makes first frames of up to %zu bytes, over "
                 "--outbound-bytes-max %zu; lower the window or raise the bound\n",
                 flags.apps.log_window, first_frame_bytes_max, options.outbound_bytes_max);
    return exit_usage;
  }
  if (!flags.redis_url.empty()) {
    std::string problem;
    options.redis = redis::parse_redis_url(flags.redis_url, &problem);
    if (!options.redis) {
      std::fprintf(stderr, "lvtlab serve: --redis: %s\n", problem.c_str());
      return exit_usage;
    }
    options.engine.replica.heal = flags.heal == "on";
    options.engine.replica.instance_id =
        flags.instance_id.empty() ? random_instance_id() : flags.instance_id;
  }
  options.register_pages = [apps = flags.apps](Engine& engine) { add_demo_apps(engine, apps); };
  std::unique_ptr<Server> server;
  try {
    server = std::make_unique<Server>(options, system_env());
  } catch (const boost::system::system_error& error) {
    const std::string where = endpoint_text(options.address, options.port);
    std::fprintf(stderr, "lvtlab serve: %s\n", listen_problem(error, where).c_str());
    return exit_usage;
  } catch (const std::exception& error) {  // the client's files, a planted bug, Redis
    std::fprintf(stderr, "lvtlab serve: %s\n", error.what());
    return exit_usage;
  }
  const std::string replica = options.redis
                                  ? ", replica " + options.engine.replica.instance_id +
                                        " of Redis " + flags.redis_url + ", heal " + flags.heal
                                  : "";
  std::printf("lvtlab serving on http://%s/ (group mode %s, dispatch policy %s%s); Ctrl-C stops\n",
              endpoint_text(options.address, server->port()).c_str(), flags.group_mode.c_str(),
              flags.dispatch_policy.c_str(), replica.c_str());
  std::fflush(stdout);
  try {
    server->run(/*handle_signals=*/true);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "lvtlab serve: %s\n", error.what());
    return exit_usage;
  }
  spdlog::info("stopped");
  return exit_held;
}

// 0 (the client's default) or from 1000 ms: the client does not ping more often.
CLI::Validator heartbeat_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        unsigned value = 0;
        if (text == "0" || (parse_whole(text, value) && value >= 1000 && value <= 3'600'000)) {
          return {};
        }
        return "wants 0 (the client's default) or a whole number of milliseconds from 1000 to "
               "3600000, got '" +
               text + "'";
      },
      "0 or 1000 to 3600000");
}

}  // namespace

std::function<int()> add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  flags->options.client_dir = LVT_DEFAULT_CLIENT_DIR;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve the Broadcasting (/realtime/broadcasting) and Reconnection (/realtime/reconnection) "
      "pages to the official livetemplate browser client.");
  serve
      ->add_option("--listen", flags->listen,
                   "Address (or host name, e.g. localhost) and port to listen on (port 0: any "
                   "free)")
      ->check(listen_syntax())
      ->capture_default_str();
  serve
      ->add_option("--group-mode", flags->group_mode,
                   "cookie: a session group per browser (livetemplate-id cookie); "
                   "global: one group for every visitor")
      ->check(CLI::IsMember({"cookie", "global"}))
      ->capture_default_str();
  serve
      ->add_option("--dispatch-policy", flags->dispatch_policy,
                   "When a recipient's dispatch queue is full: drop (livetemplate) or coalesce "
                   "(an equal refresh already waiting absorbs the new one)")
      ->check(CLI::IsMember({"drop", "coalesce"}))
      ->capture_default_str();
  serve
      ->add_option("--threads", flags->options.threads,
                   "Threads, each running its own share of the connections")
      ->check(whole_in(1u, 256u))
      ->capture_default_str();
  serve->add_option("--allowed-origin", flags->options.engine.allowed_origins,
                    "Another Origin allowed to open WebSockets (repeatable); the page's own "
                    "origin always is");
  serve
      ->add_option("--allowed-host", flags->options.engine.allowed_hosts,
                   "Another host name (or address) this server answers to, besides the listen "
                   "address's (and localhost on loopback); other Hosts get 421 (repeatable)")
      ->transform(host_name_check());
  serve->add_option("--log-format", flags->log_format, "Log lines as text or JSON (stderr)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_option("--log-level", flags->log_level, "debug, info or warn")
      ->check(CLI::IsMember({"debug", "info", "warn"}))
      ->capture_default_str();
  serve
      ->add_option("--heartbeat-ms", flags->options.engine.heartbeat_ms,
                   "Client ping interval set on the pages (0: the client's default; else >= 1000)")
      ->check(heartbeat_check());
  serve
      ->add_option("--dispatch-queue", flags->options.engine.dispatch_queue_jobs_max,
                   "Broadcasts waiting per recipient (livetemplate: 16)")
      ->check(whole_in(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--frame-bytes-max", flags->options.engine.frame_bytes_max,
                   "Largest WebSocket frame accepted; larger ones close with 1009")
      ->check(whole_in(std::size_t{256}, std::size_t{16 << 20}))
      ->capture_default_str();
  serve
      ->add_option("--log-messages-max", flags->apps.log_messages_max,
                   "Newest messages the shared log keeps; the oldest go first")
      ->check(whole_in(std::size_t{1}, std::size_t{100'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--log-window", flags->apps.log_window,
                   "Newest messages a Broadcasting page shows; 'Older messages' pages back "
                   "(0: the whole log, as livetemplate's example)")
      ->check(whole_in(std::size_t{0}, std::size_t{100'000}))
      ->capture_default_str();
  serve
      ->add_option("--outbound-frames-max", flags->options.outbound_frames_max,
                   "Frames queued for one client before it is cut off as a slow reader")
      ->check(whole_in(std::size_t{4}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--outbound-bytes-max", flags->options.outbound_bytes_max,
                   "Bytes queued for one client before it is cut off as a slow reader")
      ->check(whole_in(std::size_t{4096}, std::size_t{1} << 32))
      ->capture_default_str();
  serve
      ->add_option("--socket-send-buffer-bytes", flags->options.socket_send_buffer_bytes,
                   "SO_SNDBUF of each client's socket (the kernel doubles it; 0: the kernel's "
                   "own, megabytes on loopback, which a client that stops reading fills before "
                   "the outbound bounds are reached)")
      ->check(whole_in(std::size_t{0}, std::size_t{64} << 20))
      ->capture_default_str();
  serve
      ->add_option("--write-delay-ms", flags->options.write_delay_ms,
                   "Hold the broadcasts to each client up to this long and write them together "
                   "(fewer system calls for later deliveries, worth it when clients get many "
                   "broadcasts a second; answers to a client's own actions are not held; 0: "
                   "write at once)")
      ->check(whole_in(0u, 1000u))
      ->capture_default_str();
  serve
      ->add_option("--actions-per-second", flags->options.engine.actions_per_second,
                   "Sustained actions per connection; beyond the burst they are refused")
      ->check(number_in(0.1, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--actions-burst", flags->options.engine.actions_burst,
                   "Actions a connection may send at once")
      ->check(number_in(1.0, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--redis", flags->redis_url,
                   "Be one of several replicas: the message log and broadcasts between replicas "
                   "live in this Redis (redis://HOST:PORT[/DB], HOST an IP address)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            std::string problem;
            return redis::parse_redis_url(text, &problem) ? std::string() : problem;
          },
          "redis://HOST:PORT[/DB]"));
  serve->add_option("--instance-id", flags->instance_id,
                    "This replica's name among replicas, in its broadcasts (default: random)");
  serve
      ->add_option("--heal", flags->heal,
                   "With --redis, after a link to Redis comes back: on refreshes every local tab "
                   "from the log; off keeps livetemplate's behaviour (tabs that missed a "
                   "broadcast stay stale until the next)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  serve->add_flag("--no-websocket", flags->no_websocket,
                  "Announce WebSockets as disabled, so clients use the HTTP fallback");
  serve
      ->add_option("--client-dir", flags->options.client_dir,
                   "The installed @livetemplate/client package (its files are served)")
      ->capture_default_str();
  return [flags] { return run_serve(*flags); };
}

}  // namespace lvt::cli
