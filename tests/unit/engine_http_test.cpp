// Page loads, the JSON fallback, form POSTs, probes, cookies and origins.
#include <gtest/gtest.h>

#include "test_engine.hpp"
#include "tree.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::TestEngine;

HttpRequest get(const std::string& target, const std::string& cookie = "",
                const std::string& accept = "text/html") {
  return {"GET", target, "127.0.0.1:8080", cookie, accept, "", ""};
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

TEST(Http, PageLoadSetsTheCookieAndWrapsTheBody) {
  TestEngine t;
  const HttpResponse page = t.engine->handle_http(get("/realtime/broadcasting"));
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(header(page, "X-LiveTemplate-WebSocket"), "enabled");
  const std::string cookie = header(page, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("livetemplate-id=", 0), 0u);
  EXPECT_NE(cookie.find("Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"), std::string::npos);
  EXPECT_NE(page.body.find("<div data-lvt-id=\"lvt-"), std::string::npos);
  EXPECT_NE(page.body.find("data-lvt-loading=\"true\""), std::string::npos);
  EXPECT_NE(page.body.find("<script defer src=\"/livetemplate-client.js\"></script></body>"),
            std::string::npos);
  EXPECT_NE(page.body.find("<link rel=\"stylesheet\" href=\"/livetemplate.css\">"),
            std::string::npos);
  // The page's own style, after the client's sheet.
  EXPECT_NE(page.body.find("<style>body{font-family:system-ui"), std::string::npos);
  // What the GET rendered is exactly what the first tree rebuilds.
  auto c = t.connect(cookie.substr(0, cookie.find(';')));
  EXPECT_NE(page.body.find(">" + t.engine->render_html(*c) + "</div>"), std::string::npos);
}

TEST(Http, AValidCookieKeepsItsGroupAndAMalformedOneGetsANewId) {
  TestEngine t;
  EXPECT_EQ(
      header(t.engine->handle_http(get("/realtime/reconnection", cookie_for(1))), "Set-Cookie"),
      "");
  EXPECT_NE(header(t.engine->handle_http(get("/realtime/reconnection", "livetemplate-id=forged")),
                   "Set-Cookie"),
            "");
}

TEST(Http, HeadProbeAnswersWithTheHeaderAndNoBody) {
  TestEngine t;
  const HttpResponse head =
      t.engine->handle_http({"HEAD", "/realtime/broadcasting", "h", "", "", "", ""});
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(header(head, "X-LiveTemplate-WebSocket"), "enabled");
}

TEST(Http, DisabledWebSocketsAreAnnounced) {
  EngineConfig config;
  config.websocket_enabled = false;
  TestEngine t(config);
  EXPECT_EQ(
      header(t.engine->handle_http(get("/realtime/broadcasting")), "X-LiveTemplate-WebSocket"),
      "disabled");
  EXPECT_FALSE(t.open(cookie_for(1)).connection);
}

TEST(Http, JsonGetReturnsTheFullTree) {
  TestEngine t;
  const HttpResponse r =
      t.engine->handle_http(get("/realtime/reconnection", cookie_for(1), "application/json"));
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_TRUE(body["tree"]["s"].is_array());
  EXPECT_EQ(body["meta"]["success"], true);
}

TEST(Http, JsonPostRunsTheActionAndReturnsAFullTree) {
  TestEngine t;
  const HttpResponse r =
      t.engine->handle_http({"POST", "/realtime/reconnection", "h", cookie_for(1),
                             "application/json", "application/json", R"({"action":"increment"})"});
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["meta"]["action"], "increment");
  EXPECT_TRUE(body["tree"]["s"].is_array());
  EXPECT_NE(t.engine->render_html(*t.connect(cookie_for(1), "/realtime/reconnection"))
                .find("<strong>1</strong>"),
            std::string::npos);
  const HttpResponse bad =
      t.engine->handle_http({"POST", "/realtime/reconnection", "h", cookie_for(1),
                             "application/json", "application/json", "nope"});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["code"], "invalid_json");
  EXPECT_EQ(t.engine->metrics().errors_invalid_json.load(), 1u);
  const HttpResponse no_action =
      t.engine->handle_http({"POST", "/realtime/reconnection", "h", cookie_for(1),
                             "application/json", "application/json", "[1]"});
  EXPECT_EQ(nlohmann::json::parse(no_action.body)["code"], "invalid_message");
  EXPECT_EQ(t.engine->metrics().errors_invalid_message.load(), 1u);
  EXPECT_EQ(t.engine->metrics().errors_invalid_json.load(), 1u);
}

