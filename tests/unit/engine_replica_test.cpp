// The engine as a replica: sends wait for the shared store, broadcasts cross to other replicas
// over a bus, and a replica heals after a link comes back. The store and bus here are the
// test's own few lines, written from replica.hpp's contract, not from any implementation.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "test_engine.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::parse;
using testing::TestEngine;

// One shared log and the broadcasts published, as StoreCommand describes them.
struct FakeStore {
  std::vector<LogRecord> records;
  std::uint64_t newest_id = 0;
  std::vector<GroupAction> published;
  std::map<std::string, std::pair<std::string, std::uint64_t>> sessions;  // JSON, TTL s
  bool reachable = true;

  StoreReply run(const StoreCommand& command) {
    StoreReply reply;
    if (!reachable) {
      reply.error = "connection refused";
      return reply;
    }
    reply.ok = true;
    if (command.append) {
      records.push_back({++newest_id, command.user, command.text});
      while (records.size() > command.kept_max) records.erase(records.begin());
      reply.appended_id = newest_id;
      published.insert(published.end(), command.publish.begin(), command.publish.end());
    }
    if (command.session_write) {
      sessions[command.session_group] = {*command.session_write, command.session_ttl_s};
    }
    if (command.session_read) {
      if (const auto found = sessions.find(command.session_group); found != sessions.end())
        reply.session = found->second.first;
    }
    reply.newest_id = newest_id;
    for (const LogRecord& record : records) {
      if (record.id > command.read_after) reply.records.push_back(record);
    }
    return reply;
  }
};

EngineConfig replica_config(std::string instance_id, bool heal = true) {
  EngineConfig config = testing::unlimited_rate_config();
  config.replica = {true, std::move(instance_id), heal};
  return config;
}

// A replica, the bus subscriptions it asked for and the writes it made, in order.
struct Replica {
  std::vector<std::pair<std::string, bool>> subscriptions;
  std::vector<StoreCommand> writes;
  TestEngine t;

  explicit Replica(std::string id, bool heal = true)
      : t(replica_config(std::move(id), heal), {}, nullptr, [this](EngineEnv& env) {
          env.bus_subscription = [this](const std::string& group, bool on) {
            subscriptions.emplace_back(group, on);
          };
          env.store_write = [this](StoreCommand command) { writes.push_back(std::move(command)); };
        }) {}

  // The writes made so far reach the store, and their replies the engine.
  void flush_writes(FakeStore& store) {
    for (const StoreCommand& write : std::exchange(writes, {})) {
      t.engine->session_written(store.run(write));
    }
  }

  // A send the store takes at once: the answer's effects.
  Effects send(FakeStore& store, Connection& sender, const std::string& text) {
    Effects sent = t.act(sender, "send", {{"text", text}});
    EXPECT_TRUE(sent.store);
    if (!sent.store) return sent;
    return sent.store->resume(store.run(sent.store->command));
  }

  std::shared_ptr<Connection> connect(FakeStore& store, int browser) {
    ConnectResult waiting = t.open(cookie_for(browser));
    EXPECT_FALSE(waiting.connection);
    EXPECT_TRUE(waiting.store);
    if (!waiting.store) return nullptr;
    return waiting.store->resume(store.run(waiting.store->command)).connection;
  }
};

// The messages a frame's tree shows, in order ("user: text" each), from a full tree's range.
std::vector<std::string> messages_in(const std::string& html) {
  std::vector<std::string> out;
  for (std::size_t at = html.find("<strong>"); at != std::string::npos;
       at = html.find("<strong>", at + 1)) {
    const std::size_t end = html.find("</p>", at);
    std::string item = html.substr(at + 8, end - at - 8);
    if (const auto tag = item.find(":</strong> "); tag != std::string::npos) {
      out.push_back(item.substr(0, tag) + ": " + item.substr(tag + 11));
    }
  }
  return out;
}

