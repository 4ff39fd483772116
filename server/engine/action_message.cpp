#include "action_message.hpp"

#include "limits.hpp"

namespace lvt {
namespace {

// Nesting depth of a JSON text, counted outside strings, so a deep document is refused
// before the recursive parser sees it.
bool nesting_exceeds(std::string_view json, std::size_t depth_max) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > depth_max) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::variant<ActionMessage, std::string> parse_action_message(std::string_view json_text) {
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
