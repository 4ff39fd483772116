// What the engine logs: the lines `lvtlab serve --log-level debug` (or info) writes for an
// operator, with the counts and names they carry.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::LogCapture;
using testing::TestEngine;

constexpr std::string_view page = "/realtime/broadcasting";

struct LoggedPair {
  std::shared_ptr<LogCapture> log = std::make_shared<LogCapture>();
  TestEngine t;
  std::shared_ptr<Connection> alice, bob;  // connections 1 and 2, one group

  explicit LoggedPair(EngineConfig config = {}) : t(std::move(config), {}, log) {
    alice = t.connect(cookie_for(1));
    bob = t.connect(cookie_for(1));
    t.act(*alice, "join", {{"username", "Alice"}});
  }
  // The fan-out line of a send from Alice: the group is shown by its first 8 characters.
  static std::string fan_out_line(std::string_view counts) {
    return "broadcast newmessage from connection 1 on " + std::string(page) +
           " (group baAAAAAA): " + std::string(counts);
  }
};

TEST(EngineLog, AFanOutLineCountsTheQueuedAndTheDropped) {
  EngineConfig config;
  config.dispatch_queue_jobs_max = 2;
  LoggedPair p(config);
  for (int i = 0; i < 3; ++i) p.t.act(*p.alice, "send", {{"text", "m" + std::to_string(i)}});
  EXPECT_EQ(p.bob->dispatch_jobs_waiting(), 2u);
  const auto queued = LoggedPair::fan_out_line("1 queued, 0 dropped, 0 coalesced, 0 closed");
  const auto dropped = LoggedPair::fan_out_line("0 queued, 1 dropped, 0 coalesced, 0 closed");
  EXPECT_EQ(
      std::count(p.log->lines.begin(), p.log->lines.end(), std::pair(LogLevel::debug, queued)), 2);
  EXPECT_TRUE(p.log->has(LogLevel::debug, dropped));
}

TEST(EngineLog, AFanOutLineCountsTheCoalesced) {
  EngineConfig config;
  config.dispatch_policy = DispatchPolicy::coalesce;
  LoggedPair p(config);
  p.t.act(*p.alice, "send", {{"text", "m0"}});
  p.t.act(*p.alice, "send", {{"text", "m1"}});
  EXPECT_TRUE(p.log->has(LogLevel::debug,
                         LoggedPair::fan_out_line("0 queued, 0 dropped, 1 coalesced, 0 closed")));
}

TEST(EngineLog, AMessageThatIsNoActionIsLoggedAtInfoWithItsCode) {
  LoggedPair p;
  p.t.engine->receive(*p.bob, "{not json");
  p.t.engine->receive(*p.bob, "[1,2]");
  EXPECT_TRUE(p.log->has(LogLevel::info, "connection 2: invalid_json"));
  EXPECT_TRUE(p.log->has(LogLevel::info, "connection 2: invalid_message"));
}

TEST(EngineLog, AnActionLineSaysItWasUnknownAndADispatchLineWhatWaits) {
  EngineConfig config;
  config.dispatch_queue_jobs_max = 4;
  LoggedPair p(config);
  p.t.act(*p.alice, "fly");
  EXPECT_TRUE(p.log->has(LogLevel::debug, "action fly from connection 1 on " + std::string(page) +
                                              " (group baAAAAAA): unknown action"));
  p.t.act(*p.alice, "send", {{"text", "m0"}});
  p.t.act(*p.alice, "send", {{"text", "m1"}});
  p.t.engine->dispatch(*p.bob);
  EXPECT_TRUE(p.log->has(LogLevel::debug,
                         "dispatch newmessage on connection 2 (group baAAAAAA): ok, 1 waiting"));
}

// The engine builds its debug lines only when they are written: told not to, it writes none.
TEST(EngineLog, NoDebugLineIsWrittenWhenDebugIsOff) {
  auto log = std::make_shared<LogCapture>();
  EngineEnv quiet = testing::test_env(std::make_shared<testing::TestClock>());
  quiet.log = [log](LogLevel level, std::string_view line) {
    log->lines.emplace_back(level, line);
  };
  quiet.logs = [](LogLevel level) { return level != LogLevel::debug; };
  Engine engine({}, quiet);
  const DemoApps apps = add_demo_apps(engine, {});
  auto alice = engine.connect({std::string(page), "h", "", cookie_for(1)}).connection;
  auto bob = engine.connect({std::string(page), "h", "", cookie_for(1)}).connection;
  engine.receive(*alice, R"({"action":"join","data":{"username":"Alice"}})");
  engine.receive(*alice, R"({"action":"send","data":{"text":"hi"}})");
  engine.dispatch(*bob);
  engine.disconnect(*bob);
  EXPECT_TRUE(std::none_of(log->lines.begin(), log->lines.end(),
                           [](const auto& line) { return line.first == LogLevel::debug; }));
}

}  // namespace
}  // namespace lvt
