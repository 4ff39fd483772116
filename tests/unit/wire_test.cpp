#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "message_log.hpp"
#include "tree.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

using nlohmann::json;
using tree::Item;
using tree::Node;
using tree::Range;

const tree::StaticsRef page_statics = tree::make_statics({"<div>", "</div>"});
const tree::StaticsRef yes_statics = tree::make_statics({"<b>", "</b><i>", "</i>"});
const tree::StaticsRef no_statics = tree::make_statics({"<p>none</p>"});
const tree::StaticsRef item_statics = tree::make_statics({"<li data-key=\"", "\">", "</li>"});

Item item(const std::string& key, const std::string& text) {
  return Item{key, text};
}

Node page_with(tree::Value value) {
  return Node{page_statics, {std::move(value)}};
}

Node list(std::vector<Item> items) {
  return page_with(tree::make_range(item_statics, 0, std::move(items)));
}

json diff_json(const Node& before, const Node& after) {
  return json::parse(wire::diff(before, after));
}

TEST(WireFull, CarriesStaticsAndSlots) {
  const Node tree = page_with(Node{yes_statics, {std::string("a"), std::string("b")}});
  EXPECT_EQ(json::parse(wire::full(tree)),
            json::parse(
                R"({"s":["<div>","</div>"],"0":{"s":["<b>","</b><i>","</i>"],"0":"a","1":"b"}})"));
}

TEST(WireFull, RangeCarriesItemsStaticsAndIdKey) {
  EXPECT_EQ(json::parse(wire::full(list({item("1", "x")}))),
            json::parse(R"({"s":["<div>","</div>"],"0":{"d":[{"0":"1","1":"x"}],
              "s":["<li data-key=\"","\">","</li>"],"m":{"idKey":"0"}}})"));
}

// Statics built by hand, whose encoding make_statics has not filled, go out the same.
TEST(WireFull, StaticsWithoutTheirEncodingAreEncodedTheSame) {
  for (const tree::Statics& by_hand :
       {tree::Statics{"<p>none</p>"}, tree::Statics{"<b>", "</b><i>", "</i>"}}) {
    const std::vector<tree::Value> slots(by_hand.size() - 1, std::string("x\"y"));
    EXPECT_EQ(wire::full(Node{&by_hand, slots}),
              wire::full(Node{tree::make_statics(by_hand), slots}));
  }
  const tree::Statics by_hand{"<b>", "</b><i>", "</i>"};
  EXPECT_EQ(json::parse(wire::full(Node{&by_hand, {std::string("a"), std::string("b")}})),
            json::parse(R"({"s":["<b>","</b><i>","</i>"],"0":"a","1":"b"})"));
}

// Equal statics are one object, whoever makes them: a node's statics compare by identity.
TEST(Statics, EqualStaticsAreInternedAsOne) {
  const tree::StaticsRef first = tree::make_statics({"<p>", "</p>"});
  EXPECT_EQ(tree::make_statics({"<p>", "</p>"}), first);
  EXPECT_NE(tree::make_statics({"<p>", "</p >"}), first);
  EXPECT_NE(tree::make_statics({"<p>", "", "</p>"}), first);
  EXPECT_EQ(first->json, R"(["<p>","</p>"])");
}

TEST(WireDiff, NothingChangedIsAnEmptyObject) {
  const Node tree = page_with(Node{yes_statics, {std::string("a"), std::string("b")}});
  std::string out;
  EXPECT_FALSE(wire::append_diff(out, tree, tree));
  EXPECT_EQ(out, "{}");
}

TEST(WireDiff, OnlyChangedSlotsOfTheSameBranch) {
  const Node before = page_with(Node{yes_statics, {std::string("a"), std::string("b")}});
  const Node after = page_with(Node{yes_statics, {std::string("a"), std::string("c")}});
  EXPECT_EQ(diff_json(before, after), json::parse(R"({"0":{"1":"c"}})"));
}

TEST(WireDiff, ABranchSwitchSendsTheWholeNodeWithStatics) {
  const Node yes = page_with(Node{yes_statics, {std::string("a"), std::string("b")}});
  const Node no = page_with(Node{no_statics, {}});
  EXPECT_EQ(diff_json(yes, no), json::parse(R"({"0":{"s":["<p>none</p>"]}})"));
  EXPECT_EQ(diff_json(no, yes),
            json::parse(R"({"0":{"s":["<b>","</b><i>","</i>"],"0":"a","1":"b"}})"));
}

TEST(WireDiff, TextToNodeSendsTheNode) {
  const Node before = page_with(std::string("plain"));
  const Node after = page_with(Node{no_statics, {}});
  EXPECT_EQ(diff_json(before, after), json::parse(R"({"0":{"s":["<p>none</p>"]}})"));
}

TEST(RangeOps, Append) {
  EXPECT_EQ(diff_json(list({item("a", "A")}), list({item("a", "A"), item("b", "B")})),
            json::parse(R"({"0":[["a",[{"0":"b","1":"B"}]]]})"));
}

TEST(RangeOps, Prepend) {
  EXPECT_EQ(diff_json(list({item("b", "B")}), list({item("a", "A"), item("b", "B")})),
            json::parse(R"({"0":[["p",[{"0":"a","1":"A"}]]]})"));
}

TEST(RangeOps, Remove) {
  EXPECT_EQ(diff_json(list({item("a", "A"), item("b", "B"), item("c", "C")}),
                      list({item("a", "A"), item("c", "C")})),
            json::parse(R"({"0":[["r","b"]]})"));
}

