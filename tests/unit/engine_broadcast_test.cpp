// The broadcast rules of livetemplate's BroadcastAction, and the Broadcasting page on top.
#include <gtest/gtest.h>

#include "broadcasting_page.hpp"
#include "limits.hpp"
#include "planted.hpp"
#include "test_engine.hpp"
#include "url.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::parse;
using testing::TestEngine;

TEST(Broadcast, ReachesEveryOtherConnectionOfTheGroupButNeverTheSender) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  auto carol = t.joined(cookie_for(1), "Carol");
  Effects sent = t.act(*alice, "send", {{"text", "hi"}});
  ASSERT_EQ(sent.frames.size(), 1u);
  const auto reply = parse(sent.frames[0]);
  EXPECT_EQ(reply["meta"]["action"], "send");
  EXPECT_EQ(reply["meta"]["success"], true);
  EXPECT_TRUE(reply["meta"]["errors"].is_object());
  ASSERT_EQ(sent.wake.size(), 2u);
  EXPECT_EQ(alice->dispatch_jobs_waiting(), 0u);
  for (auto* peer : {bob.get(), carol.get()}) {
    const auto frames = t.drain(*peer);
    ASSERT_EQ(frames.size(), 1u);
    const auto update = parse(frames[0]);
    EXPECT_TRUE(update["meta"]["errors"].is_null());
    EXPECT_FALSE(update["meta"].contains("action"));
    EXPECT_NE(t.engine->render_html(*peer).find("<strong>Alice:</strong> hi"), std::string::npos);
  }
  EXPECT_EQ(t.engine->metrics().broadcasts_delivered.load(), 2u);
}

TEST(Broadcast, NeverCrossesSessionGroupsInCookieMode) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto stranger = t.joined(cookie_for(2), "Eve");
  EXPECT_TRUE(t.act(*alice, "send", {{"text", "hi"}}).wake.empty());
  EXPECT_EQ(stranger->dispatch_jobs_waiting(), 0u);
  // The log is shared, so the stranger sees the message on its next Mount, not by broadcast.
  EXPECT_NE(t.engine->render_html(*t.connect(cookie_for(2))).find("hi"), std::string::npos);
}

TEST(Broadcast, ReachesEveryVisitorInGlobalMode) {
  EngineConfig config;
  config.group_mode = GroupMode::global;
  TestEngine t(config);
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(2), "Bob");
  EXPECT_EQ(t.act(*alice, "send", {{"text", "hi"}}).wake.size(), 1u);
  EXPECT_EQ(t.drain(*bob).size(), 1u);
}

TEST(Broadcast, RunsOnlyAfterSuccess) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  const Effects failed = t.act(*alice, "send", {{"text", std::string(2001, 'x')}});
  EXPECT_EQ(parse(failed.frames.at(0))["meta"]["success"], false);
  EXPECT_EQ(parse(failed.frames.at(0))["meta"]["errors"]["text"],
            "Message must be at most 2000 characters");
  EXPECT_TRUE(failed.wake.empty());
  EXPECT_EQ(bob->dispatch_jobs_waiting(), 0u);
  EXPECT_EQ(t.apps.log->snapshot(), 0u);
}

TEST(Broadcast, EmptySendAndSendBeforeJoinChangeNothing) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto lurker = t.connect(cookie_for(1));
  EXPECT_EQ(parse(t.act(*alice, "send", {{"text", "   "}}).frames.at(0))["tree"],
            nlohmann::json::object());
  EXPECT_EQ(parse(t.act(*lurker, "send", {{"text", "hi"}}).frames.at(0))["tree"],
            nlohmann::json::object());
  EXPECT_EQ(parse(t.act(*lurker, "join", {{"username", " "}}).frames.at(0))["tree"],
            nlohmann::json::object());
  EXPECT_EQ(t.apps.log->snapshot(), 0u);
}

