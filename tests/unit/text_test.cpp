#include <gtest/gtest.h>

#include "action_message.hpp"
#include "limits.hpp"
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

// The scanners read eight bytes at a time: put each kind of byte at every offset around the
// word boundaries and compare with a byte-at-a-time reading.
std::string json_string_bytewise(std::string_view raw) {
  std::string out = "\"";
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out + '"';
}

TEST(WordAtATime, EveryByteAtEveryOffsetReadsAsByteAtATime) {
  for (std::size_t length = 1; length <= 24; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 0x80; ++byte) {
        std::string raw(length, 'a');
        raw[at] = static_cast<char>(byte);
        std::string out;
        text::append_json_string(out, raw);
        ASSERT_EQ(out, json_string_bytewise(raw)) << "byte " << byte << " at " << at;
        const bool special = byte < 0x20 || byte == '"' || byte == '\\';
        ASSERT_EQ(text::find_json_special(raw, 0), special ? at : length);
        ASSERT_EQ(
            text::html_escaped(raw).size() == length,
            std::string_view("&<>\"'{").find(static_cast<char>(byte)) == std::string_view::npos);
        ASSERT_TRUE(text::is_valid_utf8(raw));
        ASSERT_EQ(text::utf8_chars(raw), length);
      }
      std::string raw(length, 'a');
      raw[at] = '\xFF';
      EXPECT_FALSE(text::is_valid_utf8(raw)) << "0xFF at " << at;
      raw[at] = '\xC3';  // a lead byte whose continuation is missing
      EXPECT_FALSE(text::is_valid_utf8(raw)) << "0xC3 at " << at;
      raw.replace(at, 1, "\xC3\xA9");  // é, two bytes, one character
      EXPECT_TRUE(text::is_valid_utf8(raw));
      EXPECT_EQ(text::utf8_chars(raw), length);
      std::string out;
      text::append_json_string(out, raw);
      EXPECT_EQ(out, json_string_bytewise(raw));
    }
  }
}

TEST(ActionMessage, SurrogatePairsAtTheEdgesOfTheRangeDecode) {
  // U+10000 (the first 4-byte code point) and U+10FFFF (low surrogate 0xDFFF), as a client
  // that escapes them sends them.
  const auto read = [](std::string_view json) {
    const auto parsed = parse_action_message(json);
    return std::get<ActionMessage>(parsed).data.at("text").get<std::string>();
  };
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\ud800\udc00"}})"), "\xF0\x90\x80\x80");
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\udbff\udfff"}})"), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\uffff"}})"), "\xEF\xBF\xBF");
}

TEST(ActionMessage, AnEscapeIsFourHexDigitsOfEitherCase) {
  // A client may write the digits in upper case, and the text after an escape may itself look
  // like hex: four digits are read, no more.
  const auto read = [](std::string_view json) {
    const auto parsed = parse_action_message(json);
    return std::get<ActionMessage>(parsed).data.at("text").get<std::string>();
  };
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\u00C9\u00e9\u00FF"}})"), "Ééÿ");
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\u00e9add\u00ABCD"}})"), "éadd«CD");
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"\uD83D\uDE00"}})"), "😀");
}

// The short escapes decode on the client's own (compact) shape as any JSON parser decodes them.
TEST(ActionMessage, ShortEscapesDecodeAsJsonSays) {
  const auto read = [](std::string_view json) {
    const auto parsed = parse_action_message(json);
    return std::get<ActionMessage>(parsed).data.at("text").get<std::string>();
  };
  EXPECT_EQ(read(R"({"action":"send","data":{"text":"a\bb\fc\nd\re\tf\"g\\h\/i"}})"),
            "a\bb\fc\nd\re\tf\"g\\h/i");
}

// What is not JSON is refused, whichever reader looks first: a string cut after a backslash, a
// low surrogate that is not one (though one digit later it would look like one).
TEST(ActionMessage, BrokenEscapesAreRefused) {
  for (const char* frame :
       {R"({"action":"send","data":{"text":"abc\)", R"({"action":"send","data":{"text":"abc\"}})",
        R"({"action":"send","data":{"text":"\uD83D\u0DC00"}})",
        R"({"action":"send","data":{"text":"\uD83Dx"}})"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_action_message(frame))) << frame;
  }
}

// Nesting up to the bound is read; one level more is refused before parsing.
TEST(ActionMessage, NestingUpToTheBoundIsRead) {
  const auto nested = [](std::size_t depth) {
    std::string data = "1";
    for (std::size_t i = 1; i < depth - 1; ++i) data = "[" + data + "]";
    return R"({"action":"send","data":{"text":)" + data + "}}";
  };
  EXPECT_TRUE(
      std::holds_alternative<ActionMessage>(parse_action_message(nested(limits::json_depth_max))));
  EXPECT_EQ(std::get<std::string>(parse_action_message(nested(limits::json_depth_max + 1))),
            "invalid_json");
}

TEST(Trim, RemovesAsciiSpaceAtBothEnds) {
  EXPECT_EQ(text::trim_space("  hi there \n\t"), "hi there");
  EXPECT_EQ(text::trim_space("   "), "");
}

TEST(Form, DecodesPairsAndSkipsMalformed) {
  const auto fields = url::decode_form(
      "text=hello+w%C3%B6rld&send=&bad=%ZZ&=x&dup=1&dup=2&high=%Z4&low=%4Z&cut=%4");
  EXPECT_EQ(fields.at("text"), "hello wörld");
  EXPECT_EQ(fields.at("send"), "");
  EXPECT_EQ(fields.at("dup"), "2");
  for (const char* malformed : {"bad", "high", "low", "cut"}) {
    EXPECT_FALSE(fields.contains(malformed)) << malformed;
  }
  EXPECT_EQ(fields.size(), 3u);
  // An escape cut short by the end of the text is malformed, whatever bytes follow the view.
  EXPECT_TRUE(url::decode_form(std::string_view("a=%41").substr(0, 4)).empty());
  const auto target = url::split_target("/p?a=1");
  EXPECT_EQ(target.path, "/p");
  EXPECT_EQ(target.query, "a=1");
}

}  // namespace
}  // namespace lvt