TEST(EngineReplica, ASendWaitsForTheStoreThenAnswersAndWakesLocalPeers) {
  FakeStore store;
  Replica a("instance-a");
  auto sender = a.connect(store, 1);
  auto peer = a.connect(store, 1);
  ASSERT_TRUE(sender && peer);
  a.t.act(*sender, "join", {{"username", "ann"}});

  Effects sent = a.t.act(*sender, "send", {{"text", "hello"}});
  EXPECT_TRUE(sent.frames.empty());  // no answer before the store took it
  EXPECT_TRUE(sent.wake.empty());
  ASSERT_TRUE(sent.store);
  EXPECT_TRUE(sender->awaiting_store());
  const StoreCommand& command = sent.store->command;
  EXPECT_TRUE(command.append);
  EXPECT_EQ(command.user, "ann");
  EXPECT_EQ(command.text, "hello");
  EXPECT_EQ(command.read_after, 0u);
  ASSERT_EQ(command.publish.size(), 1u);
  EXPECT_EQ(command.publish[0].action, "newmessage");
  EXPECT_EQ(command.publish[0].group, sender->group());
  EXPECT_EQ(command.publish[0].instance_id, "instance-a");
  EXPECT_EQ(command.publish[0].seq, 1u);

  Effects answered = sent.store->resume(store.run(command));
  EXPECT_FALSE(sender->awaiting_store());
  ASSERT_EQ(answered.frames.size(), 1u);
  EXPECT_EQ(parse(answered.frames[0])["meta"]["success"], true);
  ASSERT_EQ(answered.wake.size(), 1u);
  EXPECT_EQ(answered.wake[0], peer);
  EXPECT_EQ(messages_in(a.t.engine->render_html(*sender)), std::vector<std::string>{"ann: hello"});
  a.t.drain(*peer);
  EXPECT_EQ(messages_in(a.t.engine->render_html(*peer)), std::vector<std::string>{"ann: hello"});
  EXPECT_EQ(a.t.engine->metrics().bus_published, 1u);
}

TEST(EngineReplica, ABroadcastFromAnotherReplicaReadsTheStoreThenRunsOnTheGroup) {
  FakeStore store;
  Replica a("instance-a");
  Replica b("instance-b");
  auto sender = a.connect(store, 1);
  auto same_group = b.connect(store, 1);
  auto other_group = b.connect(store, 2);
  a.t.act(*sender, "join", {{"username", "ann"}});
  for (const char* text : {"one", "two"}) {
    a.send(store, *sender, text);
  }
  ASSERT_EQ(store.published.size(), 2u);

  Effects heard = b.t.engine->bus_delivered(store.published[1]);
  ASSERT_TRUE(heard.store);
  EXPECT_FALSE(heard.store->command.append);
  EXPECT_EQ(heard.store->command.read_after, 0u);
  Effects delivered = heard.store->resume(store.run(heard.store->command));
  ASSERT_EQ(delivered.wake.size(), 1u);  // not the other group
  EXPECT_EQ(delivered.wake[0], same_group);
  b.t.drain(*same_group);
  EXPECT_EQ(messages_in(b.t.engine->render_html(*same_group)),
            (std::vector<std::string>{"ann: one", "ann: two"}));
  EXPECT_EQ(other_group->dispatch_jobs_waiting(), 0u);
  EXPECT_EQ(b.t.engine->metrics().bus_delivered, 1u);

  // The first publish arrives late: a new (instance, seq), so it runs, and reads nothing new.
  Effects late = b.t.engine->bus_delivered(store.published[0]);
  ASSERT_TRUE(late.store);
  EXPECT_EQ(late.store->command.read_after, 2u);
  EXPECT_EQ(late.store->resume(store.run(late.store->command)).wake.size(), 1u);
  // Heard again, or its own: nothing runs.
  EXPECT_FALSE(b.t.engine->bus_delivered(store.published[1]).store);
  EXPECT_FALSE(a.t.engine->bus_delivered(store.published[1]).store);
  EXPECT_EQ(b.t.engine->metrics().bus_duplicates, 1u);
  EXPECT_EQ(a.t.engine->metrics().bus_own_ignored, 1u);
}

