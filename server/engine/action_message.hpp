// Parsing one client message, {"action": name, "data": {...}}, with every bound checked.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace lvt {

struct ActionMessage {
  std::string action;   // as sent; empty means "submit"
  nlohmann::json data;  // always an object
};

// An ActionMessage, or the error code to answer with ("invalid_json", "invalid_message").
std::variant<ActionMessage, std::string> parse_action_message(std::string_view json_text);

}  // namespace lvt
