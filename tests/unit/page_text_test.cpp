// The oracle's reading of pages, on hand-written HTML (never the engine's render).
#include <gtest/gtest.h>

#include "page_text.hpp"

namespace lvt::model {
namespace {

using Blocks = std::vector<std::string>;

TEST(PageText, ReadsTheTextOfEachBlockAndDecodesReferences) {
  EXPECT_EQ(text_blocks("<main><h1>Chat</h1><p>Posting as <strong>Zo&#235;</strong></p>"
                        "<div id=\"m\"><p data-key=\"1\"><strong>Ann:</strong> a &amp;lt; b"
                        " &#34;q&#x22; &#123;&#123;x}} &quot;&apos;</p></div>"
                        "<form><input name=\"text\"><button name=\"send\">Send</button></form>"
                        "</main>"),
            (Blocks{"Chat", "Posting as Zoë", "Ann: a &lt; b \"q\" {{x}} \"'", "Send"}));
}

TEST(PageText, UserTextThatBecameMarkupIsNotTheText) {
  // An unescaped "<b>x</b>" is a tag to the browser, so the text a person reads lost it.
  EXPECT_EQ(text_blocks("<p>Ann: <b>x</b></p>"), (Blocks{"Ann: x"}));
  EXPECT_EQ(text_blocks("<p>Ann: a<p>b</p></p>"), (Blocks{"Ann: a", "b"}));
  // A '<' that starts no tag, and an '&' that starts no reference, are text.
  EXPECT_EQ(text_blocks("<p>1 < 2 & 3 &bogus; &#xZZ;</p>"), (Blocks{"1 < 2 & 3 &bogus; &#xZZ;"}));
}

TEST(PageText, ATextareaIsVerbatimAndKeptWhenEmpty) {
  EXPECT_EQ(text_blocks("<form><textarea name=\"n\">\n  two\n\nlines </textarea>"
                        "<button>Save</button></form><form><textarea>\n</textarea></form>"),
            (Blocks{"  two\n\nlines ", "Save", ""}));
  EXPECT_EQ(text_blocks("<textarea>&lt;p&gt;</TEXTAREA>"), (Blocks{"<p>"}));
}

TEST(PageText, ADocumentShowsItsBodyOnly) {
  EXPECT_EQ(text_blocks("<!DOCTYPE html><html><head><title>T</title><style>p{x:y}</style>"
                        "</head><body><!-- note --><div data-lvt-id=\"lvt-1\"><h1>Hi</h1></div>"
                        "<script defer src=\"/c.js\">var a = '<p>';</script></body></html>"),
            (Blocks{"Hi"}));
}

constexpr GroupMode cookie = GroupMode::cookie;
constexpr GroupMode global = GroupMode::global;

TEST(PageText, TheBroadcastingPageShowsNameThenMessages) {
  const std::vector<Message> log = {{1, "Ann", "hi"}, {2, "Bob", "a & b"}};
  const std::string scope(explanation(Page::broadcasting, cookie));
  EXPECT_EQ(expected_blocks({Page::broadcasting, "", 0, {}, cookie, {}, {}}, log),
            (Blocks{"Broadcasting", "All demos", scope, "Join", "No messages yet."}));
  EXPECT_EQ(expected_blocks({Page::broadcasting, "Cy", 2, {}, cookie, {}, {}}, log),
            (Blocks{"Broadcasting", "All demos", scope, "Posting as Cy", "Ann: hi", "Bob: a & b",
                    "Send"}));
  EXPECT_EQ(
      expected_blocks({Page::reconnection, "", 0, {3, " n "}, cookie, {}, {}}, log),
      (Blocks{"Reconnection", "All demos", std::string(explanation(Page::reconnection, cookie)),
              "Counter: 3", "Increment", " n ", "Save notes"}));
}

TEST(PageText, TheExplanationSaysWhatTheGroupModeMeans) {
  // Under cookie groups a page must say why another browser does not see new messages, and how
  // to change it; under one global group, that every visitor is in it.
  const std::string_view broadcasting = explanation(Page::broadcasting, cookie);
  EXPECT_NE(broadcasting.find("other tabs of this browser"), std::string_view::npos);
  EXPECT_NE(broadcasting.find("private window is another group"), std::string_view::npos);
  EXPECT_NE(broadcasting.find("--group-mode global"), std::string_view::npos);
  EXPECT_NE(explanation(Page::broadcasting, global).find("every open tab"), std::string_view::npos);
  EXPECT_NE(explanation(Page::reconnection, cookie).find("per session group"),
            std::string_view::npos);
  EXPECT_NE(explanation(Page::reconnection, global).find("every visitor shares"),
            std::string_view::npos);
  // Four different lines: a page under the wrong mode does not read as right.
  EXPECT_NE(broadcasting, explanation(Page::broadcasting, global));
  EXPECT_NE(explanation(Page::reconnection, cookie), explanation(Page::reconnection, global));
  const std::vector<Message> log;
  const View in_global{Page::broadcasting, "", 0, {}, global, {}, {}};
  EXPECT_EQ(expected_blocks(in_global, log)[2], explanation(Page::broadcasting, global));
  EXPECT_FALSE(
      shows(expected_blocks(in_global, log), {Page::broadcasting, "", 0, {}, cookie, {}, {}}, log));
}

TEST(PageText, AFieldErrorFollowsItsFormWhileTheFormIsShown) {
  const std::vector<Message> log = {{1, "Ann", "hi"}};
  const std::string name_error = too_long_error("username");
  const std::string text_error = too_long_error("text");
  EXPECT_EQ(name_error, "Username must be at most 64 characters");
  EXPECT_EQ(text_error, "Message must be at most 2000 characters");
  EXPECT_EQ(too_long_error("notes"), "Notes must be at most 10000 characters");
  const std::string scope(explanation(Page::broadcasting, cookie));
  EXPECT_EQ(
      expected_blocks({Page::broadcasting, "", 1, {}, cookie, {{"username", name_error}}, {}}, log),
      (Blocks{"Broadcasting", "All demos", scope, "Join", name_error, "Ann: hi"}));
  EXPECT_EQ(
      expected_blocks({Page::broadcasting, "Cy", 1, {}, cookie, {{"text", text_error}}, {}}, log),
      (Blocks{"Broadcasting", "All demos", scope, "Posting as Cy", "Ann: hi", "Send", text_error}));
  // Joined, the join form is gone and its error with it.
  EXPECT_EQ(expected_blocks(
                {Page::broadcasting, "Cy", 1, {}, cookie, {{"username", name_error}}, {}}, log),
            expected_blocks({Page::broadcasting, "Cy", 1, {}, cookie, {}, {}}, log));
  EXPECT_EQ(expected_blocks(
                {Page::reconnection, "", 0, {2, "n"}, cookie, {{"notes", "Too long"}}, {}}, log)
                .back(),
            "Too long");
}

TEST(PageText, ARefusedActionLeavesItsErrorUntilTheConnectionsNextSuccess) {
  Model model({});
  model.open(1, /*browser=*/0);
  model.open(2, /*browser=*/0);
  model.join(1, std::string(65, 'n'));
  EXPECT_EQ(model.tab(1).errors,
            (FieldErrors{{"username", "Username must be at most 64 characters"}}));
  EXPECT_TRUE(model.tab(2).errors.empty());  // another connection's refusal is not its own
  model.join(1, "  ");                       // a no-op is a success
  EXPECT_TRUE(model.tab(1).errors.empty());
  model.join(1, "Ann");
  model.join(2, "Bob");
  EXPECT_FALSE(model.send(1, std::string(2001, 'x')));
  EXPECT_EQ(model.tab(1).errors.count("text"), 1u);
  EXPECT_TRUE(model.send(2, "hi"));  // a peer's broadcast leaves it
  model.deliver(1);
  EXPECT_EQ(model.tab(1).errors.count("text"), 1u);
  EXPECT_TRUE(model.send(1, "short"));
  EXPECT_TRUE(model.tab(1).errors.empty());
  EXPECT_FALSE(model.send(1, std::string(2001, 'x')));
  model.close(1);
  model.open(1, 0);  // a new connection starts without it
  EXPECT_TRUE(model.tab(1).errors.empty());
  // Without a name a long text is a no-op, not a refusal.
  EXPECT_FALSE(model.send(1, std::string(2001, 'x')));
  EXPECT_TRUE(model.tab(1).errors.empty());
  model.open(3, 0, Page::reconnection);
  model.save_notes(3, std::string(10001, 'x'));
  EXPECT_EQ(model.tab(3).errors.count("notes"), 1u);
  EXPECT_EQ(model.tab(3).fields.notes, "");
  model.increment(3);
  EXPECT_TRUE(model.tab(3).errors.empty());
  EXPECT_EQ(view_of(model.tab(3), global).group_mode, global);
}

TEST(PageText, ShowsAgreesWithTheExpectedBlocks) {
  const std::vector<Message> log = {{1, "Ann", "hi"}, {2, "Bob", "a & b"}, {3, "A", "nn: hi"}};
  const FieldErrors name_error = {{"username", too_long_error("username")}};
  const FieldErrors text_error = {{"text", too_long_error("text")}};
  const std::vector<View> views = {
      {Page::broadcasting, "", 0, {}, cookie, {}, {}},
      {Page::broadcasting, "Cy", 0, {}, cookie, {}, {}},
      {Page::broadcasting, "Cy", 2, {}, cookie, {}, {}},
      {Page::broadcasting, "", 3, {}, cookie, {}, {}},
      {Page::broadcasting, "", 3, {}, global, {}, {}},
      {Page::broadcasting, "", 0, {}, cookie, name_error, {}},
      {Page::broadcasting, "", 2, {}, cookie, text_error, {}},
      {Page::broadcasting, "Cy", 2, {}, cookie, text_error, {}},
      {Page::broadcasting, "Cy", 2, {}, cookie, name_error, {}},
      {Page::reconnection, "", 0, {1, "x"}, cookie, {}, {}},
      {Page::reconnection, "", 0, {1, "x"}, global, {}, {}},
      {Page::reconnection, "", 0, {1, "x"}, cookie, {{"notes", too_long_error("notes")}}, {}}};
  for (const View& held_view : views) {
    for (const View& view : views) {
      const bool same = expected_blocks(held_view, log) == expected_blocks(view, log);
      EXPECT_EQ(shows(expected_blocks(held_view, log), view, log), same);
    }
  }
  Blocks swapped = expected_blocks(views[2], log);
  swapped[4] = "Ann:  hi";  // one byte more, same ends
  EXPECT_FALSE(shows(swapped, views[2], log));
  swapped[4] = "Annn: i";  // same length, same ends
  EXPECT_FALSE(shows(swapped, views[2], log));
  Blocks other_error = expected_blocks(views[7], log);
  other_error.back() = "Message is too long";
  EXPECT_FALSE(shows(other_error, views[7], log));
}

TEST(PageText, TheFirstDifferenceSaysWhereAndWhat) {
  EXPECT_TRUE(first_difference({"a", "b"}, {"a", "b"}).empty());
  const BlockDifference d = first_difference({"a", "b & c"}, {"a", "b &amp; c"});
  EXPECT_EQ(d.expected, "block 2: 'b & c'");
  EXPECT_EQ(d.held, "block 2: 'b &amp; c'");
  EXPECT_EQ(first_difference({"a"}, {"a", "x"}).expected, "block 2: none (1 blocks)");
}

TEST(PageText, EscapedJsonBytesCountsWhatACorrectServerSpends) {
  EXPECT_EQ(escaped_json_bytes("ab"), 4u);
  EXPECT_EQ(escaped_json_bytes("<&>"), 2u + 4 + 5 + 4);
  EXPECT_EQ(escaped_json_bytes("\"'{"), 2u + 6 + 5 + 6);
  EXPECT_EQ(escaped_json_bytes("\\\n\x01"), 2u + 2 + 2 + 6);
  EXPECT_EQ(escaped_json_bytes("é"), 4u);  // bytes, not characters
}

}  // namespace
}  // namespace lvt::model
