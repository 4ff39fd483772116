// An engine on a virtual clock with deterministic randomness, and helpers to drive it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo_apps.hpp"
#include "engine.hpp"

namespace lvt::testing {

struct TestClock {
  std::uint64_t now_us = 1'000'000;
};

inline EngineEnv test_env(std::shared_ptr<TestClock> clock, std::uint64_t seed = 1) {
  EngineEnv env;
  env.now_us = [clock] { return clock->now_us; };
  auto state = std::make_shared<std::uint64_t>(seed);
  env.fill_random = [state](unsigned char* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      *state = *state * 6364136223846793005ull + 1442695040888963407ull;
      bytes[i] = static_cast<unsigned char>(*state >> 56);
    }
  };
  return env;
}

// An engine config whose rate limit no test or benchmark reaches.
inline EngineConfig unlimited_rate_config() {
  EngineConfig config;
  config.actions_per_second = 1e12;
  config.actions_burst = 1e12;
  return config;
}

// A valid session cookie whose group is named by `n`.
inline std::string cookie_for(int n) {
  std::string id(42, 'A');
  id[0] = static_cast<char>('a' + n % 26);
  id[1] = static_cast<char>('a' + n / 26 % 26);
  return std::string(session_cookie_name) + "=" + id + "A=";
}

// The lines an engine logged, every level written (debug lines included, as under
// `lvtlab serve --log-level debug`).
struct LogCapture {
  std::vector<std::pair<LogLevel, std::string>> lines;

  bool has(LogLevel level, std::string_view line) const {
    return std::find(lines.begin(), lines.end(), std::pair(level, std::string(line))) !=
           lines.end();
  }
};

inline EngineEnv logging_env(EngineEnv env, std::shared_ptr<LogCapture> capture) {
  env.log = [capture](LogLevel level, std::string_view line) {
    capture->lines.emplace_back(level, std::string(line));
  };
  env.logs = [](LogLevel) { return true; };
  return env;
}

struct TestEngine {
  std::shared_ptr<TestClock> clock = std::make_shared<TestClock>();
  std::unique_ptr<Engine> engine;
  DemoApps apps;  // the demo pages, registered as the server registers them

  // With `log`, the engine writes every level into it; without, it logs nothing.
  // `with_env` may add to the environment (a bus's subscription callback, say).
  explicit TestEngine(EngineConfig config = {}, DemoAppsConfig apps_config = {},
                      std::shared_ptr<LogCapture> log = nullptr,
                      const std::function<void(EngineEnv&)>& with_env = nullptr) {
    EngineEnv env = test_env(clock);
    if (log) env = logging_env(std::move(env), std::move(log));
    if (with_env) with_env(env);
    engine = std::make_unique<Engine>(std::move(config), std::move(env));
    apps = add_demo_apps(*engine, apps_config);
  }

  ConnectResult open(const std::string& cookie,
                     const std::string& target = "/realtime/broadcasting") {
    return engine->connect({target, "127.0.0.1:8080", "http://127.0.0.1:8080", cookie});
  }
  std::shared_ptr<Connection> connect(const std::string& cookie,
                                      const std::string& target = "/realtime/broadcasting") {
    return open(cookie, target).connection;
  }
  // A Broadcasting tab that joined as `name`.
  std::shared_ptr<Connection> joined(const std::string& cookie, const std::string& name) {
    auto c = connect(cookie);
    act(*c, "join", {{"username", name}});
    return c;
  }
  Effects act(Connection& c, const std::string& action,
              nlohmann::json data = nlohmann::json::object()) {
    return engine->receive(c, nlohmann::json{{"action", action}, {"data", data}}.dump());
  }
  // Runs every waiting broadcast on `c`; returns the frames it produced.
  std::vector<Frame> drain(Connection& c) {
    std::vector<Frame> frames;
    while (c.dispatch_jobs_waiting() > 0) {
      for (auto& frame : engine->dispatch(c).frames) frames.push_back(std::move(frame));
    }
    return frames;
  }
};

inline nlohmann::json parse(const Frame& frame) {
  return nlohmann::json::parse(frame.text());
}

}  // namespace lvt::testing
