// libFuzzer target of the engine's input path: what any client may send, as bytes. The first
// byte picks the path: WebSocket frames (one a line) on a connection of each page, with the
// broadcasts they cause run on the peers; an HTTP request (a request line, headers, a blank line,
// a body); or the request checks of the transport (Host, Referer, Sec-WebSocket-Key). Every
// answer must be what a client can read: frames that are JSON, statuses that are HTTP's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo_apps.hpp"
#include "engine.hpp"
#include "request_checks.hpp"

namespace {

using lvt::Effects;
using lvt::Frame;

void require(bool holds) {
  if (!holds) std::abort();  // libFuzzer reports the input
}

lvt::EngineEnv fuzz_env() {
  lvt::EngineEnv env;
  env.now_us = [] { return std::uint64_t{1'000'000}; };
  env.fill_random = [](unsigned char* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
  };
  return env;
}

std::vector<std::string_view> lines(std::string_view text, std::size_t max) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < max) {
    const std::size_t end = text.find('\n');
    out.push_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return out;
}

void check_frames(const Effects& effects) {
  for (const Frame& frame : effects.frames) require(nlohmann::json::accept(frame.text()));
  if (effects.close) require(effects.close->first >= 1000 && effects.close->first < 5000);
}

void frames(std::string_view input) {
  lvt::EngineConfig config;
  config.allowed_hosts = {"fuzz"};
  lvt::Engine engine(config, fuzz_env());
  lvt::add_demo_apps(engine, {8, 3});  // a small ring and window: eviction and paging
  const std::string cookie =
      std::string(lvt::session_cookie_name) + "=" + std::string(43, 'A') + "=";
  std::vector<std::shared_ptr<lvt::Connection>> connections;
  for (const char* path : {"/realtime/broadcasting", "/realtime/reconnection", "/realtime/tasks"}) {
    for (int copy = 0; copy < 2; ++copy) {
      lvt::ConnectResult opened = engine.connect({path, "fuzz", "http://fuzz", cookie});
      require(opened.connection != nullptr && nlohmann::json::accept(opened.first_frame));
      connections.push_back(opened.connection);
    }
  }
  std::size_t next = 0;
  for (const std::string_view frame : lines(input, 64)) {
    lvt::Connection& sender = *connections[next++ % connections.size()];
    const Effects effects = engine.receive(sender, frame);
    check_frames(effects);
    for (const auto& peer : effects.wake) {
      while (peer->dispatch_jobs_waiting() > 0) check_frames(engine.dispatch(*peer));
    }
  }
  for (const auto& connection : connections) engine.disconnect(*connection);
  require(engine.metrics().connections.load() == 0);
}

void http(std::string_view input) {
  lvt::EngineConfig config;
  config.allowed_hosts = {"fuzz"};
  lvt::Engine engine(config, fuzz_env());
  lvt::add_demo_apps(engine, {8, 3});
  const std::size_t head_end = input.find("\n\n");
  const std::vector<std::string_view> head = lines(input.substr(0, head_end), 32);
  lvt::HttpRequest request{"GET", "/", "fuzz", "", "", "", ""};
  if (!head.empty()) {
    const std::size_t space = head[0].find(' ');
    request.method = std::string(head[0].substr(0, space));
    if (space != std::string_view::npos) request.target = std::string(head[0].substr(space + 1));
  }
  for (std::size_t i = 1; i < head.size(); ++i) {
    const std::size_t colon = head[i].find(": ");
    if (colon == std::string_view::npos) continue;
    const std::string_view name = head[i].substr(0, colon), value = head[i].substr(colon + 2);
    if (name == "Host") request.host = value;
    if (name == "Cookie") request.cookie = value;
    if (name == "Accept") request.accept = value;
    if (name == "Content-Type") request.content_type = value;
    if (name == "Origin") request.origin = value;
    if (name == "Referer") request.referer = value;
  }
  if (head_end != std::string_view::npos) request.body = input.substr(head_end + 2);
  const lvt::HttpResponse response = engine.handle_http(request);
  require(response.status >= 200 && response.status < 600);
  if (response.content_type == "application/json") require(nlohmann::json::accept(response.body));
}

void request_checks(std::string_view input) {
  const std::string name = lvt::request_checks::host_name(input);
  require(name.find_first_of(" \r\n") == std::string::npos);
  (void)lvt::request_checks::referer_origin(input);
  if (lvt::request_checks::is_valid_websocket_key(input)) require(input.size() == 24);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      frames(input);
      break;
    case 1:
      http(input);
      break;
    default:
      request_checks(input);
  }
  return 0;
}
