// The engine's costs: a peer's NewMessage at several log lengths, the wire bytes of one
// appended message, fan-out of one send, and memory per connection.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "broadcasting_page.hpp"
#include "test_engine.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

void fill(MessageLog& log, std::size_t messages) {
  for (std::size_t i = 0; i < messages; ++i) {
    log.append("user" + std::to_string(i % 7), "message number " + std::to_string(i));
  }
}

// A peer's NewMessage when one message was appended: refresh the view from the shared log,
// render, diff against the tree the peer holds, and encode the frame.
void BM_PeerNewMessage(benchmark::State& state) {
  const auto log_length = static_cast<std::size_t>(state.range(0));
  auto log = std::make_shared<MessageLog>(log_length);
  BroadcastingPage page(log, GroupMode::cookie);  // the page encodes each message as appended
  fill(*log, log_length - 1);
  auto peer = page.make_state();
  static_cast<BroadcastingState&>(*peer).username = "Bob";
  page.mount(*peer, nlohmann::json::object());
  const tree::Node held = page.render(*peer);
  const auto held_window = static_cast<BroadcastingState&>(*peer).shown;
  log->append("Alice", "the new message");
  const nlohmann::json no_data = nlohmann::json::object();
  const std::string refresh = canonical_action("NewMessage");
  std::size_t frame_bytes = 0;
  for (auto _ : state) {
    static_cast<BroadcastingState&>(*peer).shown = held_window;
    ActionContext context(no_data, /*running_as_broadcast=*/true);
    page.act(*peer, refresh, context);
    const tree::Node now = page.render(*peer);
    std::string frame = "{\"tree\":";
    wire::append_diff(frame, held, now);
    frame += ",\"meta\":{\"success\":true,\"errors\":null}}";
    frame_bytes = frame.size();
    benchmark::DoNotOptimize(frame);
  }
  const std::size_t id_digits = std::to_string(log_length).size();
  state.counters["frame_bytes"] = static_cast<double>(frame_bytes);
  // Ids are log positions, so only their digits may grow with the log.
  state.counters["frame_bytes_less_id"] = static_cast<double>(frame_bytes - id_digits);
}
BENCHMARK(BM_PeerNewMessage)->Arg(10)->Arg(1'000)->Arg(100'000);

// One send in a group of N peers: the sender's action, the fan-out, and every peer's
// NewMessage, through the engine.
void BM_FanOut(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  testing::TestEngine t(testing::unlimited_rate_config(), DemoAppsConfig{50'000'000});
  const std::string cookie = testing::cookie_for(1);
  auto sender = t.connect(cookie);
  t.act(*sender, "join", {{"username", "Alice"}});
  std::vector<std::shared_ptr<Connection>> group;
  for (std::size_t i = 0; i < peers; ++i) group.push_back(t.connect(cookie));
  const std::string send = R"({"action":"send","data":{"text":"hello, everyone"}})";
  std::size_t frames = 0;
  for (auto _ : state) {
    Effects sent = t.engine->receive(*sender, send);
    for (const auto& peer : sent.wake) {
      Effects update = t.engine->dispatch(*peer);
      frames += update.frames.size();
      benchmark::DoNotOptimize(update);
    }
  }
  state.counters["peer_frames"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
}
BENCHMARK(BM_FanOut)->Arg(1)->Arg(100)->Arg(10'000)->Unit(benchmark::kMicrosecond);

// Heap bytes taken by 10,000 joined connections (100 groups) over a 10,000-message log,
// beyond the log itself.
void BM_MemoryPerConnection(benchmark::State& state) {
  constexpr std::size_t connections = 10'000;
  constexpr std::size_t log_messages = 10'000;
  double bytes_beyond_log = 0;
  for (auto _ : state) {
    testing::TestEngine t(testing::unlimited_rate_config());
    auto writer = t.connect(testing::cookie_for(0));
    t.act(*writer, "join", {{"username", "writer"}});
    for (std::size_t i = 0; i < log_messages; ++i) {
      t.act(*writer, "send", {{"text", "message number " + std::to_string(i)}});
    }
    t.drain(*writer);
    const std::size_t before = mallinfo2().uordblks;
    std::vector<std::shared_ptr<Connection>> open;
    open.reserve(connections);
    for (std::size_t i = 0; i < connections; ++i) {
      open.push_back(t.connect(testing::cookie_for(static_cast<int>(i % 100))));
      t.act(*open.back(), "join", {{"username", "tab" + std::to_string(i)}});
    }
    bytes_beyond_log = static_cast<double>(mallinfo2().uordblks - before);
  }
  state.counters["MiB_for_10k_connections"] = bytes_beyond_log / (1024.0 * 1024.0);
  state.counters["bytes_per_connection"] = bytes_beyond_log / connections;
}
BENCHMARK(BM_MemoryPerConnection)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lvt