// A burst heard while a read is out costs one more read, not one each, and runs once per group.
TEST(EngineReplica, BroadcastsHeardWhileAReadIsOutShareTheNextRead) {
  FakeStore store;
  Replica a("instance-a");
  Replica b("instance-b");
  auto sender = a.connect(store, 1);
  auto other_sender = a.connect(store, 2);
  auto peer = b.connect(store, 1);
  auto other_peer = b.connect(store, 2);
  a.t.act(*sender, "join", {{"username", "ann"}});
  a.t.act(*other_sender, "join", {{"username", "bob"}});
  for (int i = 0; i < 3; ++i) {
    for (auto* who : {&sender, &other_sender}) {
      a.send(store, **who, std::to_string(i));
    }
  }
  ASSERT_EQ(store.published.size(), 6u);
  Effects first = b.t.engine->bus_delivered(store.published[0]);
  ASSERT_TRUE(first.store);
  for (std::size_t i = 1; i < store.published.size(); ++i) {
    EXPECT_FALSE(b.t.engine->bus_delivered(store.published[i]).store) << i;
  }
  Effects delivered = first.store->resume(store.run(first.store->command));
  EXPECT_EQ(delivered.wake.size(), 1u);  // the first broadcast's group
  ASSERT_TRUE(delivered.store);          // the next read, for the five heard meanwhile
  Effects next = delivered.store->resume(store.run(delivered.store->command));
  EXPECT_FALSE(next.store);
  b.t.drain(*peer);
  b.t.drain(*other_peer);
  EXPECT_EQ(messages_in(b.t.engine->render_html(*peer)).size(), 6u);
  EXPECT_EQ(b.t.engine->metrics().bus_delivered, 6u);
  EXPECT_EQ(b.t.engine->metrics().store_commands, 2u + 2u);  // two connects, two reads
  // Idle again: the next broadcast heard reads at once.
  a.send(store, *sender, "later");
  EXPECT_TRUE(b.t.engine->bus_delivered(store.published.back()).store);
}

TEST(EngineReplica, ASendTheStoreCannotTakeFailsVisiblyAndBroadcastsNothing) {
  FakeStore store;
  Replica a("instance-a");
  auto sender = a.connect(store, 1);
  auto peer = a.connect(store, 1);
  a.t.act(*sender, "join", {{"username", "ann"}});
  store.reachable = false;
  Effects answered = a.send(store, *sender, "lost?");
  ASSERT_EQ(answered.frames.size(), 1u);
  const auto meta = parse(answered.frames[0])["meta"];
  EXPECT_EQ(meta["success"], false);
  EXPECT_TRUE(meta["errors"].contains("text"));
  EXPECT_TRUE(answered.wake.empty());
  EXPECT_TRUE(messages_in(a.t.engine->render_html(*sender)).empty());
  EXPECT_NE(a.t.engine->render_html(*sender).find("cannot be reached"), std::string::npos);
  EXPECT_EQ(a.t.engine->metrics().store_errors, 1u);
  EXPECT_EQ(a.t.engine->metrics().bus_published, 0u);
  EXPECT_EQ(peer->dispatch_jobs_waiting(), 0u);
}

TEST(EngineReplica, ATabOpensOnWhatTheStoreHoldsAndAPageLoadReadsItToo) {
  FakeStore store;
  Replica a("instance-a");
  Replica b("instance-b");
  auto sender = a.connect(store, 1);
  a.t.act(*sender, "join", {{"username", "ann"}});
  a.send(store, *sender, "before you came");

  // b heard no broadcast (its subscription was down): Mount still shows the message.
  auto late = b.connect(store, 1);
  ASSERT_TRUE(late);
  EXPECT_EQ(messages_in(b.t.engine->render_html(*late)),
            std::vector<std::string>{"ann: before you came"});

  Replica c("instance-c");
  HttpResponse waiting = c.t.engine->handle_http(
      {"GET", "/realtime/broadcasting", "127.0.0.1:8080", cookie_for(1), "text/html", "", ""});
  ASSERT_TRUE(waiting.store);
  const HttpResponse page = waiting.store->resume(store.run(waiting.store->command));
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("before you came"), std::string::npos);
}