TEST(Broadcast, FromHttpReachesEveryWebSocketOfTheGroup) {
  TestEngine t;
  auto a = t.connect(cookie_for(1));
  auto b = t.connect(cookie_for(1));
  HttpRequest post{"POST",
                   "/realtime/broadcasting?username=Zed",
                   "127.0.0.1:8080",
                   cookie_for(1),
                   "application/json",
                   "application/json",
                   R"({"action":"send","data":{"text":"over http"}})"};
  const HttpResponse response = t.engine->handle_http(post);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.wake.size(), 2u);
  EXPECT_EQ(t.drain(*a).size(), 1u);
  EXPECT_EQ(t.drain(*b).size(), 1u);
  EXPECT_NE(t.engine->render_html(*a).find("Zed"), std::string::npos);
}

TEST(DispatchQueue, DropPolicyDropsBeyondSixteenWaiting) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  for (int i = 0; i < 20; ++i) t.act(*alice, "send", {{"text", "m" + std::to_string(i)}});
  EXPECT_EQ(bob->dispatch_jobs_waiting(), 16u);
  EXPECT_EQ(t.engine->metrics().broadcasts_dropped.load(), 4u);
  EXPECT_EQ(t.drain(*bob).size(), 16u);
  // Each NewMessage re-reads the whole log, so here the drops cost nothing visible.
  EXPECT_NE(t.engine->render_html(*bob).find("m19"), std::string::npos);
}

TEST(DispatchQueue, CoalescePolicyKeepsOneWaitingRefresh) {
  EngineConfig config;
  config.dispatch_policy = DispatchPolicy::coalesce;
  TestEngine t(config);
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  std::size_t wakes = 0;
  for (int i = 0; i < 20; ++i)
    wakes += t.act(*alice, "send", {{"text", "m" + std::to_string(i)}}).wake.size();
  EXPECT_EQ(wakes, 1u);
  EXPECT_EQ(bob->dispatch_jobs_waiting(), 1u);
  EXPECT_EQ(t.engine->metrics().broadcasts_coalesced.load(), 19u);
  EXPECT_EQ(t.engine->metrics().broadcasts_dropped.load(), 0u);
  ASSERT_EQ(t.drain(*bob).size(), 1u);
  EXPECT_NE(t.engine->render_html(*bob).find("m19"), std::string::npos);
}

TEST(DispatchQueue, AClosedConnectionTakesNoMoreBroadcasts) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  t.act(*alice, "send", {{"text", "waiting for Bob"}});
  ASSERT_EQ(bob->dispatch_jobs_waiting(), 1u);
  t.engine->disconnect(*bob);
  EXPECT_EQ(bob->dispatch_jobs_waiting(), 0u);  // what waited goes with it
  EXPECT_TRUE(t.act(*alice, "send", {{"text", "hi"}}).wake.empty());
  EXPECT_EQ(t.engine->group_connections("/realtime/broadcasting", bob->group()), 1u);
}

TEST(Username, IsPerConnectionAndEmptyAfterReconnect) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  t.act(*alice, "send", {{"text", "one"}});
  t.drain(*bob);
  EXPECT_NE(t.engine->render_html(*alice).find("Posting as <strong>Alice</strong>"),
            std::string::npos);
  EXPECT_NE(t.engine->render_html(*bob).find("Posting as <strong>Bob</strong>"), std::string::npos);
  t.engine->disconnect(*alice);
  auto again = t.connect(cookie_for(1));
  EXPECT_EQ(t.engine->render_html(*again).find("Posting as"), std::string::npos);
  EXPECT_NE(t.engine->render_html(*again).find("<strong>Alice:</strong> one"), std::string::npos);
}

TEST(Username, OverSixtyFourCharactersIsAFieldError) {
  TestEngine t;
  auto c = t.connect(cookie_for(1));
  const auto reply = parse(t.act(*c, "join", {{"username", std::string(65, 'n')}}).frames.at(0));
  EXPECT_EQ(reply["meta"]["success"], false);
  EXPECT_TRUE(reply["meta"]["errors"].contains("username"));
  EXPECT_EQ(
      parse(
          t.act(*c, "join", {{"username", std::string(64, 'n')}}).frames.at(0))["meta"]["success"],
      true);
}

