#include "page.hpp"

#include <cctype>
#include <cmath>

#include "limits.hpp"
#include "planted.hpp"

namespace lvt {

std::string canonical_action(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> field_text(const nlohmann::json& data, std::string_view name) {
  if (!data.is_object()) return std::nullopt;
  const auto found = data.find(name);
  if (found == data.end()) return std::nullopt;
  const nlohmann::json& value = *found;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) {
    const double number = value.get<double>();
    // JavaScript prints integral doubles without a fraction.
    if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 1e15) {
      return std::to_string(static_cast<long long>(number));
    }
    return value.dump();
  }
  return std::nullopt;
}

void ActionContext::broadcast(std::string action, nlohmann::json data) {
  // No storms: an action running as a broadcast may not broadcast again.
  const bool storm = running_as_broadcast_ && !planted(PlantedBug::broadcast_from_broadcast);
  if (storm || broadcasts_.size() >= limits::broadcasts_per_action_max) {
    ++broadcasts_refused_;
    return;
  }
  broadcasts_.push_back({canonical_action(action), std::move(data)});
}

}  // namespace lvt