TEST(RangeOps, UpdateSendsOnlyChangedSlots) {
  EXPECT_EQ(
      diff_json(list({item("a", "A"), item("b", "B")}), list({item("a", "A"), item("b", "B2")})),
      json::parse(R"({"0":[["u","b",{"1":"B2"}]]})"));
}

TEST(RangeOps, InsertAfterAKey) {
  EXPECT_EQ(diff_json(list({item("a", "A"), item("c", "C")}),
                      list({item("a", "A"), item("b", "B"), item("c", "C")})),
            json::parse(R"({"0":[["i","a",{"0":"b","1":"B"}]]})"));
}

TEST(RangeOps, Reorder) {
  EXPECT_EQ(diff_json(list({item("a", "A"), item("b", "B"), item("c", "C")}),
                      list({item("c", "C"), item("a", "A"), item("b", "B")})),
            json::parse(R"({"0":[["o",["c","a","b"]]]})"));
}

// Keys that repeat cannot address an item: the range goes out whole, before or after.
TEST(RangeOps, DuplicateKeysSendTheWholeRange) {
  const Node unique = list({item("a", "A"), item("b", "B")});
  const Node repeated = list({item("a", "A"), item("a", "B")});
  EXPECT_EQ(diff_json(unique, repeated), (json{{"0", json::parse(wire::full(repeated))["0"]}}));
  EXPECT_EQ(diff_json(repeated, unique), (json{{"0", json::parse(wire::full(unique))["0"]}}));
}

// The client keeps a range's item statics and key slot from its last whole copy: when either
// changes, the range goes out whole, even with the same items.
TEST(RangeOps, OtherItemStaticsOrAnotherKeySlotSendTheWholeRange) {
  const auto other_statics = tree::make_statics({"<p id=\"", "\">", "</p>"});
  const std::vector<Item> items = {item("a", "b"), item("b", "a")};
  const Node before = list(items);
  for (const Node& after : {page_with(tree::make_range(other_statics, 0, items)),
                            page_with(tree::make_range(item_statics, 1, items))}) {
    EXPECT_EQ(diff_json(before, after), (json{{"0", json::parse(wire::full(after))["0"]}}));
  }
}

TEST(RangeOps, EmptyToNonEmptyAndBackSendTheWholeRange) {
  const Node empty = list({});
  const Node one = list({item("a", "A")});
  EXPECT_EQ(diff_json(empty, one), (json{{"0", json::parse(wire::full(one))["0"]}}));
  EXPECT_EQ(diff_json(one, empty)["0"]["d"], json::array());
  EXPECT_EQ(wire::diff(empty, list({})), "{}");
}

tree::Item render_message(const Message& m) {
  return Item{std::to_string(m.id), m.text};
}

// A window of the log with the newest `span` messages as of `end` appended.
Node window_view(const MessageLog& log, std::size_t span, std::size_t end) {
  const auto window = log.window(span, &render_message, end);
  return page_with(Range{item_statics, 0, window, window->size()});
}

TEST(RangeOps, AWindowOfTheLogDiffsByTheAppendedItemsAlone) {
  MessageLog log(10'000);
  for (int i = 0; i < 5000; ++i) log.append("u", "m" + std::to_string(i));
  const std::string small = wire::diff(window_view(log, 0, 3), window_view(log, 0, 4));
  const std::string large = wire::diff(window_view(log, 0, 4999), window_view(log, 0, 5000));
  EXPECT_EQ(json::parse(small), json::parse(R"({"0":[["a",[{"0":"4","1":"m3"}]]]})"));
  // The same one-item append costs the same bytes at any log length, but for the id's digits.
  EXPECT_EQ(small.size() + 3 + 3, large.size());
  EXPECT_EQ(wire::diff(window_view(log, 0, 7), window_view(log, 0, 7)), "{}");
}

// A window that slides removes what fell off its front; one that widens prepends.
TEST(RangeOps, AWindowThatSlidesRemovesAndOneThatWidensPrepends) {
  MessageLog log(100);
  for (int i = 0; i < 10; ++i) log.append("u", "m" + std::to_string(i));
  EXPECT_EQ(
      diff_json(window_view(log, 3, 8), window_view(log, 3, 10)),
      json::parse(R"({"0":[["r","6"],["r","7"],["a",[{"0":"9","1":"m8"},{"0":"10","1":"m9"}]]]})"));
  EXPECT_EQ(
      diff_json(window_view(log, 3, 10), window_view(log, 6, 10)),
      json::parse(R"({"0":[["p",[{"0":"5","1":"m4"},{"0":"6","1":"m5"},{"0":"7","1":"m6"}]]]})"));
  EXPECT_EQ(diff_json(window_view(log, 3, 9), window_view(log, 5, 10)),
            json::parse(R"({"0":[["p",[{"0":"6","1":"m5"}]],["a",[{"0":"10","1":"m9"}]]]})"));
  // Windows with nothing in common: the range whole.
  EXPECT_EQ(diff_json(window_view(log, 2, 4), window_view(log, 2, 10))["0"]["d"],
            json::parse(R"([{"0":"9","1":"m8"},{"0":"10","1":"m9"}])"));
  // A window that shrinks at its end (no page makes one) removes its tail.
  EXPECT_EQ(diff_json(window_view(log, 0, 4), window_view(log, 0, 3)),
            json::parse(R"({"0":[["r","4"]]})"));
}

}  // namespace
}  // namespace lvt
