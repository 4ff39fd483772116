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

// Four hex digits at `at`, as the code unit they spell.
bool hex_unit(std::string_view text, std::size_t at, unsigned& unit) {
  if (at + 4 > text.size()) return false;
  unit = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return false;
    unit = unit * 16 + static_cast<unsigned>(digit);
  }
  return true;
}

// The escape after a backslash at `at` (\u with its surrogate pair), decoded onto `out`.
bool read_escape(std::string_view text, std::size_t& at, std::string& out) {
  if (at + 1 >= text.size()) return false;
  const char kind = text[at + 1];
  at += 2;
  switch (kind) {
    case '"':
    case '\\':
    case '/':
      out += kind;
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  unsigned unit = 0;
  if (!hex_unit(text, at, unit)) return false;
  at += 4;
  if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate first
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    unsigned low = 0;
    if (text.substr(at, 2) != "\\u" || !hex_unit(text, at + 2, low) || low < 0xDC00 ||
        low > 0xDFFF) {
      return false;  // a high surrogate alone
    }
    at += 6;
    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
  }
  text::append_utf8(out, unit);
  return true;
}

// A JSON string at `at`, escapes decoded; false on anything else (a raw control byte, a bad
// escape), which the general parser then judges.
bool read_string(std::string_view text, std::size_t& at, std::string& contents) {
  if (at >= text.size() || text[at] != '"') return false;
  ++at;
  contents.clear();
  while (true) {
    const std::size_t special = lvt::text::find_json_special(text, at);
    if (special == text.size()) return false;
    contents.append(text.substr(at, special - at));
    at = special;
    if (text[at] == '"') {
      ++at;
      return true;
    }
    if (text[at] != '\\' || !read_escape(text, at, contents)) return false;
  }
}

// The client's compact shape, or nothing (then the general parser decides, errors included).
std::optional<ActionMessage> read_compact(std::string_view text) {
  std::size_t at = 0;
  std::string action;
  if (!skip(text, at, "{\"action\":") || !read_string(text, at, action) ||
      action.size() > limits::action_name_bytes_max || !skip(text, at, ",\"data\":{") ||
      !text::is_valid_utf8(text)) {
    return std::nullopt;
  }
  ActionMessage message{std::move(action), nlohmann::json::object()};
  if (!skip(text, at, "}")) {
    std::string field, value;
    do {
      if (!read_string(text, at, field) || !skip(text, at, ":") || !read_string(text, at, value)) {
        return std::nullopt;
      }
      // A repeated field: leave it to the general parser to say which one counts.
      if (!message.data.emplace(field, value).second) return std::nullopt;
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
