// Text helpers shared by the renderer, the wire encoder and input validation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "planted.hpp"

namespace lvt::text {

// Appends `raw` escaped for HTML text and attribute values. '{' is escaped too: the client's
// tree renderer drops any value that starts with "{{" and ends with "}}", so a user could
// otherwise make their own message vanish on every peer.
void append_html_escaped(std::string& out, std::string_view raw);
std::string html_escaped(std::string_view raw);

// Appends `raw` as a JSON string literal (with quotes). `raw` must be valid UTF-8.
void append_json_string(std::string& out, std::string_view raw);

// Index of the first byte at or after `from` that a JSON string must escape (a quote, a
// backslash or a control character), or `bytes.size()`.
std::size_t find_json_special(std::string_view bytes, std::size_t from);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Number of code points in valid UTF-8.
std::size_t utf8_chars(std::string_view valid_utf8);

// Appends a Unicode code point (not a surrogate) as UTF-8.
void append_utf8(std::string& out, unsigned code_point);

// Leading and trailing ASCII and Unicode-space-free trim (Go's strings.TrimSpace on ASCII).
std::string_view trim_space(std::string_view s);

// Walks a JSON text from `from` and tells `visit(index, depth)` the nesting depth after every
// bracket outside strings ('{' and '[' open, '}' and ']' close), until visit returns false.
// Returns the index of the bracket it stopped at, or npos. No validation: a cheap pre-scan.
template <class Visit>
std::size_t scan_json_depth(std::string_view json, std::size_t from, Visit visit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = from; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[' || ((c == '}' || c == ']') && depth > 0)) {
      depth = c == '{' || c == '[' ? depth + 1 : depth - 1;
      const bool stop = !visit(i, depth);
      if (stop != planted(PlantedBug::json_depth_inverted)) return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace lvt::text
