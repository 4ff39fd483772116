// wire-correct: applying every frame the engine sends, in order, with the official client's own
// tree renderer rebuilds exactly the server's fresh render of that connection, after every frame.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>

#include "client_applier.hpp"
#include "doc_gen.hpp"
#include "server_render_hash.hpp"
#include "template.hpp"
#include "test_engine.hpp"
#include "text_gen.hpp"
#include "tree_applier.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

using testing::gen_text;
using testing::next_client_id;
using testing::shared_client;
using namespace testing;  // the document page and its generators

RC_GTEST_PROP(WireCorrect, ApplyingDiffAToBRebuildsB, ()) {
  // Unrelated documents (every op at once, mostly reorders) and small edits of one document
  // (each op alone: insert after, prepend, append, remove, update, move).
  std::vector<Doc> docs = *rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 4), [](std::size_t n) {
                             return rc::gen::container<std::vector<Doc>>(n, gen_doc());
                           }).as("documents");
  const auto edit_batches =
      *rc::gen::container<std::vector<std::vector<Edit>>>(
           rc::gen::resize(3, rc::gen::container<std::vector<Edit>>(gen_edit())))
           .as("edits");
  int next_key = 0;
  for (const auto& batch : edit_batches) {
    Doc next = docs.back();
    for (const Edit& edit : batch) apply_edit(next, edit, next_key);
    docs.push_back(std::move(next));
  }
  const std::uint64_t id = next_client_id();
  tree::Node held = doc_template().render(docs[0]);
  sim::TreeApplier simulated;  // the simulator's port must agree with the client on every frame
  sim::ServerRenderHasher server_render;
  auto check = [&](const std::string& frame_tree, const tree::Node& expected) {
    const auto frame = nlohmann::json::parse(frame_tree);
    const auto html = shared_client().apply(id, frame);
    simulated.apply(frame_tree);
    const std::string want = tree::to_html(expected);
    RC_ASSERT(html.html == want);
    RC_ASSERT(html.targeted == want);
    RC_ASSERT(simulated.html() == html.html);
    // The simulator checks frames by hash: both sides' hashes must be the HTML's.
    RC_ASSERT(simulated.html_hash() == sim::RenderHash::of(want));
    RC_ASSERT(server_render.of(expected) == sim::RenderHash::of(want));
  };
  check(wire::full(held), held);
  for (std::size_t i = 1; i < docs.size(); ++i) {
    const tree::Node next = doc_template().render(docs[i]);
    check(wire::diff(held, next), next);
    held = next;
  }
  shared_client().forget(id);
}

// One step a tab can take against the engine.
struct Step {
  enum Kind {
    open,
    join,
    send,
    dispatch,
    increment,
    save_notes,
    reconnect,
    navigate,
    garbage,
    older
  };
  Kind kind = open;
  int tab = 0;    // which open tab (modulo their count)
  int group = 0;  // which browser, for open
  bool reconnection_page = false;
  std::string text;
};

rc::Gen<Step> gen_step() {
  return rc::gen::build<Step>(
      rc::gen::set(&Step::kind, rc::gen::weightedElement<Step::Kind>({{2, Step::open},
                                                                      {3, Step::join},
                                                                      {5, Step::send},
                                                                      {5, Step::dispatch},
                                                                      {2, Step::increment},
                                                                      {2, Step::save_notes},
                                                                      {1, Step::reconnect},
                                                                      {1, Step::navigate},
                                                                      {1, Step::garbage},
                                                                      {2, Step::older}})),
      rc::gen::set(&Step::tab, rc::gen::inRange(0, 8)),
      rc::gen::set(&Step::group, rc::gen::inRange(0, 3)),
      rc::gen::set(&Step::reconnection_page,
                   rc::gen::weightedElement<bool>({{3, false}, {1, true}})),
      rc::gen::set(&Step::text, gen_text()));
}

struct Tab {
  std::shared_ptr<Connection> connection;
  std::uint64_t client_id;
  sim::TreeApplier simulated;
  int group;
  bool reconnection_page;
};

