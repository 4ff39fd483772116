// A broadcast's update encoded once for the peers in one view (Page::shared_view), and what the
// Broadcasting page promises for it. That sharing changes no byte is a RapidCheck property
// (properties/shared_update_test.cpp); the simulator checks every frame against its own model.
#include <gtest/gtest.h>

#include <string>

#include "broadcasting_page.hpp"
#include "test_engine.hpp"
#include "tree.hpp"

namespace lvt {
namespace {

using testing::cookie_for;
using testing::TestEngine;

TEST(SharedUpdate, PeersInOneViewTakeOneEncoding) {
  TestEngine t;
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  auto carol = t.joined(cookie_for(1), "Carol");
  auto watcher = t.connect(cookie_for(1));  // not joined: another page, the same messages
  t.act(*alice, "send", {{"text", "hi"}});
  const auto to_bob = t.drain(*bob);
  const auto to_carol = t.drain(*carol);
  const auto to_watcher = t.drain(*watcher);
  ASSERT_EQ(to_bob.size(), 1u);
  ASSERT_EQ(to_carol.size(), 1u);
  ASSERT_EQ(to_watcher.size(), 1u);
  EXPECT_TRUE(to_bob[0].shares_text_with(to_carol[0]));
  EXPECT_TRUE(to_bob[0].shares_text_with(to_watcher[0]));
  EXPECT_EQ(t.engine->metrics().peer_frames_shared.load(), 2u);
  // Each peer's held tree is its own page, with the message in it.
  for (const auto* peer : {bob.get(), carol.get(), watcher.get()}) {
    const std::string held = tree::to_html(t.engine->sent_tree(*peer));
    EXPECT_EQ(held, t.engine->render_html(*peer));
    EXPECT_NE(held.find("<strong>Alice:</strong> hi"), std::string::npos);
  }
  EXPECT_NE(t.engine->render_html(*carol).find("Posting as <strong>Carol</strong>"),
            std::string::npos);
}

TEST(SharedUpdate, APeerThatPagedBackGetsItsOwnDiff) {
  TestEngine t(testing::unlimited_rate_config(), DemoAppsConfig{100, 2});
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  auto carol = t.joined(cookie_for(1), "Carol");
  for (int i = 0; i < 4; ++i) t.act(*alice, "send", {{"text", "m" + std::to_string(i)}});
  t.drain(*bob);
  t.drain(*carol);
  t.act(*carol, "older");  // Carol's window starts two messages earlier than Bob's
  t.act(*alice, "send", {{"text", "new"}});
  const std::uint64_t shared_before = t.engine->metrics().peer_frames_shared.load();
  const auto to_bob = t.drain(*bob);
  const auto to_carol = t.drain(*carol);
  ASSERT_EQ(to_bob.size(), 1u);
  ASSERT_EQ(to_carol.size(), 1u);
  EXPECT_NE(to_bob[0].text(), to_carol[0].text());
  EXPECT_EQ(t.engine->metrics().peer_frames_shared.load(), shared_before);
  for (const auto* peer : {bob.get(), carol.get()}) {
    EXPECT_EQ(tree::to_html(t.engine->sent_tree(*peer)), t.engine->render_html(*peer));
  }
}

// One top-level slot's HTML.
std::string slot_html(const tree::Node& node, std::size_t slot) {
  static const tree::StaticsRef around = tree::make_statics(tree::Statics{"", ""});
  return tree::to_html(tree::Node{around, {node.slots.at(slot)}});
}

// What BroadcastingPage::shared_view promises: NewMessage changes no top-level slot of the
// render but the messages', whatever else the tab shows (joined or not, a field's error).
TEST(SharedUpdate, NewMessageChangesOnlyTheMessagesSlotOfTheBroadcastingPage) {
  TestEngine t(testing::unlimited_rate_config(), DemoAppsConfig{100, 2});
  auto alice = t.joined(cookie_for(1), "Alice");
  auto bob = t.joined(cookie_for(1), "Bob");
  auto watcher = t.connect(cookie_for(1));
  t.act(*bob, "send", {{"text", std::string(3000, 'x')}});  // refused: an error by the field
  ASSERT_NE(t.engine->render_html(*bob).find("at most"), std::string::npos);
  for (int i = 0; i < 3; ++i) {  // the first fills an empty log, the third slides the window
    const tree::Node bob_before = t.engine->sent_tree(*bob);
    const tree::Node watcher_before = t.engine->sent_tree(*watcher);
    t.act(*alice, "send", {{"text", "m" + std::to_string(i)}});
    t.drain(*bob);
    t.drain(*watcher);
    for (const auto& [peer, before] :
         {std::pair{bob.get(), &bob_before}, std::pair{watcher.get(), &watcher_before}}) {
      const tree::Node& after = t.engine->sent_tree(*peer);
      ASSERT_EQ(after.statics, before->statics);
      for (std::size_t slot = 0; slot < after.slots.size(); ++slot) {
        if (slot == BroadcastingPage::messages_slot) {
          EXPECT_NE(slot_html(after, slot), slot_html(*before, slot));
        } else {
          EXPECT_EQ(slot_html(after, slot), slot_html(*before, slot)) << "slot " << slot;
        }
      }
    }
  }
}

}  // namespace
}  // namespace lvt