TEST(EngineReplica, AnHttpSendWaitsForTheStoreToo) {
  FakeStore store;
  Replica a("instance-a");
  auto peer = a.connect(store, 1);
  HttpRequest post{"POST",
                   "/realtime/broadcasting?username=bo",
                   "127.0.0.1:8080",
                   cookie_for(1),
                   "application/json",
                   "application/json",
                   R"({"action":"send","data":{"text":"by http"}})"};
  HttpResponse waiting = a.t.engine->handle_http(post);
  ASSERT_TRUE(waiting.store);
  EXPECT_TRUE(waiting.store->command.append);
  const HttpResponse answered = waiting.store->resume(store.run(waiting.store->command));
  EXPECT_EQ(answered.status, 200u);
  EXPECT_EQ(parse(answered.body)["meta"]["success"], true);
  ASSERT_EQ(answered.wake.size(), 1u);
  EXPECT_EQ(answered.wake[0], peer);
  EXPECT_EQ(store.records.size(), 1u);
  EXPECT_EQ(store.published.size(), 1u);
}

TEST(EngineReplica, AfterALinkComesBackEveryConnectionReReadsTheLogUnlessHealIsOff) {
  for (const bool heal : {true, false}) {
    FakeStore store;
    Replica a("instance-a");
    Replica b("instance-b", heal);
    auto sender = a.connect(store, 1);
    auto stale = b.connect(store, 1);
    auto other = b.connect(store, 2);
    a.t.act(*sender, "join", {{"username", "ann"}});
    a.send(store, *sender, "missed");  // b's subscription was down: not heard

    Effects back = b.t.engine->replica_reconnected();
    ASSERT_TRUE(back.store);
    Effects healed = back.store->resume(store.run(back.store->command));
    EXPECT_EQ(healed.wake.size(), heal ? 2u : 0u) << heal;
    b.t.drain(*stale);
    EXPECT_EQ(messages_in(b.t.engine->render_html(*stale)).size(), heal ? 1u : 0u) << heal;
    EXPECT_EQ(b.t.engine->metrics().replica_heals, heal ? 1u : 0u);
  }
}

// A broadcast published after a tab's Mount read the store, but before its group's new
// subscription held, is heard by no one: once the bus confirms the subscription, the group's
// connections (and only they) read the store and refresh; with heal off nothing is read.
TEST(EngineReplica, ANewSubscriptionCatchesUpOnWhatWasPublishedBeforeItHeld) {
  for (const bool heal : {true, false}) {
    FakeStore store;
    Replica a("instance-a");
    Replica b("instance-b", heal);
    auto sender = a.connect(store, 1);
    auto late = b.connect(store, 1);  // asks for group 1's subscription
    auto other = b.connect(store, 2);
    a.t.act(*sender, "join", {{"username", "ann"}});
    a.send(store, *sender, "before the subscription held");

    Effects confirmed = b.t.engine->bus_subscribed(b.subscriptions.front().first);
    ASSERT_EQ(static_cast<bool>(confirmed.store), heal);
    if (!heal) continue;
    Effects caught_up = confirmed.store->resume(store.run(confirmed.store->command));
    ASSERT_EQ(caught_up.wake.size(), 1u);
    EXPECT_EQ(caught_up.wake.front(), late);
    b.t.drain(*late);
    EXPECT_EQ(messages_in(b.t.engine->render_html(*late)).size(), 1u);
    EXPECT_EQ(b.t.engine->metrics().replica_catch_ups, 1u);
  }
}

