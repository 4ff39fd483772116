#include <gtest/gtest.h>

#include "text.hpp"
#include "url.hpp"

namespace lvt {
namespace {

TEST(HtmlEscape, EscapesMarkupQuotesAndTemplateBraces) {
  EXPECT_EQ(text::html_escaped("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(text::html_escaped("a & \"b\""), "a &amp; &#34;b&#34;");
  EXPECT_EQ(text::html_escaped("{{.Secret}}"), "&#123;&#123;.Secret}}");
  EXPECT_EQ(text::html_escaped("héllo ✓"), "héllo ✓");
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  std::string out;
  text::append_json_string(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(Utf8, AcceptsWellFormedAndRejectsMalformed) {
  EXPECT_TRUE(text::is_valid_utf8("plain"));
  EXPECT_TRUE(text::is_valid_utf8("é ✓ 😀"));
  EXPECT_FALSE(text::is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(text::is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(text::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(text::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(text::is_valid_utf8("\xFF"));
  EXPECT_EQ(text::utf8_chars("é✓😀a"), 4u);
}

TEST(Trim, RemovesAsciiSpaceAtBothEnds) {
  EXPECT_EQ(text::trim_space("  hi there \n\t"), "hi there");
  EXPECT_EQ(text::trim_space("   "), "");
}

TEST(Form, DecodesPairsAndSkipsMalformed) {
  const auto fields = url::decode_form("text=hello+w%C3%B6rld&send=&bad=%ZZ&=x&dup=1&dup=2");
  EXPECT_EQ(fields.at("text"), "hello wörld");
  EXPECT_EQ(fields.at("send"), "");
  EXPECT_EQ(fields.at("dup"), "2");
  EXPECT_FALSE(fields.contains("bad"));
  EXPECT_EQ(fields.size(), 3u);
  const auto target = url::split_target("/p?a=1");
  EXPECT_EQ(target.path, "/p");
  EXPECT_EQ(target.query, "a=1");
}

}  // namespace
}  // namespace lvt
