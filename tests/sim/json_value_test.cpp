// The simulator's JSON value: parsing as JSON says, sharing without surprises.
#include "json_value.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace lvt::sim {
namespace {

TEST(Json, ParsesEveryKindAndEscape) {
  const Json value = parse_json(
      R"({"s":["a\"b","\u00e9\ud83d\ude00","\n\t\\/"],"n":-1.5e3,"t":true,"f":false,"z":null})");
  ASSERT_TRUE(value.is_object());
  const std::vector<Json>& strings = value.find("s")->elements();
  EXPECT_EQ(strings[0].text(), "a\"b");
  EXPECT_EQ(strings[1].text(), "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(strings[2].text(), "\n\t\\/");
  EXPECT_EQ(value.find("n")->text(), "-1.5e3");
  EXPECT_TRUE(value.find("t")->boolean());
  EXPECT_FALSE(value.find("f")->boolean());
  EXPECT_TRUE(value.find("z")->is_null());
  EXPECT_EQ(value.find("missing"), nullptr);
}

TEST(Json, RefusesWhatIsNotJson) {
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "tru", "{} {}", "\"a\nb\"", "01x"}) {
    EXPECT_THROW(parse_json(bad), std::runtime_error) << bad;
  }
  EXPECT_THROW(parse_json(std::string(300, '[') + std::string(300, ']')), std::runtime_error);
  EXPECT_NO_THROW(parse_json(std::string(200, '[') + std::string(200, ']')));
}

TEST(Json, TheLastOfDuplicateKeysWins) {
  EXPECT_EQ(parse_json(R"({"a":"1","a":"2"})").find("a")->text(), "2");
  EXPECT_EQ(parse_json(R"({"a":"1","a":"2"})").members().size(), 1u);
}

TEST(Json, ACopyIsSharedUntilOneSideChanges) {
  const Json original = parse_json(R"({"d":[{"0":"x"}]})");
  Json copy = original;
  copy.find("d")->elements().push_back(Json::string("y"));
  copy.at_key("new") = Json::string("z");
  EXPECT_EQ(original.find("d")->elements().size(), 1u);
  EXPECT_EQ(original.find("new"), nullptr);
  EXPECT_EQ(copy.find("d")->elements().size(), 2u);
}

TEST(Json, TheInternerParsesAnItemOnceForEveryFrame) {
  JsonInterner items;
  const Json first = parse_json(R"({"d":[{"0":"1","1":"a"},{"0":"2"}]})", &items);
  const Json second = parse_json(R"(["a",[{"0":"1","1":"a"}]])", &items);
  const Json& shared = second.elements()[1].elements()[0];
  ASSERT_NE(items.find(R"({"0":"1","1":"a"})"), nullptr);
  EXPECT_EQ(shared.find("1")->text(), "a");
  // The same value, not an equal copy: a hash cached on one is there on the other.
  first.find("d")->elements()[0].cache_hash(RenderHash::of("x"), 7);
  EXPECT_TRUE(shared.hash_cached());
  EXPECT_EQ(shared.cached_tag(), 7u);
}

TEST(Json, TheInternerSharesStaticsAcrossFullTrees) {
  JsonInterner parts;
  const Json first = parse_json(R"({"s":["<p>","</p>"],"0":"a"})", &parts);
  const Json second = parse_json(R"({"s":["<p>","</p>"],"0":"b"})", &parts);
  first.find("s")->elements()[0].cache_hash(RenderHash::of("<p>"));
  EXPECT_TRUE(second.find("s")->elements()[0].hash_cached());
  EXPECT_EQ(second.find("0")->text(), "b");
  // Only statics: another member's array is parsed anew.
  const Json third = parse_json(R"({"x":["<p>","</p>"]})", &parts);
  EXPECT_FALSE(third.find("x")->elements()[0].hash_cached());
}

}  // namespace
}  // namespace lvt::sim