RC_GTEST_PROP(WireCorrect, EveryEngineFrameRebuildsTheFreshRender, ()) {
  EngineConfig config;
  config.group_mode = *rc::gen::element(GroupMode::cookie, GroupMode::global);
  config.dispatch_policy = *rc::gen::element(DispatchPolicy::drop, DispatchPolicy::coalesce);
  config.dispatch_queue_jobs_max = *rc::gen::inRange<std::size_t>(1, 17);
  const auto steps = *rc::gen::container<std::vector<Step>>(gen_step()).as("steps");
  // A small ring and window (windows slide, "Older messages" prepends, the oldest are evicted:
  // the client's remove and prepend ops), or the whole log.
  const DemoAppsConfig apps{*rc::gen::element<std::size_t>(4, 12, 10'000),
                            *rc::gen::element<std::size_t>(0, 2, 3)};
  testing::TestEngine t(config, apps);
  sim::ServerRenderHasher server_render;
  std::vector<Tab> tabs;

  auto check_frame = [&](Tab& tab, const std::string& frame) {
    const auto message = nlohmann::json::parse(frame);
    if (!message.contains("tree")) return;  // pong or error envelope
    RC_ASSERT(!message["tree"].is_null());  // the client crashes on a null tree
    const auto html = shared_client().apply(tab.client_id, message["tree"]);
    tab.simulated.apply(message["tree"].dump());
    const std::string want = t.engine->render_html(*tab.connection);
    RC_ASSERT(html.html == want);
    RC_ASSERT(html.targeted == want);
    RC_ASSERT(tab.simulated.html() == want);
    RC_ASSERT(tab.simulated.html_hash() == sim::RenderHash::of(want));
    const Connection& connection = *tab.connection;
    RC_ASSERT(server_render.of(connection.page().render(t.engine->page_state(connection))) ==
              sim::RenderHash::of(want));
  };
  auto open_tab = [&](int group, bool reconnection_page) {
    const std::string target =
        reconnection_page ? "/realtime/reconnection" : "/realtime/broadcasting";
    ConnectResult opened = t.open(testing::cookie_for(group), target);
    RC_ASSERT(opened.connection != nullptr);
    Tab tab{opened.connection, next_client_id(), {}, group, reconnection_page};
    check_frame(tab, opened.first_frame);
    return tab;
  };
  auto run = [&](Tab& tab, const Effects& effects) {
    for (const auto& frame : effects.frames) check_frame(tab, frame.text());
  };

  tabs.push_back(open_tab(0, false));
  for (const Step& step : steps) {
    Tab& tab = tabs[static_cast<std::size_t>(step.tab) % tabs.size()];
    Connection& c = *tab.connection;
    switch (step.kind) {
      case Step::open:
        if (tabs.size() < 6) tabs.push_back(open_tab(step.group, step.reconnection_page));
        break;
      case Step::join:
        run(tab, t.act(c, "join", {{"username", step.text}}));
        break;
      case Step::send:
        run(tab, t.act(c, "send", {{"text", step.text}}));
        break;
      case Step::dispatch:
        run(tab, t.engine->dispatch(c));
        break;
      case Step::increment:
        run(tab, t.act(c, "increment"));
        break;
      case Step::save_notes:
        run(tab, t.act(c, "saveNotes", {{"notes", step.text}}));
        break;
      case Step::navigate:
        run(tab, t.act(c, "__navigate__", {{"username", step.text}}));
        break;
      case Step::older:
        run(tab, t.act(c, "older"));
        break;
      case Step::garbage:
        run(tab, t.engine->receive(c, step.text));
        break;
      case Step::reconnect: {
        t.engine->disconnect(c);
        shared_client().forget(tab.client_id);
        tab = open_tab(tab.group, tab.reconnection_page);
        break;
      }
    }
  }
  // Drain every queue: the last frames must rebuild the final state too.
  for (Tab& tab : tabs) {
    while (tab.connection->dispatch_jobs_waiting() > 0)
      run(tab, t.engine->dispatch(*tab.connection));
    shared_client().forget(tab.client_id);
  }
}

}  // namespace
}  // namespace lvt