TEST(Mount, ANewConnectionShowsTheWholeLog) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  for (int i = 0; i < 3; ++i) t.act(*alice, "send", {{"text", "m" + std::to_string(i)}});
  const ConnectResult late = t.open(cookie_for(1));
  const auto first = parse(late.first_frame);
  EXPECT_EQ(first["meta"]["success"], true);
  EXPECT_TRUE(first["meta"]["capabilities"].is_array());
  const std::string html = t.engine->render_html(*late.connection);
  for (int i = 0; i < 3; ++i) EXPECT_NE(html.find("m" + std::to_string(i)), std::string::npos);
}

TEST(Persisted, CounterAndNotesSurviveReconnectPerGroup) {
  TestEngine t;
  const std::string page = "/realtime/reconnection";
  auto first = t.connect(cookie_for(1), page);
  t.act(*first, "increment");
  t.act(*first, "increment");
  t.act(*first, "save_notes", {{"notes", "  keep my spaces "}});
  t.engine->disconnect(*first);
  const std::string again = t.engine->render_html(*t.connect(cookie_for(1), page));
  EXPECT_NE(again.find("Counter: <strong>2</strong>"), std::string::npos);
  EXPECT_NE(again.find(">\n  keep my spaces </textarea>"), std::string::npos);
  const std::string other = t.engine->render_html(*t.connect(cookie_for(2), page));
  EXPECT_NE(other.find("Counter: <strong>0</strong>"), std::string::npos);
}

TEST(Routing, AnyCaseStyleReachesTheAction) {
  TestEngine t;
  auto c = t.connect(cookie_for(1), "/realtime/reconnection");
  for (const char* name : {"increment", "Increment", "INCREMENT"}) t.act(*c, name);
  t.act(*c, "SaveNotes", {{"notes", "a"}});
  t.act(*c, "save-notes", {{"notes", "b"}});
  EXPECT_NE(t.engine->render_html(*c).find("<strong>3</strong>"), std::string::npos);
  EXPECT_NE(t.engine->render_html(*c).find(">\nb</textarea>"), std::string::npos);
}

TEST(Navigate, ReRunsMountWithTheGivenData) {
  TestEngine t;
  auto c = t.connect(cookie_for(1));
  const auto reply = parse(
      t.engine->receive(*c, R"({"action":"__navigate__","data":{"username":"Nav"}})").frames.at(0));
  EXPECT_EQ(reply["meta"]["action"], "__navigate__");
  EXPECT_EQ(reply["meta"]["success"], true);
  EXPECT_NE(t.engine->render_html(*c).find("Posting as <strong>Nav</strong>"), std::string::npos);
}

// Like an action, a navigation saves the connection's persisted fields: the last writer wins.
TEST(Navigate, SavesThePersistedFieldsOfTheConnection) {
  TestEngine t;
  const std::string page = "/realtime/reconnection";
  auto stale = t.connect(cookie_for(1), page);
  auto current = t.connect(cookie_for(1), page);
  t.act(*current, "increment");
  EXPECT_NE(t.engine->render_html(*t.connect(cookie_for(1), page)).find("<strong>1</strong>"),
            std::string::npos);
  t.engine->receive(*stale, R"({"action":"__navigate__","data":{}})");
  EXPECT_NE(t.engine->render_html(*t.connect(cookie_for(1), page)).find("<strong>0</strong>"),
            std::string::npos);
}

// `lvtlab check --plant cross-group-leak` must show a leak, not some other fault: the plant
// sends a broadcast to every group of the page (the sender's own included) and to no other page.
TEST(PlantedBug, CrossGroupLeakReachesEveryGroupOfThePageOnly) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto peer = t.connect(cookie_for(1));
  auto stranger = t.connect(cookie_for(2));
  auto elsewhere = t.connect(cookie_for(1), "/realtime/reconnection");
  active_planted_bug = PlantedBug::cross_group_leak;
  t.act(*alice, "send", {{"text", "hi"}});
  active_planted_bug = PlantedBug::none;
  EXPECT_EQ(peer->dispatch_jobs_waiting(), 1u);
  EXPECT_EQ(stranger->dispatch_jobs_waiting(), 1u);
  EXPECT_EQ(elsewhere->dispatch_jobs_waiting(), 0u);
  EXPECT_EQ(alice->dispatch_jobs_waiting(), 0u);
}

}  // namespace
}  // namespace lvt

