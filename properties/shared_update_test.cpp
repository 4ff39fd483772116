// A peer update encoded once for the connections in one view (Page::shared_view) changes no
// byte: random sessions run on two engines, one that shares encodings (the default) and one
// where every connection diffs its own, and each frame, and each tree a client holds, must be
// the same on both.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "test_engine.hpp"
#include "tree.hpp"

namespace lvt {
namespace {

enum Op {
  open_tab,
  join,
  send,
  older,
  navigate,
  raw_frame,  // a ping, a frame that is not JSON, an unknown action: nothing changes
  dispatch_one,
  dispatch_all,
  close_tab,
};

struct Side {
  testing::TestEngine t;
  std::vector<std::shared_ptr<Connection>> tabs;  // null once closed

  Side(EngineConfig config, DemoAppsConfig apps) : t(std::move(config), apps) {}
};

RC_GTEST_PROP(SharedUpdate, ChangesNoByteOfAnyFrameOrHeldTree, ()) {
  // Without a rate limit, or with one that refuses a tab's actions after its first four (the
  // clock stands still): each is answered and changes nothing.
  EngineConfig config = testing::unlimited_rate_config();
  if (*rc::gen::arbitrary<bool>()) {
    config.actions_per_second = 1;
    config.actions_burst = 4;
  }
  config.dispatch_policy = *rc::gen::element(DispatchPolicy::drop, DispatchPolicy::coalesce);
  config.dispatch_queue_jobs_max = *rc::gen::inRange<std::size_t>(1, 4);
  // Small logs and windows, so that windows slide and "Older messages" pages back.
  const DemoAppsConfig apps{*rc::gen::inRange<std::size_t>(2, 10),
                            *rc::gen::inRange<std::size_t>(0, 4)};
  EngineConfig own_diffs = config;
  own_diffs.share_peer_updates = false;
  Side shared(config, apps), own(own_diffs, apps);
  // Three joined tabs of one browser to start with: a group whose peers share updates.
  for (Side* side : {&shared, &own}) {
    for (int i = 0; i < 3; ++i) {
      side->tabs.push_back(side->t.joined(testing::cookie_for(0), "first" + std::to_string(i)));
    }
  }

  const auto steps_count = *rc::gen::inRange<std::size_t>(10, 120);
  const auto steps = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      steps_count, rc::gen::tuple(rc::gen::weightedElement<int>({{3, open_tab},
                                                                 {2, join},
                                                                 {4, send},
                                                                 {1, older},
                                                                 {1, navigate},
                                                                 {1, raw_frame},
                                                                 {2, dispatch_one},
                                                                 {3, dispatch_all},
                                                                 {1, close_tab}}),
                                  rc::gen::inRange(0, 8), rc::gen::inRange(0, 3)));
  for (const auto& [op, tab_pick, value] : steps) {
    if (op == open_tab) {
      if (shared.tabs.size() >= 8) continue;
      for (Side* side : {&shared, &own}) {
        side->tabs.push_back(side->t.connect(testing::cookie_for(value)));
        // Most tabs join at once, so that most can send; the others watch.
        if (tab_pick % 4 != 0) side->t.act(*side->tabs.back(), "join", {{"username", "new"}});
      }
      continue;
    }
    if (shared.tabs.empty()) continue;
    const std::size_t tab = static_cast<std::size_t>(tab_pick) % shared.tabs.size();
    if (!shared.tabs[tab]) continue;
    std::vector<Frame> frames[2];
    for (int s = 0; s < 2; ++s) {
      Side& side = s == 0 ? shared : own;
      Connection& c = *side.tabs[tab];
      Effects effects;
      switch (op) {
        case join:
          effects = side.t.act(c, "join", {{"username", "tab" + std::to_string(value)}});
          break;
        case send:
          effects = side.t.act(c, "send", {{"text", "message " + std::to_string(value)}});
          break;
        case older:
          effects = side.t.act(c, "older");
          break;
        case navigate:
          effects =
              side.t.engine->receive(c, R"({"action":"__navigate__","data":{"username":"nav)" +
                                            std::to_string(value) + "\"}}");
          break;
        case raw_frame:
          effects = side.t.engine->receive(
              c, std::array{R"({"action":"__ping__"})", "not json", R"({"action":"fly"})"}.at(
                     static_cast<std::size_t>(value)));
          break;
        case dispatch_one:
          effects = side.t.engine->dispatch(c);
          break;
        case dispatch_all:  // every tab's waiting broadcasts, the picked tab's first
          for (std::size_t i = 0; i < side.tabs.size(); ++i) {
            const auto& other = side.tabs[(tab + i) % side.tabs.size()];
            if (!other) continue;
            for (Frame& frame : side.t.drain(*other)) effects.frames.push_back(std::move(frame));
          }
          break;
        case close_tab:
          side.t.engine->disconnect(c);
          side.tabs[tab] = nullptr;
          break;
        default:
          RC_FAIL("no such step");
      }
      frames[s] = std::move(effects.frames);
    }
    RC_ASSERT(frames[0] == frames[1]);  // byte for byte
    for (std::size_t i = 0; i < shared.tabs.size(); ++i) {
      if (!shared.tabs[i]) continue;
      const std::string held = tree::to_html(shared.t.engine->sent_tree(*shared.tabs[i]));
      RC_ASSERT(held == tree::to_html(own.t.engine->sent_tree(*own.tabs[i])));
      // What a client holds is its page as the state renders it now, once it took its frames.
      if (shared.tabs[i]->dispatch_jobs_waiting() == 0) {
        RC_ASSERT(held == shared.t.engine->render_html(*shared.tabs[i]));
      }
    }
  }
  const std::uint64_t shared_frames = shared.t.engine->metrics().peer_frames_shared.load();
  RC_ASSERT(own.t.engine->metrics().peer_frames_shared.load() == 0u);
  RC_TAG(shared_frames > 0 ? "some updates shared" : "none shared");
}

}  // namespace
}  // namespace lvt
