// The Prometheus text a scraper reads from /metrics, read back the way a scraper reads it
// (written apart from the engine's writer, so a fault in that writer shows).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace lvt::sim::detail {

struct MetricsText {
  // Each series (its name with labels, as written) and its value.
  std::map<std::string, std::uint64_t, std::less<>> samples;
  std::string error;  // empty when the text is well formed and has every family asked for
};

// Every line is `# HELP NAME TEXT`, `# TYPE NAME counter|gauge` (right after its HELP), or a
// sample `NAME[{LABELS}] VALUE` of a family whose HELP and TYPE came before; a family is
// described once, a series written once, and every family in `families` has a sample.
MetricsText read_metrics_text(std::string_view text, std::span<const std::string_view> families);

}  // namespace lvt::sim::detail