namespace lvt {
namespace {

// A page with two refresh broadcasts: coalescing absorbs a refresh only into an equal one
// waiting (same action, same data), never into another kind.
struct TwoRefreshState final : PageState {
  int a = 0, b = 0;
};

class TwoRefreshPage final : public PageOf<TwoRefreshState> {
 public:
  TwoRefreshPage() : PageOf("/test/two-refreshes", "Two refreshes", /*persists=*/false) {
    on("poke", [](TwoRefreshState&, ActionContext& c) {
      c.broadcast("RefreshA");
      c.broadcast("RefreshB");
      c.broadcast("RefreshA");
    });
    on(
        "RefreshA", [](TwoRefreshState& s, ActionContext&) { ++s.a; }, /*refresh=*/true);
    on(
        "RefreshB", [](TwoRefreshState& s, ActionContext&) { ++s.b; }, /*refresh=*/true);
  }

 protected:
  tree::Node render_state(const TwoRefreshState& s) const override {
    static const tree::StaticsRef statics = tree::make_statics({"<p>", " ", "</p>"});
    return tree::Node{statics, {std::to_string(s.a), std::to_string(s.b)}};
  }
};

TEST(DispatchQueue, CoalescingAbsorbsARefreshOnlyIntoAnEqualOne) {
  EngineConfig config;
  config.dispatch_policy = DispatchPolicy::coalesce;
  Engine engine(config, testing::test_env(std::make_shared<testing::TestClock>()));
  engine.add_page(std::make_unique<TwoRefreshPage>());
  const auto open = [&engine] {
    return engine
        .connect({"/test/two-refreshes", "127.0.0.1:8080", "http://127.0.0.1:8080", cookie_for(1)})
        .connection;
  };
  auto poker = open();
  auto peer = open();
  engine.receive(*poker, R"({"action":"poke","data":{}})");
  EXPECT_EQ(peer->dispatch_jobs_waiting(), 2u);  // RefreshA, RefreshB; the second A absorbed
  while (peer->dispatch_jobs_waiting() > 0) engine.dispatch(*peer);
  EXPECT_EQ(engine.render_html(*peer), "<p>1 1</p>");
}

}  // namespace
}  // namespace lvt

namespace lvt {
namespace {

// Issue 14's first finding: a long log (here 6 MB of the longest messages, each of the worst
// characters to encode) no longer grows the first frame past what a client's queue takes.
TEST(BoundedLog, AnyLogOpensWithAFirstFrameUnderItsBound) {
  TestEngine t(testing::unlimited_rate_config());
  auto writer = t.connect(cookie_for(1));
  t.act(*writer, "join", {{"username", std::string(64, '"')}});
  const std::string worst(2000, '"');  // each is &quot; once escaped
  for (int i = 0; i < 3000; ++i) t.act(*writer, "send", {{"text", worst}});
  const ConnectResult late = t.open(cookie_for(2));
  ASSERT_NE(late.connection, nullptr);
  const std::size_t bound = BroadcastingLimits{}.first_frame_bytes_max();
  EXPECT_LE(late.first_frame.size(), bound);
  EXPECT_LE(bound, limits::outbound_bytes_default);
  EXPECT_GT(late.first_frame.size(), 200 * 2000u);  // the window is all there
  // The page shows the newest window: message 2,800 is one "Older messages" away.
  EXPECT_EQ(late.first_frame.find("\"2800\""), std::string::npos);
  EXPECT_NE(late.first_frame.find("\"2801\""), std::string::npos);
}

}  // namespace
}  // namespace lvt
