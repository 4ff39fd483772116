#include "form_value.hpp"

#include "json_value.hpp"

namespace lvt::sim {
namespace {

bool prints_back_as_number(std::string_view t) {
  std::size_t at = t.starts_with('-') ? 1 : 0;
  const std::size_t int_at = at;
  while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
  const std::size_t int_digits = at - int_at;
  if (int_digits == 0 || (int_digits > 1 && t[int_at] == '0')) return false;
  std::size_t fraction_digits = 0, leading_zeros = 0;
  if (at < t.size() && t[at] == '.') {
    for (++at; at < t.size() && t[at] >= '0' && t[at] <= '9'; ++at) {
      if (t[at] == '0' && fraction_digits == leading_zeros) ++leading_zeros;
      ++fraction_digits;
    }
    if (fraction_digits == 0 || t.back() == '0') return false;  // "1." and "1.50" stay text
  }
  const bool zero_int = t[int_at] == '0';
  if (at != t.size() || (zero_int && fraction_digits == 0 && int_at == 1)) return false;  // "-0"
  // Up to 15 significant digits print back as typed; below 1e-6 JavaScript uses an exponent.
  const std::size_t significant =
      zero_int ? fraction_digits - leading_zeros : int_digits + fraction_digits;
  return significant <= 15 && !(zero_int && leading_zeros > 5);
}

}  // namespace

FormValue form_value(std::string_view typed) {
  std::string_view trimmed = typed;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t' ||
                              trimmed.front() == '\n' || trimmed.front() == '\r')) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t' ||
                              trimmed.back() == '\n' || trimmed.back() == '\r')) {
    trimmed.remove_suffix(1);
  }
  if (trimmed == "Infinity" || trimmed == "-Infinity") return {"null", ""};
  if (prints_back_as_number(trimmed)) return {std::string(trimmed), std::string(trimmed)};
  if (typed == "true" || typed == "false") return {std::string(typed), std::string(typed)};
  FormValue out{"", std::string(typed)};
  append_json_stringified(out.json, typed);
  return out;
}

std::string form_urlencoded(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
        c == '-' || c == '.' || c == '_') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace lvt::sim
