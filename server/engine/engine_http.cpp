// The engine's HTTP side: page loads, the JSON fallback, plain form POSTs, probes and the
// operational endpoints. Static client files are the transport's job.
#include <cstdint>
#include <string>

#include "action_message.hpp"
#include "engine.hpp"
#include "planted.hpp"
#include "text.hpp"
#include "url.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

std::string wrapper_id(std::string_view path) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a: stable per page, like a template hash
  for (char c : path) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "lvt-";
  for (int shift = 60; shift >= 0; shift -= 4) id += hex[(hash >> shift) & 0xF];
  return id;
}

constexpr std::string_view page_style =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c2024}"
    "main{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "form{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}"
    "input,textarea{flex:1;padding:.4rem}"
    "#messages p{margin:.25rem 0}.empty,.scope{color:#667}"
    ".error{flex-basis:100%;margin:0;color:#b00020}";

HttpResponse text_response(unsigned status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

HttpResponse json_response(unsigned status, std::string body) {
  return text_response(status, std::move(body), "application/json");
}

bool accepts_json(const HttpRequest& request) {
  return request.accept.find("application/json") != std::string::npos;
}

bool content_type_is(const HttpRequest& request, std::string_view type) {
  return request.content_type.compare(0, type.size(), type) == 0;
}

std::string index_html(const std::vector<std::unique_ptr<Page>>& pages) {
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>lvtlab</title><style>";
  out += page_style;
  out +=
      "</style></head><body><main><h1>lvtlab</h1>"
      "<p>A reference server for livetemplate's broadcasting pattern.</p><ul>";
  for (const auto& page : pages) {
    out += "<li><a href=\"";
    text::append_html_escaped(out, page->path());
    out += "\">";
    text::append_html_escaped(out, page->title());
    out += "</a></li>";
  }
  out += "</ul></main></body></html>";
  return out;
}

}  // namespace

std::string Engine::document_html(const Page& page, const tree::Node& body) const {
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
  text::append_html_escaped(out, page.title());
  out += " · lvtlab</title><link rel=\"stylesheet\" href=\"/livetemplate.css\"><style>";
  out += page_style;
  out += "</style></head><body><div data-lvt-id=\"";
  out += wrapper_id(page.path());
  out += "\" data-lvt-loading=\"true\"";
  if (config_.heartbeat_ms != 0) {
    out += " data-lvt-heartbeat-ms=\"" + std::to_string(config_.heartbeat_ms) + "\"";
  }
  out += '>';
  tree::append_html(out, body);  // exactly what the first tree rebuilds
  out += "</div><script defer src=\"/livetemplate-client.js\"></script></body></html>";
  return out;
}

HttpResponse Engine::handle_http(const HttpRequest& request) {
  ++metrics_.http_requests;
  // A name this server does not answer to is another site's (DNS rebinding): nothing served.
  if (!host_allowed(request.host)) {
    ++metrics_.errors_host_refused;
    log(LogLevel::warn, "refused request for host " + request.host);
    return text_response(421, "unknown host\n", "text/plain");
  }
  // Another site's form or fetch changes nothing (CSRF): refused before any state is read.
  if (request.method == "POST" && !post_from_allowed_site(request)) {
    ++metrics_.errors_origin_refused;
    log(LogLevel::warn,
        "refused POST from origin " +
            (request.origin.empty() ? "(referer) " + request.referer : request.origin));
    return text_response(403, "cross-site request refused\n", "text/plain");
  }
  const url::Target target = url::split_target(request.target);
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (target.path == "/healthz" && read) return text_response(200, "ok\n", "text/plain");
  if (target.path == "/metrics" && read) {
    return text_response(200, metrics_.prometheus_text(), "text/plain; version=0.0.4");
  }
  if (target.path == "/" && read)
    return text_response(200, index_html(pages_), "text/html; charset=utf-8");
  const Page* page = find_page(target.path);
  if (page == nullptr) return text_response(404, "not found\n", "text/plain");

  HttpResponse response;
  if (request.method == "HEAD") {
    response.body.clear();
  } else if (request.method == "GET") {
    response = serve_page(*page, request, target.query);
  } else if (request.method == "POST" && content_type_is(request, "application/json")) {
    response = fields_first(*page, request, [this, page, request, query = target.query] {
      return serve_action_json(*page, request, query);
    });
  } else if (request.method == "POST" &&
             content_type_is(request, "application/x-www-form-urlencoded")) {
    response = fields_first(*page, request, [this, page, request, query = target.query] {
      return serve_action_form(*page, request, query);
    });
  } else if (request.method == "POST") {
    response = text_response(415, "use application/json or a form\n", "text/plain");
  } else {
    response = text_response(405, "method not allowed\n", "text/plain");
    response.headers.emplace_back("Allow", "GET, HEAD, POST");
  }
  const std::string websocket = config_.websocket_enabled ? "enabled" : "disabled";
  response.headers.emplace_back(websocket_header, websocket);
  if (response.store) {  // the answer comes with the store's reply: it carries the header too
    response.store->resume = [websocket,
                              answer = std::move(response.store->resume)](const StoreReply& reply) {
      HttpResponse resumed = answer(reply);
      resumed.headers.emplace_back(websocket_header, websocket);
      return resumed;
    };
  }
  return response;
}

