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

TEST(PageText, TheBroadcastingPageShowsNameThenMessages) {
  const std::vector<Message> log = {{1, "Ann", "hi"}, {2, "Bob", "a & b"}};
  EXPECT_EQ(expected_blocks({Page::broadcasting, "", 0, {}}, log),
            (Blocks{"Broadcasting", "All demos", "Join", "No messages yet."}));
  EXPECT_EQ(
      expected_blocks({Page::broadcasting, "Cy", 2, {}}, log),
      (Blocks{"Broadcasting", "All demos", "Posting as Cy", "Ann: hi", "Bob: a & b", "Send"}));
  EXPECT_EQ(expected_blocks({Page::reconnection, "", 0, {3, " n "}}, log),
            (Blocks{"Reconnection", "All demos", "Counter: 3", "Increment", " n ", "Save notes"}));
}

TEST(PageText, ShowsAgreesWithTheExpectedBlocks) {
  const std::vector<Message> log = {{1, "Ann", "hi"}, {2, "Bob", "a & b"}, {3, "A", "nn: hi"}};
  const std::vector<View> views = {{Page::broadcasting, "", 0, {}},
                                   {Page::broadcasting, "Cy", 0, {}},
                                   {Page::broadcasting, "Cy", 2, {}},
                                   {Page::broadcasting, "", 3, {}},
                                   {Page::reconnection, "", 0, {1, "x"}}};
  for (const View& held_view : views) {
    for (const View& view : views) {
      const bool same = expected_blocks(held_view, log) == expected_blocks(view, log);
      EXPECT_EQ(shows(expected_blocks(held_view, log), view, log), same);
    }
  }
  Blocks swapped = expected_blocks(views[2], log);
  swapped[3] = "Ann:  hi";  // one byte more, same ends
  EXPECT_FALSE(shows(swapped, views[2], log));
  swapped[3] = "Annn: i";  // same length, same ends
  EXPECT_FALSE(shows(swapped, views[2], log));
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