// A page holds one session's state at one moment: neither its HTML nor its JSON is cached.
TEST(Http, APageIsNeverCached) {
  TestEngine t;
  EXPECT_EQ(
      header(t.engine->handle_http(get("/realtime/broadcasting", cookie_for(1))), "Cache-Control"),
      "no-store");
  EXPECT_EQ(header(t.engine->handle_http(
                       get("/realtime/broadcasting", cookie_for(1), "application/json")),
                   "Cache-Control"),
            "no-store");
}

// A JSON POST sets a cookie only for a new group: one with a valid cookie keeps it.
TEST(Http, AJsonPostSetsACookieOnlyForANewGroup) {
  TestEngine t;
  const auto post = [&t](const std::string& cookie) {
    return t.engine->handle_http({"POST", "/realtime/reconnection", "h", cookie, "application/json",
                                  "application/json", R"({"action":"increment"})"});
  };
  EXPECT_EQ(header(post(cookie_for(1)), "Set-Cookie"), "");
  EXPECT_EQ(header(post(""), "Set-Cookie").rfind("livetemplate-id=", 0), 0u);
}

TEST(Http, PlainFormPostRunsTheButtonsActionAndRedirects) {
  TestEngine t;
  const HttpResponse r =
      t.engine->handle_http({"POST", "/realtime/broadcasting?username=Ann", "h", cookie_for(1),
                             "text/html", "application/x-www-form-urlencoded", "text=no+js&send="});
  EXPECT_EQ(r.status, 303u);
  EXPECT_EQ(header(r, "Location"), "/realtime/broadcasting?username=Ann");
  const HttpResponse page =
      t.engine->handle_http(get("/realtime/broadcasting?username=Ann", cookie_for(1)));
  EXPECT_NE(page.body.find("<strong>Ann:</strong> no js"), std::string::npos);
  EXPECT_NE(page.body.find("Posting as <strong>Ann</strong>"), std::string::npos);
}

TEST(Http, OnlyTheFixedRoutesAreServed) {
  TestEngine t;
  EXPECT_EQ(t.engine->handle_http(get("/nope")).status, 404u);
  EXPECT_EQ(t.engine->handle_http(get("/realtime/broadcasting/x")).status, 404u);
  EXPECT_EQ(t.engine->handle_http({"DELETE", "/realtime/broadcasting", "h", "", "", "", ""}).status,
            405u);
  EXPECT_EQ(t.engine->handle_http(get("/healthz")).body, "ok\n");
  EXPECT_NE(t.engine->handle_http(get("/")).body.find("href=\"/realtime/reconnection\""),
            std::string::npos);
}

TEST(Http, TheIndexLinksEveryPageInAWellFormedList) {
  TestEngine t;
  const std::string index = t.engine->handle_http(get("/")).body;
  auto count = [&index](std::string_view what) {
    std::size_t n = 0;
    for (auto at = index.find(what); at != std::string::npos; at = index.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<li>"), 3u);  // Broadcasting, Reconnection, Tasks
  EXPECT_EQ(count("</a></li>"), count("<li>"));
  EXPECT_EQ(count("<a href=\"/realtime/"), count("<li>"));
}

TEST(Http, MetricsAreInPrometheusText) {
  TestEngine t;
  auto c = t.connect(cookie_for(1));
  t.act(*c, "join", {{"username", "a"}});
  const std::string metrics = t.engine->handle_http(get("/metrics")).body;
  EXPECT_NE(metrics.find("# TYPE lvt_connections gauge\nlvt_connections 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("lvt_actions_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("lvt_errors_total{kind=\"invalid_json\"} 0\n"), std::string::npos);
}

TEST(Origin, UpgradesFromAnotherOriginAreRefused) {
  EngineConfig config;
  config.allowed_origins = {"http://trusted.example"};
  TestEngine t(config);
  auto attempt = [&](const std::string& origin) {
    return t.engine->connect({"/realtime/broadcasting", "127.0.0.1:8080", origin, cookie_for(1)});
  };
  EXPECT_EQ(attempt("http://evil.example").refuse_status, 403u);
  EXPECT_TRUE(attempt("http://127.0.0.1:8080").connection);
  EXPECT_TRUE(attempt("http://trusted.example").connection);
  EXPECT_EQ(t.engine->connect({"/elsewhere", "h", "", ""}).refuse_status, 404u);
  // A client that is no browser sends no Origin: it protects browsers' users only.
  EXPECT_TRUE(attempt("").connection);
  // Both refusals are counted, the origin's also as an error of its kind.
  EXPECT_EQ(t.engine->metrics().connections_refused.load(), 2u);
  EXPECT_EQ(t.engine->metrics().errors_origin_refused.load(), 1u);
  EXPECT_EQ(t.engine->metrics().connections_opened.load(), 3u);
}

}  // namespace
}  // namespace lvt