// A group's persisted fields are written through to the store with a TTL, and a tab of the same
// browser opening on another replica mounts on them; a page load there shows them too.
TEST(EngineReplica, PersistedFieldsLiveInTheStoreForEveryReplica) {
  FakeStore store;
  Replica a("instance-a");
  Replica b("instance-b");
  ConnectResult opening = a.t.open(cookie_for(1), "/realtime/reconnection");
  ASSERT_TRUE(opening.store);
  EXPECT_FALSE(opening.store->command.session_group.empty());
  EXPECT_TRUE(opening.store->command.session_read);
  auto on_a = opening.store->resume(store.run(opening.store->command)).connection;
  ASSERT_TRUE(on_a);
  a.t.act(*on_a, "increment");
  a.t.act(*on_a, "increment");
  ASSERT_FALSE(a.writes.empty());
  for (const StoreCommand& write : a.writes) {
    EXPECT_EQ(write.session_group, on_a->group());
    EXPECT_EQ(write.session_ttl_s, limits::session_ttl_s_default);
    EXPECT_FALSE(write.append);
  }
  a.flush_writes(store);
  EXPECT_EQ(store.sessions.at(on_a->group()).second, limits::session_ttl_s_default);
  EXPECT_GE(a.t.engine->metrics().store_commands, 3u);

  ConnectResult elsewhere = b.t.open(cookie_for(1), "/realtime/reconnection");
  ASSERT_TRUE(elsewhere.store);
  ConnectResult opened = elsewhere.store->resume(store.run(elsewhere.store->command));
  ASSERT_TRUE(opened.connection);
  EXPECT_NE(b.t.engine->render_html(*opened.connection).find("Counter: <strong>2</strong>"),
            std::string::npos);

  HttpResponse page = b.t.engine->handle_http(
      {"GET", "/realtime/reconnection", "127.0.0.1:8080", cookie_for(1), "text/html", "", ""});
  ASSERT_TRUE(page.store);
  const HttpResponse shown = page.store->resume(store.run(page.store->command));
  EXPECT_NE(shown.body.find("Counter: <strong>2</strong>"), std::string::npos);
  EXPECT_TRUE(std::any_of(shown.headers.begin(), shown.headers.end(),
                          [](const auto& h) { return h.first == websocket_header; }));
}

// A task list lives in the memory of the replica that made it, and its id is only unique there:
// a browser's list id from one replica must never open another group's list on the next.
TEST(EngineReplica, ATaskListIdFromAnotherReplicaNeverOpensAnotherGroupsList) {
  FakeStore store;
  Replica a("instance-a");
  Replica b("instance-b");
  const auto open_tasks = [&store](Replica& replica, int browser) {
    ConnectResult opening = replica.t.open(cookie_for(browser), "/realtime/tasks");
    EXPECT_TRUE(opening.store);
    auto connection = opening.store->resume(store.run(opening.store->command)).connection;
    replica.flush_writes(store);
    return connection;
  };
  auto stranger_on_b = open_tasks(b, 2);  // B's first list, for another browser
  ASSERT_TRUE(stranger_on_b);
  b.t.act(*stranger_on_b, "add", {{"title", "a strangers task"}});
  b.flush_writes(store);
  auto mine_on_a = open_tasks(a, 1);  // A's first list: the same number as the stranger's on B
  ASSERT_TRUE(mine_on_a);
  a.t.act(*mine_on_a, "add", {{"title", "my task on A"}});
  a.flush_writes(store);

  auto mine_on_b = open_tasks(b, 1);
  ASSERT_TRUE(mine_on_b);
  EXPECT_EQ(b.t.engine->render_html(*mine_on_b).find("a strangers task"), std::string::npos)
      << "browser 1 on B mounted the list B made for browser 2";
  b.t.act(*mine_on_b, "add", {{"title", "my task on B"}});
  b.flush_writes(store);
  auto mine_again_on_a = open_tasks(a, 1);  // B's save kept A's list for the browser
  ASSERT_TRUE(mine_again_on_a);
  const std::string on_a = a.t.engine->render_html(*mine_again_on_a);
  EXPECT_NE(on_a.find("my task on A"), std::string::npos);
  EXPECT_EQ(on_a.find("my task on B"), std::string::npos);
}

