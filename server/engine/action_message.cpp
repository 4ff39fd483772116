#include "action_message.hpp"

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
