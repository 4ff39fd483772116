// `lvtlab serve`: the reference server on a real socket.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "server.hpp"
#include "text.hpp"

namespace lvt::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string group_mode = "cookie";
  std::string dispatch_policy = "drop";
  std::string log_format = "text";
  std::string log_level = "info";
  bool no_websocket = false;
  ServerOptions options;
};

// "host:port" or "[v6]:port".
bool parse_listen(const std::string& listen, std::string& address, std::uint16_t& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  address = listen.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  try {
    std::size_t used = 0;
    const unsigned long value = std::stoul(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return true;
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

int run_serve(ServeFlags& flags) {
  set_up_logging(flags.log_format, flags.log_level);
  ServerOptions& options = flags.options;
  if (!parse_listen(flags.listen, options.address, options.port)) {
    std::fprintf(stderr, "lvtlab serve: --listen wants HOST:PORT, got '%s'\n",
                 flags.listen.c_str());
    return 2;
  }
  options.engine.group_mode = flags.group_mode == "global" ? GroupMode::global : GroupMode::cookie;
  options.engine.dispatch_policy =
      flags.dispatch_policy == "coalesce" ? DispatchPolicy::coalesce : DispatchPolicy::drop;
  options.engine.websocket_enabled = !flags.no_websocket;
  try {
    Server server(options, system_env());
    const std::string host = options.address.find(':') != std::string::npos
                                 ? "[" + options.address + "]"
                                 : options.address;
    std::printf(
        "lvtlab serving on http://%s:%u/ (group mode %s, dispatch policy %s); "
        "Ctrl-C stops\n",
        host.c_str(), server.port(), flags.group_mode.c_str(), flags.dispatch_policy.c_str());
    std::fflush(stdout);
    server.run(/*handle_signals=*/true);
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "lvtlab serve: %s\n", error.what());
    return 1;
  }
}

}  // namespace

std::function<int()> add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  flags->options.client_dir = LVT_DEFAULT_CLIENT_DIR;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve the Broadcasting (/realtime/broadcasting) and Reconnection (/realtime/reconnection) "
      "pages to the official livetemplate browser client.");
  serve->add_option("--listen", flags->listen, "Address and port to listen on (port 0: any free)")
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
  serve->add_option("--threads", flags->options.threads, "Threads in the Asio pool")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  serve->add_option("--allowed-origin", flags->options.engine.allowed_origins,
                    "Another Origin allowed to open WebSockets (repeatable); the page's own "
                    "origin always is");
  serve->add_option("--log-format", flags->log_format, "Log lines as text or JSON (stderr)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_option("--log-level", flags->log_level, "debug, info or warn")
      ->check(CLI::IsMember({"debug", "info", "warn"}))
      ->capture_default_str();
  serve
      ->add_option("--heartbeat-ms", flags->options.engine.heartbeat_ms,
                   "Client ping interval set on the pages (0: the client's default; else >= 1000)")
      ->check(CLI::Range(0u, 3'600'000u));
  serve
      ->add_option("--dispatch-queue", flags->options.engine.dispatch_queue_jobs_max,
                   "Broadcasts waiting per recipient (livetemplate: 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--frame-bytes-max", flags->options.engine.frame_bytes_max,
                   "Largest WebSocket frame accepted; larger ones close with 1009")
      ->check(CLI::Range(std::size_t{256}, std::size_t{16 << 20}))
      ->capture_default_str();
  serve
      ->add_option("--log-messages-max", flags->options.engine.log_messages_max,
                   "Messages the shared log holds; a send beyond is refused")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--outbound-frames-max", flags->options.outbound_frames_max,
                   "Frames queued for one client before it is cut off as a slow reader")
      ->check(CLI::Range(std::size_t{4}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      ->add_option("--outbound-bytes-max", flags->options.outbound_bytes_max,
                   "Bytes queued for one client before it is cut off as a slow reader")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 32))
      ->capture_default_str();
  serve
      ->add_option("--actions-per-second", flags->options.engine.actions_per_second,
                   "Sustained actions per connection; beyond the burst they are refused")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--actions-burst", flags->options.engine.actions_burst,
                   "Actions a connection may send at once")
      ->check(CLI::Range(1.0, 1e6))
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
