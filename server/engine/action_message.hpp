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
// What the browser client sends, {"action":"NAME","data":{"FIELD":"VALUE",...}} with no
// whitespace or escapes, is read directly; anything else goes through the general parser.
std::variant<ActionMessage, std::string> parse_action_message(std::string_view json_text);

// The same, always through the general JSON parser: what the direct reading must agree with.
std::variant<ActionMessage, std::string> parse_action_message_general(std::string_view json_text);

}  // namespace lvt
