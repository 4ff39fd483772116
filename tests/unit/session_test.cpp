#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "page.hpp"
#include "session.hpp"
#include "test_engine.hpp"

namespace lvt {
namespace {

TEST(Cookie, FindsTheNamedValue) {
  EXPECT_EQ(cookie_value("a=1; livetemplate-id=xyz; b=2", "livetemplate-id"), "xyz");
  EXPECT_EQ(cookie_value("livetemplate-idx=1", "livetemplate-id"), std::nullopt);
  EXPECT_EQ(cookie_value("", "livetemplate-id"), std::nullopt);
}

TEST(SessionId, NewIdsAre32BytesOfBase64UrlAndDiffer) {
  const auto env = testing::test_env(std::make_shared<testing::TestClock>());
  const std::string first = new_session_id(env.fill_random);
  const std::string second = new_session_id(env.fill_random);
  EXPECT_EQ(first.size(), 44u);
  EXPECT_TRUE(is_valid_session_id(first));
  EXPECT_NE(first, second);
  EXPECT_FALSE(is_valid_session_id("short="));
  EXPECT_FALSE(is_valid_session_id(std::string(43, '+') + "="));
  EXPECT_FALSE(is_valid_session_id(std::string(43, 'B') + "="));  // stray low bits
}

TEST(SessionId, IsTheBase64UrlOfItsRandomBytes) {
  // The test's own base64url of bytes 0, 7, 14, ...: every 6-bit group of the id must come from
  // its bytes (a mask or shift off by one still makes an id that looks valid).
  std::vector<unsigned char> random(32);
  for (std::size_t i = 0; i < random.size(); ++i) random[i] = static_cast<unsigned char>(i * 7 + 3);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string want;
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const unsigned char byte : random) {
    bits = (bits << 8) | byte;
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      want += alphabet[(bits >> bit_count) & 0x3F];
    }
  }
  want += alphabet[(bits << (6 - bit_count)) & 0x3F];
  want += '=';
  const std::string id = new_session_id(
      [&random](unsigned char* bytes, std::size_t n) { std::copy_n(random.begin(), n, bytes); });
  EXPECT_EQ(id, want);
}

// A cookie names a group only when it is an id the server could have made: each of the 43
// digits base64url, at every position (the first and the last included), then '='.
TEST(SessionId, EveryDigitMustBeBase64Url) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string valid = std::string(42, 'A') + "A=";
  ASSERT_TRUE(is_valid_session_id(valid));
  for (std::size_t at = 0; at < 42; ++at) {
    for (const char digit : alphabet) {
      std::string id = valid;
      id[at] = digit;
      EXPECT_TRUE(is_valid_session_id(id)) << id;
    }
  }
  for (const std::size_t at : {0u, 1u, 21u, 41u, 42u}) {
    for (const char stranger : std::string_view("+/=.!~ @[`{\x7f")) {
      std::string id = valid;
      id[at] = stranger;
      EXPECT_FALSE(is_valid_session_id(id)) << id;
    }
  }
}

TEST(SessionStore, EvictsTheOldestGroupPastItsBound) {
  SessionStore store(2);
  store.save("a", {{"Counter", 1}});
  store.save("b", {{"Counter", 2}});
  store.save("a", {{"Counter", 3}});  // an update does not count as new
  store.save("c", {{"Counter", 4}});
  EXPECT_EQ(store.groups(), 2u);
  EXPECT_TRUE(store.load("a").empty());
  EXPECT_EQ(store.load("b")["Counter"], 2);
  EXPECT_EQ(store.load("c")["Counter"], 4);
}

TEST(Routing, AcceptsTheFourCaseStyles) {
  for (const char* name : {"newMessage", "new_message", "NewMessage", "new-message"}) {
    EXPECT_EQ(canonical_action(name), "newmessage") << name;
  }
  EXPECT_NE(canonical_action("newMessages"), canonical_action("newMessage"));
}

TEST(FieldText, TurnsTheClientsParsedValuesBackIntoText) {
  const nlohmann::json data = {{"s", "x"}, {"i", 42}, {"f", 1.5}, {"b", true}, {"n", nullptr}};
  EXPECT_EQ(field_text(data, "s"), "x");
  EXPECT_EQ(field_text(data, "i"), "42");
  EXPECT_EQ(field_text(data, "f"), "1.5");
  EXPECT_EQ(field_text(data, "b"), "true");
  EXPECT_EQ(field_text(data, "n"), std::nullopt);
  EXPECT_EQ(field_text(data, "missing"), std::nullopt);
}

}  // namespace
}  // namespace lvt
