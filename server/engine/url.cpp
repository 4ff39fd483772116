#include "url.hpp"

#include <optional>

#include "text.hpp"

namespace lvt::url {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode_component(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < encoded.size()) {
      const int high = hex_value(encoded[i + 1]);
      const int low = hex_value(encoded[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '%') {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  if (!text::is_valid_utf8(out)) return std::nullopt;
  return out;
}

}  // namespace

Target split_target(std::string_view target) {
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return {std::string(target), {}};
  return {std::string(target.substr(0, mark)), std::string(target.substr(mark + 1))};
}

nlohmann::json decode_form(std::string_view encoded) {
  nlohmann::json fields = nlohmann::json::object();
  while (!encoded.empty()) {
    const std::size_t end = encoded.find('&');
    const std::string_view pair = encoded.substr(0, end);
    encoded = end == std::string_view::npos ? std::string_view{} : encoded.substr(end + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const auto name = decode_component(pair.substr(0, eq));
    const auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                    : decode_component(pair.substr(eq + 1));
    if (name && value && !name->empty()) fields[*name] = *value;
  }
  return fields;
}

}  // namespace lvt::url
