// Bad input gets a clear answer and leaves every other connection untouched.
#include <gtest/gtest.h>

#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::parse;
using testing::TestEngine;

struct Pair {
  TestEngine t;
  std::shared_ptr<Connection> sender = t.connect(cookie_for(1));
  std::shared_ptr<Connection> bystander = t.connect(cookie_for(1));
  std::string bystander_html = t.engine->render_html(*bystander);

  void expect_bystander_untouched() {
    EXPECT_EQ(bystander->dispatch_jobs_waiting(), 0u);
    EXPECT_EQ(t.engine->render_html(*bystander), bystander_html);
  }
};

TEST(BadInput, MalformedJsonGetsAnErrorEnvelope) {
  Pair p;
  const Effects e = p.t.engine->receive(*p.sender, "{not json");
  ASSERT_EQ(e.frames.size(), 1u);
  EXPECT_EQ(parse(e.frames[0]), (nlohmann::json{{"type", "error"}, {"code", "invalid_json"}}));
  EXPECT_FALSE(e.close);
  EXPECT_EQ(p.t.engine->metrics().errors_invalid_json.load(), 1u);
  p.expect_bystander_untouched();
}

TEST(BadInput, NonObjectsAndWrongTypesAreInvalidMessages) {
  Pair p;
  for (const char* frame : {"[1,2]", "42", R"({"action":7})", R"({"action":"send","data":[1]})"}) {
    const Effects e = p.t.engine->receive(*p.sender, frame);
    EXPECT_EQ(parse(e.frames.at(0))["code"], "invalid_message") << frame;
  }
  p.expect_bystander_untouched();
}

TEST(BadInput, DeeplyNestedJsonIsRefusedBeforeParsing) {
  Pair p;
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  EXPECT_EQ(parse(p.t.engine->receive(*p.sender, deep).frames.at(0))["code"], "invalid_json");
}

TEST(BadInput, UnknownActionFailsWithAFieldErrorAndReleasesTheForm) {
  Pair p;
  const auto reply =
      parse(p.t.engine->receive(*p.sender, R"({"action":"launchMissiles"})").frames.at(0));
  EXPECT_EQ(reply["tree"], nlohmann::json::object());
  EXPECT_EQ(reply["meta"]["success"], false);
  EXPECT_EQ(reply["meta"]["action"], "launchMissiles");
  EXPECT_TRUE(reply["meta"]["errors"].contains("action"));
  p.expect_bystander_untouched();
}

TEST(BadInput, OversizedFrameClosesWith1009) {
  Pair p;
  const Effects e =
      p.t.engine->receive(*p.sender, std::string(limits::frame_bytes_default + 1, ' '));
  ASSERT_TRUE(e.close);
  EXPECT_EQ(e.close->first, 1009);
  p.expect_bystander_untouched();
}

TEST(BadInput, InvalidUtf8ClosesWith1007) {
  Pair p;
  const Effects e =
      p.t.engine->receive(*p.sender, "{\"action\":\"join\",\"data\":{\"username\":\"\xC3\"}}");
  ASSERT_TRUE(e.close);
  EXPECT_EQ(e.close->first, 1007);
  p.expect_bystander_untouched();
}

TEST(BadInput, ABurstOverTheRateLimitIsRefusedThenRefills) {
  EngineConfig config;
  config.actions_per_second = 10;
  config.actions_burst = 5;
  TestEngine t(config);
  auto c = t.connect(cookie_for(1));
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    // A refused action is still answered as one, unsuccessful, so the client's form comes back
    // with the typed text and nothing changes.
    const auto frame =
        parse(t.act(*c, "join", {{"username", "n" + std::to_string(i)}}).frames.at(0));
    ASSERT_EQ(frame["meta"]["action"], "join");
    if (!frame["meta"]["success"].get<bool>()) {
      ++refused;
      EXPECT_TRUE(frame["meta"]["errors"].contains("action"));
      EXPECT_EQ(frame["tree"], nlohmann::json::object());
    }
  }
  EXPECT_EQ(refused, 3);
  EXPECT_NE(t.engine->render_html(*c).find("n4"), std::string::npos);  // the last one let in
  // A ping over the rate gets the error envelope: a pong would tell the client all is well.
  EXPECT_EQ(parse(t.engine->receive(*c, R"({"action":"__ping__"})").frames.at(0)).value("code", ""),
            "rate_limited");
  t.clock->now_us += 200'000;  // two tokens
  EXPECT_TRUE(parse(t.act(*c, "join", {{"username", "x"}}).frames.at(0))["meta"]["success"]);
}

TEST(BadInput, HtmlInTextIsAlwaysRenderedEscaped) {
  TestEngine t;
  auto c = t.connect(cookie_for(1));
  t.act(*c, "join", {{"username", "<img src=x onerror=alert(1)>"}});
  const auto reply = t.act(*c, "send", {{"text", "<script>alert(1)</script>"}});
  const std::string html = t.engine->render_html(*c);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(reply.frames.at(0).text().find("<script>"), std::string::npos);
}

TEST(BadInput, ARefusedFieldShowsItsErrorOnItsOwnPageUntilTheNextSuccess) {
  Pair p;
  p.t.act(*p.sender, "join", {{"username", "Ann"}});
  const nlohmann::json refused =
      parse(p.t.act(*p.sender, "send", {{"text", std::string(5000, 'x')}}).frames.at(0));
  EXPECT_EQ(refused["meta"]["errors"]["text"], "Message must be at most 2000 characters");
  const std::string shown = p.t.engine->render_html(*p.sender);
  EXPECT_NE(shown.find("<p class=\"error\" role=\"alert\">Message must be at most 2000 "
                       "characters</p></form>"),
            std::string::npos)
      << shown;
  p.expect_bystander_untouched();  // another tab of the browser shows no error of this one
  p.t.act(*p.sender, "send", {{"text", "ok"}});
  EXPECT_EQ(p.t.engine->render_html(*p.sender).find("class=\"error\""), std::string::npos);
}

TEST(Pages, TheExplanationFollowsTheGroupMode) {
  EngineConfig global;
  global.group_mode = GroupMode::global;
  for (const auto& [config, says] : {std::pair{EngineConfig{}, "other tabs of this browser"},
                                     std::pair{global, "every visitor is in one group"}}) {
    TestEngine t(config);
    EXPECT_NE(t.engine->render_html(*t.connect(cookie_for(1))).find(says), std::string::npos);
  }
}

TEST(Heartbeat, PingIsAnsweredWithExactlyPong) {
  TestEngine t;
  auto c = t.connect(cookie_for(1));
  const Effects e = t.engine->receive(*c, R"({"action":"__ping__"})");
  ASSERT_EQ(e.frames.size(), 1u);
  EXPECT_EQ(e.frames[0], R"({"pong":true})");
}

}  // namespace
}  // namespace lvt
