// `lvtlab load`: real WebSocket clients against a running server on loopback, as a benchmark and
// a black-box checker; prints a progress line and a summary, writes JSON for `lvtlab report`.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "commands.hpp"
#include "load_run.hpp"
#include "run_record.hpp"
#include "validators.hpp"

namespace lvt::cli {
namespace {

struct LoadFlags {
  load::LoadConfig config;
  std::vector<std::string> urls = {"http://127.0.0.1:8080/realtime/broadcasting"};
  std::string results = "build/load-results.json";
  std::string group_mode = "cookie";
  std::string protocol = "plain";
  bool allow_loss = false;
};

// http://HOST:PORT/PATH on a loopback address: lvtlab load sends no traffic anywhere else.
std::optional<std::string> read_url(const std::string& url, load::LoadConfig& config, bool first) {
  std::string rest = url;
  for (const char* scheme : {"http://", "ws://"}) {
    if (rest.starts_with(scheme)) rest = rest.substr(std::string(scheme).size());
  }
  if (rest.size() == url.size()) return "--url wants http://HOST:PORT/PATH, got '" + url + "'";
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string path =
      slash == std::string::npos ? "/realtime/broadcasting" : rest.substr(slash);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return "--url names no port: '" + url + "'";
  std::string host = authority.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  if (error)
    return "--url wants a loopback address (127.0.0.1, ::1, localhost), got '" + host + "'";
  if (!address.is_loopback()) {
    return "--url " + host + " is not a loopback address: lvtlab load only loads this machine";
  }
  int port = 0;
  if (!parse_whole(authority.substr(colon + 1), port) || port < 1 || port > 65535)
    return "--url wants a port from 1 to 65535: '" + url + "'";
  if (first) {
    config.host = address.to_string();
    config.path = path;
    config.ports.clear();
  } else if (address.to_string() != config.host || path != config.path) {
    return "every --url must name the first's host and path (replicas of one server), got '" + url +
           "'";
  }
  config.ports.push_back(static_cast<std::uint16_t>(port));
  return std::nullopt;
}

int run(LoadFlags& flags) {
  for (std::size_t i = 0; i < flags.urls.size(); ++i) {
    if (const auto problem = read_url(flags.urls[i], flags.config, i == 0)) {
      std::fprintf(stderr, "lvtlab load: %s\n", problem->c_str());
      return exit_usage;
    }
  }
  flags.config.server_global = flags.group_mode == "global";
  flags.config.protocol =
      flags.protocol == "socketio" ? load::Protocol::socketio : load::Protocol::plain;
  flags.config.expect_no_loss = !flags.allow_loss;
  if (flags.config.senders_per_group * flags.config.groups + flags.config.stalled_readers >
      flags.config.connections) {
    std::fprintf(stderr,
                 "lvtlab load: %zu groups of %zu senders and %zu stalled readers need more than "
                 "%zu connections\n",
                 flags.config.groups, flags.config.senders_per_group, flags.config.stalled_readers,
                 flags.config.connections);
    return exit_usage;
  }
  std::ofstream probe(flags.results, std::ios::app);
  if (!probe) {
    std::fprintf(stderr, "lvtlab load: cannot write --results %s\n", flags.results.c_str());
    return exit_usage;
  }
  probe.close();
  flags.config.progress = [](const std::string& line) {
    std::fprintf(stderr, "\r%-110s", line.c_str());
    std::fflush(stderr);
  };
  const load::LoadOutcome outcome = load::run_load(flags.config);
  std::fprintf(stderr, "\n");
  if (!outcome.connected) {
    std::fprintf(stderr, "lvtlab load: %s (is `lvtlab serve` listening at %s?)\n",
                 outcome.error.c_str(), flags.urls.front().c_str());
    return exit_usage;
  }
  const nlohmann::json& r = outcome.results;
  nlohmann::json results = run_record("load");
  results["verdict"] = outcome.invariants_held ? "held" : "failed";
  results["url"] = flags.urls.front();
  results["urls"] = flags.urls;
  results["protocol"] = flags.protocol;
  results.update(r);
  results["duration_s"] = seconds_since_invocation();
  std::ofstream out(flags.results);
  out << results.dump(2) << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "lvtlab load: cannot write %s\n", flags.results.c_str());
    return exit_usage;
  }
  const auto& latency = r["delivery_latency_ms"];
  std::printf(
      "%zu connections in %zu groups: %.0f upgrades/s\n"
      "sends: %llu made of %llu offered, %llu accepted, %llu refused\n"
      "deliveries: %llu (%.0f/s, %.0f/s offered); latency ms p50 %.2f p90 %.2f p99 %.2f p99.9 "
      "%.2f max %.2f; last peer p99 %.2f; sender's answer p99 %.2f\n",
      r["connections"].get<std::size_t>(), r["groups"].get<std::size_t>(),
      r["upgrades_per_s"].get<double>(), r["sends"]["made"].get<unsigned long long>(),
      r["sends"]["offered"].get<unsigned long long>(),
      r["sends"]["accepted"].get<unsigned long long>(),
      r["sends"]["refused"].get<unsigned long long>(), r["deliveries"].get<unsigned long long>(),
      r["deliveries_per_s"].get<double>(), r["deliveries_offered_per_s"].get<double>(),
      latency["p50"].get<double>(), latency["p90"].get<double>(), latency["p99"].get<double>(),
      latency["p999"].get<double>(), latency["max"].get<double>(),
      r["last_peer_latency_ms"]["p99"].get<double>(), r["answer_latency_ms"]["p99"].get<double>());
  if (!r["server"].is_null()) {
    std::printf("server: %.2f µs CPU per delivery, %.1f KB RSS per connection\n",
                r["server"]["cpu_us_per_delivery"].get<double>(),
                r["server"]["rss_bytes_per_connection"].get<double>() / 1024);
  }
  if (const auto& stalled = r["stalled_readers"]; stalled["count"].get<std::size_t>() > 0) {
    std::printf(
        "stalled readers: %zu of %zu cut by the server (%llu bytes were buffered for them)\n",
        stalled["cut"].get<std::size_t>(), stalled["count"].get<std::size_t>(),
        stalled["bytes_buffered"].get<unsigned long long>());
  }
  std::printf("load generator: %.2f µs CPU per delivery\n",
              r["load_generator"]["cpu_us_per_delivery"].get<double>());
  std::printf("results: %s\n", flags.results.c_str());
  if (outcome.invariants_held) {
    std::printf("held: in order, once, no gap, no own broadcast%s\n",
                flags.allow_loss ? "" : ", nothing lost");
    return exit_held;
  }
  std::printf("FAILED: %s\n", r["violations"].dump().c_str());
  for (const auto& example : r["violation_examples"])
    std::printf("  %s: %s\n", example["kind"].get<std::string>().c_str(),
                example["detail"].get<std::string>().c_str());
  return exit_failed;
}

}  // namespace

