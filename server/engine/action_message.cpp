#include "action_message.hpp"

#include <optional>
#include <utility>

#include "limits.hpp"
#include "text.hpp"

namespace lvt {
namespace {

// Nesting depth of a JSON text, counted outside strings, so a deep document is refused
// before the recursive parser sees it.
bool nesting_exceeds(std::string_view json, std::size_t depth_max) {
  return text::scan_json_depth(json, 0, [depth_max](std::size_t, std::size_t depth) {
           return depth <= depth_max;
         }) != std::string_view::npos;
}

// Steps over `expected` at `at`.
bool skip(std::string_view text, std::size_t& at, std::string_view expected) {
  if (text.substr(at, expected.size()) != expected) return false;
  at += expected.size();
  return true;
}

// A JSON string with no escapes and no control characters, whose text is then its contents.
bool plain_string(std::string_view text, std::size_t& at, std::string_view& contents) {
  if (at >= text.size() || text[at] != '"') return false;
  const std::size_t begin = ++at;
  at = lvt::text::find_json_special(text, begin);
  if (at == text.size() || text[at] != '"') return false;
  contents = text.substr(begin, at - begin);
  ++at;
  return true;
}

// The client's compact shape, or nothing (then the general parser decides, errors included).
std::optional<ActionMessage> read_compact(std::string_view text) {
  std::size_t at = 0;
  std::string_view action;
  if (!skip(text, at, "{\"action\":") || !plain_string(text, at, action) ||
      action.size() > limits::action_name_bytes_max || !skip(text, at, ",\"data\":{") ||
      !text::is_valid_utf8(text)) {
    return std::nullopt;
  }
  ActionMessage message{std::string(action), nlohmann::json::object()};
  if (!skip(text, at, "}")) {
    do {
      std::string_view field, value;
      if (!plain_string(text, at, field) || !skip(text, at, ":") ||
          !plain_string(text, at, value)) {
        return std::nullopt;
      }
      // A repeated field: leave it to the general parser to say which one counts.
      if (!message.data.emplace(std::string(field), std::string(value)).second) return std::nullopt;
    } while (skip(text, at, ","));
    if (!skip(text, at, "}")) return std::nullopt;
  }
  if (!skip(text, at, "}") || at != text.size()) return std::nullopt;
  return message;
}

}  // namespace

std::variant<ActionMessage, std::string> parse_action_message(std::string_view json_text) {
  if (auto compact = read_compact(json_text)) return std::move(*compact);
  return parse_action_message_general(json_text);
}

std::variant<ActionMessage, std::string> parse_action_message_general(std::string_view json_text) {
  if (nesting_exceeds(json_text, limits::json_depth_max)) return std::string("invalid_json");
  nlohmann::json message = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return std::string("invalid_json");
  if (!message.is_object()) return std::string("invalid_message");
  ActionMessage parsed{{}, nlohmann::json::object()};
  if (const auto action = message.find("action"); action != message.end()) {
    if (!action->is_string()) return std::string("invalid_message");
    parsed.action = action->get<std::string>();
    if (parsed.action.size() > limits::action_name_bytes_max) return std::string("invalid_message");
  }
  if (const auto data = message.find("data"); data != message.end() && !data->is_null()) {
    if (!data->is_object()) return std::string("invalid_message");
    parsed.data = std::move(*data);
  }
  return parsed;
}

}  // namespace lvt
