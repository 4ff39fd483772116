// A form field as the browser client sends it (its parseValue, then JSON.stringify).
#pragma once

#include <string>
#include <string_view>

namespace lvt::sim {

// Text whose trimmed form a JavaScript number prints back unchanged goes as that number ("42",
// "-3.5"; not "007", "1.50", "1e3"), "Infinity" as the null JSON.stringify writes for it,
// exactly "true" and "false" as booleans, the rest as a string. `json` is what goes on the wire,
// `server_text` what a correct server reads from it (a number's printed form, "" for null).
struct FormValue {
  std::string json, server_text;
};
FormValue form_value(std::string_view typed);

// `text` as a browser writes it in application/x-www-form-urlencoded (a form's body, or the
// query of a GET form): space as '+', letters, digits and *-._ as they are, every other byte
// as %XX.
std::string form_urlencoded(std::string_view text);

}  // namespace lvt::sim