TEST(EngineReplica, OneSubscriptionPerGroupWhileALocalConnectionNeedsIt) {
  FakeStore store;
  Replica a("instance-a");
  auto first = a.connect(store, 1);
  auto second = a.connect(store, 1);
  auto other = a.connect(store, 2);
  ConnectResult tasks_wait = a.t.open(cookie_for(3), "/realtime/tasks");  // not a replicated page
  ASSERT_TRUE(tasks_wait.store);  // its persisted fields are read first
  auto tasks = tasks_wait.store->resume(store.run(tasks_wait.store->command)).connection;
  ASSERT_TRUE(tasks);
  const std::string g1 = first->group(), g2 = other->group();
  EXPECT_EQ(a.subscriptions, (std::vector<std::pair<std::string, bool>>{{g1, true}, {g2, true}}));
  a.t.engine->disconnect(*first);
  EXPECT_EQ(a.subscriptions.size(), 2u);
  a.t.engine->disconnect(*second);
  a.t.engine->disconnect(*other);
  a.t.engine->disconnect(*tasks);
  EXPECT_EQ(a.subscriptions, (std::vector<std::pair<std::string, bool>>{
                                 {g1, true}, {g2, true}, {g1, false}, {g2, false}}));
}

// livetemplate's body, field for field (protocol.md §9), and back.
TEST(GroupActionJson, IsLivetemplatesBodyAndReadsBack) {
  const GroupAction action{"grp", "newmessage", {{"k", 1}}, "inst", 42, 1'764'460'800'123'456};
  const auto body = nlohmann::json::parse(group_action_json(action));
  EXPECT_EQ(body["type"], "group_action");
  EXPECT_EQ(body["groupID"], "grp");
  EXPECT_EQ(body["action"], "newmessage");
  EXPECT_EQ(body["data"], (nlohmann::json{{"k", 1}}));
  EXPECT_EQ(body["seq"], 42);
  EXPECT_EQ(body["timestamp"], "2025-11-30T00:00:00.123456Z");
  EXPECT_EQ(body["instanceID"], "inst");
  const auto read = parse_group_action(group_action_json(action));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->group, "grp");
  EXPECT_EQ(read->seq, 42u);
  EXPECT_EQ(read->data, action.data);
  EXPECT_EQ(group_channel("grp"), "livetemplate:groupaction:group:grp");
  for (const char* bad :
       {"", "[]", R"({"type":"other","groupID":"g","action":"a","seq":1,"instanceID":"i"})",
        R"({"type":"group_action","groupID":"g","action":"a","seq":-1,"instanceID":"i"})",
        R"({"type":"group_action","action":"a","seq":1,"instanceID":"i"})"}) {
    EXPECT_FALSE(parse_group_action(bad)) << bad;
  }
}

TEST(DeliveriesSeen, RunsEachInstanceAndSeqOnceInAnyNearOrder) {
  DeliveriesSeen seen;
  EXPECT_TRUE(seen.first_time("a", 1));
  EXPECT_TRUE(seen.first_time("a", 3));
  EXPECT_FALSE(seen.first_time("a", 3));
  EXPECT_FALSE(seen.first_time("a", 1));
  EXPECT_TRUE(seen.first_time("a", 2));  // late, not seen
  EXPECT_FALSE(seen.first_time("a", 2));
  EXPECT_TRUE(seen.first_time("b", 2));  // another instance's seqs are its own
  EXPECT_TRUE(seen.first_time("a", 100));
  EXPECT_TRUE(seen.first_time("a", 99));
  EXPECT_FALSE(seen.first_time("a", 3));  // past the window: taken as seen
  EXPECT_TRUE(seen.first_time("a", 164));
  EXPECT_FALSE(seen.first_time("a", 100));
  EXPECT_TRUE(seen.first_time("a", 101));
}

}  // namespace
}  // namespace lvt