// An HTTP action on a page whose persisted fields live in the store mounts on them as stored.
HttpResponse Engine::fields_first(const Page& page, const HttpRequest& request,
                                  std::function<HttpResponse()> act) {
  if (!persisted_in_store(page) || replicated(page)) return act();
  HttpResponse waiting;
  waiting.store = read_fields_then<HttpResponse>(page, request.cookie, std::move(act));
  return waiting;
}

HttpResponse Engine::serve_page(const Page& page, const HttpRequest& request,
                                const std::string& query) {
  if (!replicated(page) && !persisted_in_store(page)) return serve_page_now(page, request, query);
  // Mount shows the log, or the group's persisted fields: read what other replicas stored.
  HttpResponse waiting;
  waiting.store = read_fields_then<HttpResponse>(
      page, request.cookie,
      [this, &page, request, query] { return serve_page_now(page, request, query); });
  return waiting;
}

HttpResponse Engine::serve_page_now(const Page& page, const HttpRequest& request,
                                    const std::string& query) {
  std::string new_cookie;
  const std::string group = group_for(request.cookie, &new_cookie);
  auto state = page.make_state();
  mount_for_group(page, *state, group, url::decode_form(query));
  const tree::Node tree = page.render(*state);

  HttpResponse response;
  if (accepts_json(request)) {
    response = json_response(
        200, "{\"tree\":" + wire::full(tree) + ",\"meta\":{\"success\":true,\"errors\":{}}}");
  } else {
    response.body = document_html(page, tree);
  }
  response.headers.emplace_back("Cache-Control", "no-store");
  if (!new_cookie.empty()) {
    response.headers.emplace_back("Set-Cookie", session_cookie_header(new_cookie));
  }
  return response;
}

HttpResponse Engine::serve_action_json(const Page& page, const HttpRequest& request,
                                       const std::string& query) {
  auto parsed = parse_action_message(request.body);
  if (const auto* code = std::get_if<std::string>(&parsed)) {
    (*code == "invalid_json" ? metrics_.errors_invalid_json : metrics_.errors_invalid_message)++;
    log(LogLevel::info, "HTTP action on " + page.path() + ": " + *code);
    return json_response(400, error_envelope(*code));
  }
  const ActionMessage& message = std::get<ActionMessage>(parsed);
  std::string new_cookie;
  const std::string group = group_for(request.cookie, &new_cookie);
  // Mount runs before every HTTP action, on a fresh state with the persisted fields restored.
  std::shared_ptr<PageState> state = page.make_state();
  mount_for_group(page, *state, group, url::decode_form(query));
  ActionRun run = run_action(page, *state, group, "HTTP", message.action, message.data);
  auto answer = [this, &page, group, new_cookie](ActionRun& done, PageState& done_state) {
    // The client may hold any tree: the full tree is always safe to apply.
    HttpResponse response = json_response(200, "{\"tree\":" + wire::full(page.render(done_state)) +
                                                   ",\"meta\":" + done.meta_json + "}");
    if (!new_cookie.empty()) {
      response.headers.emplace_back("Set-Cookie", session_cookie_header(new_cookie));
    }
    // From HTTP there is no sending connection: every WebSocket of the group gets it.
    if (done.outcome == ActionOutcome::ok && !planted(PlantedBug::http_broadcast_lost)) {
      fan_out(page.path() + '\n' + group, nullptr, "HTTP", done.broadcasts, response.wake);
    }
    return response;
  };
  if (run.append) {
    HttpResponse waiting;
    waiting.store = wait_for_append<HttpResponse>(page, state, group, "HTTP", message.action,
                                                  message.data, std::move(run), answer);
    return waiting;
  }
  return answer(run, *state);
}

HttpResponse Engine::serve_action_form(const Page& page, const HttpRequest& request,
                                       const std::string& query) {
  nlohmann::json fields = url::decode_form(request.body);
  // The submit button's name is the action; the other fields are its data.
  std::string action;
  for (const auto& [name, value] : fields.items()) {
    if (page.has_action(canonical_action(name))) {
      action = name;
      break;
    }
  }
  if (!action.empty()) fields.erase(action);
  std::string new_cookie;
  const std::string group = group_for(request.cookie, &new_cookie);
  std::shared_ptr<PageState> state = page.make_state();
  mount_for_group(page, *state, group, url::decode_form(query));
  ActionRun run = run_action(page, *state, group, "a form POST", action, fields);
  auto answer = [this, &page, group, new_cookie, target = request.target](ActionRun& done,
                                                                          PageState&) {
    HttpResponse response = text_response(303, "", "text/plain");
    response.headers.emplace_back("Location", target);
    if (!new_cookie.empty()) {
      response.headers.emplace_back("Set-Cookie", session_cookie_header(new_cookie));
    }
    if (done.outcome == ActionOutcome::ok) {
      fan_out(page.path() + '\n' + group, nullptr, "HTTP", done.broadcasts, response.wake);
    }
    return response;
  };
  if (run.append) {
    HttpResponse waiting;
    waiting.store = wait_for_append<HttpResponse>(page, state, group, "a form POST", action, fields,
                                                  std::move(run), answer);
    return waiting;
  }
  return answer(run, *state);
}

}  // namespace lvt
