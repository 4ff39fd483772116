// The direct reading of the client's compact action messages agrees with the general JSON
// parser on every text: client-shaped messages, and the same spoiled in ways a hostile or
// unusual sender might (whitespace, escapes, repeated or extra members, other value types,
// truncation, a stray byte).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "action_message.hpp"
#include "limits.hpp"
#include "text.hpp"
#include "text_gen.hpp"

namespace lvt {
namespace {

std::string json_string(const std::string& raw) {
  std::string out;
  text::append_json_string(out, raw);
  return out;
}

// What @livetemplate/client writes: {"action":NAME,"data":{FIELD:VALUE,...}}.
rc::Gen<std::string> gen_client_message() {
  return rc::gen::exec([] {
    const auto action = *rc::gen::oneOf(rc::gen::element<std::string>("send", "join", "", "x"),
                                        testing::gen_text());
    const auto fields = *rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
        rc::gen::pair(rc::gen::oneOf(rc::gen::element<std::string>("text", "username", "a"),
                                     testing::gen_text()),
                      testing::gen_text()));
    std::string out = "{\"action\":" + json_string(action) + ",\"data\":{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) out += ',';
      out += json_string(fields[i].first) + ':' + json_string(fields[i].second);
    }
    return out + "}}";
  });
}

// A value of [min, max), any of them at every size: rc::gen::inRange narrows its range with the
// size (under ctest's max_size=50, to its first half), drawn at the nominal size it does not.
template <class T>
T any_in(T min, T max) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(min, max));
}

// A client message, spoiled at one place or not at all.
rc::Gen<std::string> gen_message() {
  return rc::gen::exec([] {
    std::string text = *gen_client_message();
    const std::size_t at = any_in<std::size_t>(0, text.size() + 1);
    switch (any_in(0, 9)) {
      case 0:
        return text;
      case 1:  // whitespace or a stray byte anywhere
        return text.insert(at, *rc::gen::element<std::string>(" ", "\n", "\x01", "\xff", "\\"));
      case 2:  // cut short
        return text.substr(0, at);
      case 3:  // another value type where a field's string was
        return text.insert(text.size() - 2, *rc::gen::element<std::string>(
                                                ",\"n\":1", ",\"b\":true", ",\"z\":null",
                                                ",\"o\":{\"p\":\"q\"}", ",\"l\":[\"x\"]"));
      case 4:  // a repeated field
        return text.insert(text.size() - 2, ",\"text\":\"one\",\"text\":\"two\"");
      case 5:  // an extra member, or the members in the other order
        return *rc::gen::element<std::string>(text.substr(0, text.size() - 1) + ",\"extra\":1}",
                                              "{\"data\":{\"text\":\"a\"},\"action\":\"send\"}");
      case 6: {  // an action name at its bound, or just over it
        const std::size_t length =
            any_in(limits::action_name_bytes_max - 2, limits::action_name_bytes_max + 3);
        return "{\"action\":\"" + std::string(length, 'a') + "\",\"data\":{}}";
      }
      case 7: {  // escapes the client does not write: \u for any character, surrogates
        std::string value;
        for (int n = any_in(1, 4); n > 0; --n) {
          // Upper-case digits too, and text after an escape that looks like more digits.
          value += *rc::gen::element<std::string>(
              R"(\u00e9)", R"(\u00C9)", R"(\ud83d\ude00)", R"(\uD83D\uDE00)", R"(\ud83d)",
              R"(\ude00)", R"(\u0000)", R"(\/)", R"(\b)", R"(\u12G4)", R"(\x)", "plain", "add");
        }
        return "{\"action\":\"send\",\"data\":{\"text\":\"" + value + "\"}}";
      }
      default:  // data that is not an object
        return *rc::gen::element<std::string>("{\"action\":\"send\",\"data\":null}",
                                              "{\"action\":\"send\",\"data\":\"x\"}",
                                              "{\"action\":1,\"data\":{}}", "[1]", "{}");
    }
  });
}

RC_GTEST_PROP(ActionMessage, DirectReadingAgreesWithTheGeneralParser, ()) {
  const std::string text = *gen_message();
  const auto direct = parse_action_message(text);
  const auto general = parse_action_message_general(text);
  RC_ASSERT(direct.index() == general.index());
  if (const auto* code = std::get_if<std::string>(&general)) {
    RC_ASSERT(std::get<std::string>(direct) == *code);
  } else {
    RC_ASSERT(std::get<ActionMessage>(direct).action == std::get<ActionMessage>(general).action);
    RC_ASSERT(std::get<ActionMessage>(direct).data == std::get<ActionMessage>(general).data);
  }
}

TEST(ActionMessage, ReadsWhatTheClientSends) {
  const auto parsed = parse_action_message(R"({"action":"send","data":{"text":"h\u00e9 <b>"}})");
  ASSERT_TRUE(std::holds_alternative<ActionMessage>(parsed));
  EXPECT_EQ(std::get<ActionMessage>(parsed).action, "send");
  EXPECT_EQ(std::get<ActionMessage>(parsed).data.at("text"), "hé <b>");
  const auto escaped =
      parse_action_message(R"({"action":"send","data":{"text":"\"q\" \\ \/ \t \ud83d\ude00"}})");
  ASSERT_TRUE(std::holds_alternative<ActionMessage>(escaped));
  EXPECT_EQ(std::get<ActionMessage>(escaped).data.at("text"), "\"q\" \\ / \t 😀");
  const auto lone = parse_action_message(R"({"action":"send","data":{"text":"\ud83d"}})");
  ASSERT_TRUE(std::holds_alternative<std::string>(lone));
  EXPECT_EQ(std::get<std::string>(lone), "invalid_json");
  const auto plain = parse_action_message(R"({"action":"join","data":{"username":"Zoë"}})");
  ASSERT_TRUE(std::holds_alternative<ActionMessage>(plain));
  EXPECT_EQ(std::get<ActionMessage>(plain).data.at("username"), "Zoë");
}

}  // namespace
}  // namespace lvt
