// Generators of realistic user text: multi-byte UTF-8, HTML specials, quotes, template braces,
// whitespace and the occasional long string; never raw bytes (the wire carries UTF-8 only).
#pragma once

#include <string>
#include <vector>

#include <rapidcheck.h>

namespace lvt::testing {

inline rc::Gen<std::string> gen_text() {
  static const std::vector<std::string> fragments = {"a",
                                                     "Z",
                                                     "hello",
                                                     " ",
                                                     "  ",
                                                     "\t",
                                                     "\n",
                                                     "<",
                                                     ">",
                                                     "&",
                                                     "&amp;",
                                                     "\"",
                                                     "'",
                                                     "{{",
                                                     "}}",
                                                     "{{.X}}",
                                                     "é",
                                                     "ü",
                                                     "✓",
                                                     "日本",
                                                     "😀",
                                                     "\\",
                                                     "/",
                                                     "<script>alert(1)</script>",
                                                     "<img src=x onerror=alert(1)>",
                                                     "</p>",
                                                     "0",
                                                     "42",
                                                     "-1.5",
                                                     "true",
                                                     "null"};
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(fragments)),
                   [](const std::vector<std::string>& parts) {
                     std::string out;
                     for (const auto& part : parts) out += part;
                     return out;
                   }),
      rc::gen::map(rc::gen::inRange(60, 2100), [](int n) { return std::string(n, 'x') + "é"; }));
}

}  // namespace lvt::testing
