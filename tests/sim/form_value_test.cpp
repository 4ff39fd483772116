// The simulated client sends form fields as @livetemplate/client does (parseValue, then
// JSON.stringify); the expectations are what that code does in a browser.
#include <gtest/gtest.h>

#include "form_value.hpp"
#include "json_value.hpp"

namespace lvt::sim {
namespace {

TEST(FormValue, NumbersThatPrintBackGoAsNumbers) {
  for (const char* typed : {"42", " 42 ", "-7", "3.14", "-0.5", "0.000001", "123456789012345"}) {
    const FormValue sent = form_value(typed);
    EXPECT_EQ(sent.json, sent.server_text) << typed;
    EXPECT_EQ(sent.json.find('"'), std::string::npos) << typed;
  }
  EXPECT_EQ(form_value(" 42 ").server_text, "42");  // the client trims what becomes a number
}

TEST(FormValue, TextThatPrintsBackOtherwiseStaysText) {
  for (const char* typed : {"007", "1.50", "1e3", "-0", "1.", ".5", "0.0000001", "1234567890123456",
                            "42 hi", "true ", "NaN", "0x10"}) {
    EXPECT_EQ(form_value(typed).json.front(), '"') << typed;
    EXPECT_EQ(form_value(typed).server_text, typed);
  }
}

TEST(FormValue, BooleansAndInfinity) {
  EXPECT_EQ(form_value("true").json, "true");
  EXPECT_EQ(form_value("false").json, "false");
  EXPECT_EQ(form_value("Infinity").json, "null");  // JSON.stringify(Infinity)
  EXPECT_EQ(form_value("Infinity").server_text, "");
}

TEST(FormUrlencoded, EncodesAsABrowserSubmitsAForm) {
  EXPECT_EQ(form_urlencoded("a b&c=d"), "a+b%26c%3Dd");
  EXPECT_EQ(form_urlencoded("*-._~!"), "*-._%7E%21");
  EXPECT_EQ(form_urlencoded("é+\n"), "%C3%A9%2B%0A");
}

TEST(JsonStringified, EscapesAsJavaScriptDoes) {
  std::string out;
  append_json_stringified(out, "a\"b\\c\n\t\x01\x1f é😀</");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f é😀</\"");
  EXPECT_EQ(parse_json(out).text(), "a\"b\\c\n\t\x01\x1f é😀</");
}

}  // namespace
}  // namespace lvt::sim
