// Text helpers shared by the renderer, the wire encoder and input validation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lvt::text {

// Appends `raw` escaped for HTML text and attribute values. '{' is escaped too: the client's
// tree renderer drops any value that starts with "{{" and ends with "}}", so a user could
// otherwise make their own message vanish on every peer.
void append_html_escaped(std::string& out, std::string_view raw);
std::string html_escaped(std::string_view raw);

// Appends `raw` as a JSON string literal (with quotes). `raw` must be valid UTF-8.
void append_json_string(std::string& out, std::string_view raw);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Number of code points in valid UTF-8.
std::size_t utf8_chars(std::string_view valid_utf8);

// Leading and trailing ASCII and Unicode-space-free trim (Go's strings.TrimSpace on ASCII).
std::string_view trim_space(std::string_view s);

}  // namespace lvt::text
