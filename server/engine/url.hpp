// Request targets and form bodies: splitting path from query and decoding
// application/x-www-form-urlencoded pairs.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lvt::url {

struct Target {
  std::string path;
  std::string query;  // without '?'
};

Target split_target(std::string_view target);

// Decodes "a=1&b=x+y" into {"a":"1","b":"x y"}; pairs that are not valid UTF-8 are skipped and
// a repeated name keeps its last value.
nlohmann::json decode_form(std::string_view encoded);

}  // namespace lvt::url
