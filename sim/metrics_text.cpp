#include "metrics_text.hpp"

#include <charconv>
#include <set>

namespace lvt::sim::detail {
namespace {

bool is_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

}  // namespace

MetricsText read_metrics_text(std::string_view text, std::span<const std::string_view> families) {
  MetricsText read;
  std::set<std::string, std::less<>> helped, typed, sampled;
  std::string last_help;
  const auto fail = [&read](std::string_view line, std::string_view why) {
    read.error = std::string(why) + ": \"" + std::string(line.substr(0, 80)) + "\"";
    return read;
  };
  if (!text.empty() && !text.ends_with('\n'))
    return fail(text.substr(text.rfind('\n') + 1), "no final newline");
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.starts_with("# HELP ")) {
      const std::string_view rest = line.substr(7);
      const std::string_view name = rest.substr(0, rest.find(' '));
      if (!is_name(name) || name.size() + 1 >= rest.size())
        return fail(line, "a HELP line without name and text");
      if (!helped.emplace(name).second) return fail(line, "a family described twice");
      last_help = name;
    } else if (line.starts_with("# TYPE ")) {
      const std::string_view rest = line.substr(7);
      const std::string_view name = rest.substr(0, rest.find(' '));
      const std::string_view type = name.size() < rest.size() ? rest.substr(name.size() + 1) : "";
      if (name != last_help) return fail(line, "a TYPE line not right after its HELP");
      if (type != "counter" && type != "gauge")
        return fail(line, "a TYPE that is neither counter nor gauge");
      typed.emplace(name);
      last_help.clear();
    } else {
      const std::size_t space = line.rfind(' ');
      if (space == std::string_view::npos) return fail(line, "a sample without a value");
      const std::string_view series = line.substr(0, space);
      const std::string_view family = series.substr(0, series.find('{'));
      if (!is_name(family)) return fail(line, "a sample without a name");
      if (family.size() < series.size() && !series.ends_with('}'))
        return fail(line, "unclosed labels");
      if (!typed.contains(family)) return fail(line, "a sample before its HELP and TYPE");
      std::uint64_t value = 0;
      const std::string_view digits = line.substr(space + 1);
      const auto [at, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (error != std::errc() || at != digits.data() + digits.size())
        return fail(line, "a value that is no count");
      if (!read.samples.emplace(series, value).second) return fail(line, "a series written twice");
      sampled.emplace(family);
      last_help.clear();
    }
  }
  for (const std::string_view family : families) {
    if (!sampled.contains(family)) return fail(family, "a family with no sample");
  }
  return read;
}

}  // namespace lvt::sim::detail
