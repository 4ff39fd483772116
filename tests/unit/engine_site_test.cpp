// Same-site rules for everything that changes state or reads a page: the Host must name this
// server (DNS rebinding), and a POST's Origin, or its Referer when Origin is absent, must be the
// page's own origin or an allowed one (cross-site forms and fetches). Refused means nothing ran.
#include <gtest/gtest.h>

#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::TestEngine;

constexpr const char* own_host = "127.0.0.1:8080";

EngineConfig site_config() {
  EngineConfig config;
  config.allowed_hosts = {"127.0.0.1", "localhost"};
  config.allowed_origins = {"http://trusted.example"};
  return config;
}

HttpRequest form_post(std::string origin, std::string referer = "", std::string host = own_host) {
  HttpRequest post{
      "POST",      "/realtime/broadcasting?username=Mallory", std::move(host),   cookie_for(1),
      "text/html", "application/x-www-form-urlencoded",       "text=pwned&send="};
  post.origin = std::move(origin);
  post.referer = std::move(referer);
  return post;
}

HttpRequest json_post(std::string origin) {
  HttpRequest post{"POST",
                   "/realtime/reconnection",
                   own_host,
                   cookie_for(1),
                   "application/json",
                   "application/json",
                   R"({"action":"increment"})"};
  post.origin = std::move(origin);
  return post;
}

TEST(SameSite, ACrossSiteFormPostIsRefusedAndChangesNothing) {
  TestEngine t(site_config());
  const HttpResponse refused = t.engine->handle_http(form_post("http://evil.example"));
  EXPECT_EQ(refused.status, 403u);
  EXPECT_TRUE(refused.wake.empty());
  EXPECT_EQ(t.apps.log->snapshot(), 0u);  // the issue's finding 3: it used to land in the log
  EXPECT_EQ(t.engine->metrics().errors_origin_refused.load(), 1u);
  EXPECT_EQ(t.engine->metrics().actions.load(), 0u);
  // "null" (a sandboxed frame, a no-referrer page) is no page of ours either.
  EXPECT_EQ(t.engine->handle_http(form_post("null")).status, 403u);
  EXPECT_EQ(t.apps.log->snapshot(), 0u);
}

TEST(SameSite, ACrossSiteJsonPostIsRefusedAndChangesNothing) {
  TestEngine t(site_config());
  EXPECT_EQ(t.engine->handle_http(json_post("http://evil.example")).status, 403u);
  EXPECT_EQ(t.engine->handle_http(json_post("http://127.0.0.1:9999")).status, 403u);  // port
  EXPECT_EQ(t.engine->handle_http(json_post("https://evil.example")).status, 403u);
  auto c = t.connect(cookie_for(1), "/realtime/reconnection");
  EXPECT_NE(t.engine->render_html(*c).find("<strong>0</strong>"), std::string::npos);
}

TEST(SameSite, TheOwnOriginAndAllowedOnesChangeState) {
  TestEngine t(site_config());
  EXPECT_EQ(t.engine->handle_http(form_post("http://127.0.0.1:8080")).status, 303u);
  EXPECT_EQ(t.engine->handle_http(form_post("http://trusted.example")).status, 303u);
  EXPECT_EQ(t.engine->handle_http(json_post("http://127.0.0.1:8080")).status, 200u);
  EXPECT_EQ(t.apps.log->snapshot(), 2u);
}

TEST(SameSite, WithoutOriginTheReferersOriginDecides) {
  TestEngine t(site_config());
  EXPECT_EQ(t.engine->handle_http(form_post("", "http://evil.example/attack.html")).status, 403u);
  EXPECT_EQ(t.engine->handle_http(form_post("", "about:blank")).status, 403u);
  EXPECT_EQ(t.apps.log->snapshot(), 0u);
  EXPECT_EQ(
      t.engine->handle_http(form_post("", "http://127.0.0.1:8080/realtime/broadcasting")).status,
      303u);
  EXPECT_EQ(t.apps.log->snapshot(), 1u);
}

// Browsers send Origin on every cross-origin POST; a request with neither header is curl, a
// script or the simulator, which could send any header it liked: refusing it protects nobody.
TEST(SameSite, APostWithNeitherOriginNorRefererIsNotABrowsersAndIsServed) {
  TestEngine t(site_config());
  EXPECT_EQ(t.engine->handle_http(form_post("", "")).status, 303u);
  EXPECT_EQ(t.apps.log->snapshot(), 1u);
}

TEST(SameSite, AHostThisServerDoesNotAnswerToIsRefused) {
  TestEngine t(site_config());
  HttpRequest page{"GET", "/realtime/broadcasting", "evil.example", "", "text/html", "", ""};
  EXPECT_EQ(t.engine->handle_http(page).status, 421u);
  page.host = "evil.example:8080";
  EXPECT_EQ(t.engine->handle_http(page).status, 421u);
  page.host = "127.0.0.1.evil.example";
  EXPECT_EQ(t.engine->handle_http(page).status, 421u);
  page.target = "/metrics";
  EXPECT_EQ(t.engine->handle_http(page).status, 421u);
  // Even with an Origin that matches the Host it names: the rebinding attacker's own page.
  EXPECT_EQ(
      t.engine->handle_http(form_post("http://evil.example:8080", "", "evil.example:8080")).status,
      421u);
  EXPECT_EQ(t.apps.log->snapshot(), 0u);
  const ConnectResult upgrade = t.engine->connect(
      {"/realtime/broadcasting", "evil.example:8080", "http://evil.example:8080", cookie_for(1)});
  EXPECT_FALSE(upgrade.connection);
  EXPECT_EQ(upgrade.refuse_status, 421u);
  EXPECT_EQ(t.engine->registered_connections(), 0u);
  EXPECT_EQ(t.engine->metrics().errors_host_refused.load(), 6u);
}

TEST(SameSite, EveryAllowedHostAnswersWhateverItsCaseOrPort) {
  TestEngine t(site_config());
  for (const char* host : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "localhost.:1"}) {
    HttpRequest page{"GET", "/realtime/broadcasting", host, "", "text/html", "", ""};
    EXPECT_EQ(t.engine->handle_http(page).status, 200u) << host;
  }
  // An absent Host (HTTP/1.0; the transport refuses HTTP/1.1 without one) is no browser's.
  EXPECT_EQ(t.engine->handle_http({"GET", "/healthz", "", "", "", "", ""}).status, 200u);
}

// The engine's default, for the simulator, whose requests name the host "sim".
TEST(SameSite, WithNoAllowedHostsAnyHostIsServed) {
  TestEngine t;
  EXPECT_EQ(t.engine->handle_http({"GET", "/realtime/broadcasting", "sim", "", "text/html", "", ""})
                .status,
            200u);
  EXPECT_TRUE(
      t.engine->connect({"/realtime/broadcasting", "sim", "http://sim", cookie_for(1)}).connection);
}

}  // namespace
}  // namespace lvt
