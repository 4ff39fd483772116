// The keyed range ops a frame's tree carries, for tests that assert which ops a change makes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lvt::testing {

// The letters of every range op in `value`, in order (a range sent whole adds "full").
inline void collect_range_ops(const nlohmann::json& value, std::vector<std::string>& ops) {
  if (value.is_array()) {
    const bool op_list =
        !value.empty() && value[0].is_array() && !value[0].empty() && value[0][0].is_string();
    for (const auto& element : value) {
      if (op_list) {
        ops.push_back(element[0].get<std::string>());
      } else {
        collect_range_ops(element, ops);
      }
    }
  } else if (value.is_object()) {
    if (value.contains("d") && value.contains("s")) ops.emplace_back("full");
    for (const auto& [key, child] : value.items()) collect_range_ops(child, ops);
  }
}

}  // namespace lvt::testing