std::function<int()> add_load_command(CLI::App& app) {
  auto flags = std::make_shared<LoadFlags>();
  load::LoadConfig& c = flags->config;
  CLI::App* load = app.add_subcommand(
      "load",
      "Open many real WebSocket connections to a running `lvtlab serve` on loopback, join them in "
      "session groups, send at a schedule of rates, and check as a black box what every client "
      "is sent: each sender's messages in order, once, with no gap, never its own broadcast, and "
      "(unless --allow-loss) every accepted message at every peer of its group. Measures "
      "deliveries, latency and, with --server-pid, the server's CPU and memory.");
  load->add_option("--url", flags->urls,
                   "The page to load (a loopback address only); repeat it for replicas of one "
                   "server (lvtlab serve --redis): connections are spread over them in turn")
      ->capture_default_str();
  load->add_option("--connections", c.connections, "WebSocket connections")
      ->check(whole_in<std::size_t>(2, 100'000))
      ->capture_default_str();
  load->add_option("--groups", c.groups,
                   "Session groups (a cookie each) the connections are spread over")
      ->check(whole_in<std::size_t>(1, 100'000))
      ->capture_default_str();
  load->add_option("--senders-per-group", c.senders_per_group,
                   "Connections of each group that send (each is held to the server's rate limit, "
                   "50 a second by default: raise it with `serve --actions-per-second`)")
      ->check(whole_in<std::size_t>(1, 1'000))
      ->capture_default_str();
  load->add_option("--rates", c.rates,
                   "Messages per second in total, a step each (e.g. 100,200,400)")
      ->delimiter(',')
      ->check(number_in(0.1, 1e6))
      ->capture_default_str();
  load->add_option("--step-s", c.step_s, "Seconds per rate step")
      ->check(number_in(0.1, 3600))
      ->capture_default_str();
  load->add_option("--drain-s", c.drain_s, "Seconds to wait for the last deliveries")
      ->check(number_in(0, 600))
      ->capture_default_str();
  load->add_option("--group-mode", flags->group_mode, "The server's group mode (cookie or global)")
      ->check(CLI::IsMember({"cookie", "global"}))
      ->capture_default_str();
  load->add_flag("--allow-loss", flags->allow_loss,
                 "The server drops broadcasts when a peer's queue is full (--dispatch-policy drop "
                 "under overload): report loss, do not fail on it");
  load->add_option("--message-bytes", c.message_bytes,
                   "Pad each message's text to this many bytes (0: just its mark, about 40); "
                   "the server's limit is 2,000 characters")
      ->check(whole_in<std::size_t>(0, 2000))
      ->capture_default_str();
  load->add_option("--stalled-readers", c.stalled_readers,
                   "Connections that join and then read nothing (not senders): the server must cut "
                   "them as slow readers and serve the others as before; after the drain they "
                   "read what was buffered to learn whether their stream was ended")
      ->check(whole_in<std::size_t>(0, 10'000))
      ->capture_default_str();
  load->add_option("--protocol", flags->protocol,
                   "How the server speaks: plain (lvtlab's and livetemplate's JSON frames, or a "
                   "relay of them) or socketio (the same JSON as a socket.io \"message\" event; "
                   "--url names the server's socket.io path, e.g. http://127.0.0.1:PORT/socket.io)")
      ->check(CLI::IsMember({"plain", "socketio"}))
      ->capture_default_str();
  load->add_option("--server-pid", c.server_pid,
                   "The server's PID, to read its CPU, memory and switches")
      ->check(whole_in(1, 1 << 22));
  load->add_option("--results", flags->results, "Where to write the JSON results")
      ->capture_default_str();
  return [flags] { return run(*flags); };
}

}  // namespace lvt::cli
