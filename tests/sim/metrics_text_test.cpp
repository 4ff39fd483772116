// The simulator reads /metrics as a scraper does; its reader must refuse every text a scraper
// would misread, and take what the Prometheus text format allows.
#include <gtest/gtest.h>

#include <string_view>

#include "metrics_text.hpp"

namespace lvt::sim::detail {
namespace {

constexpr std::string_view families[] = {"lvt_connections", "lvt_errors_total"};

constexpr std::string_view well_formed =
    "# HELP lvt_connections Open WebSocket connections.\n"
    "# TYPE lvt_connections gauge\n"
    "lvt_connections 3\n"
    "# HELP lvt_errors_total Rejected input, by kind.\n"
    "# TYPE lvt_errors_total counter\n"
    "lvt_errors_total{kind=\"field\"} 0\n"
    "lvt_errors_total{kind=\"rate_limited\"} 12\n";

std::string with(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const std::size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  out.replace(at, from.size(), to);
  return out;
}

TEST(MetricsText, ReadsEverySeriesOfAWellFormedText) {
  const MetricsText read = read_metrics_text(well_formed, families);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.samples.size(), 3u);
  EXPECT_EQ(read.samples.at("lvt_connections"), 3u);
  EXPECT_EQ(read.samples.at("lvt_errors_total{kind=\"rate_limited\"}"), 12u);
}

TEST(MetricsText, RefusesEachFaultAScraperWouldMisread) {
  const std::pair<std::string, std::string_view> faulty[] = {
      {with(well_formed, "lvt_connections 3", " 3"), "a sample without a name"},
      {with(well_formed, "# HELP lvt_errors_total Rejected input, by kind.\n", ""),
       "a TYPE line not right after its HELP"},
      {with(well_formed, "# TYPE lvt_connections gauge\n", ""),
       "a sample before its HELP and TYPE"},
      {with(well_formed, "gauge", "histogram"), "a TYPE that is neither counter nor gauge"},
      {with(well_formed, "lvt_connections 3", "lvt_connections three"), "a value that is no count"},
      {with(well_formed, "lvt_connections 3\n", "lvt_connections 3\nlvt_connections 4\n"),
       "a series written twice"},
      {with(well_formed, "{kind=\"field\"} 0", "{kind=\"field\" 0"), "unclosed labels"},
      {with(well_formed, "lvt_connections 3\n", ""), "a family with no sample"},
      {with(well_formed, "rate_limited\"} 12\n", "rate_limited\"} 12"), "no final newline"},
      {std::string(well_formed) + std::string(well_formed.substr(0, 51)),
       "a family described twice"},
  };
  for (const auto& [text, why] : faulty) {
    const MetricsText read = read_metrics_text(text, families);
    EXPECT_TRUE(read.error.starts_with(why))
        << "expected \"" << why << "\", got \"" << read.error << "\" for\n"
        << text;
  }
}

TEST(MetricsText, AFamilyAskedForMustBeThere) {
  constexpr std::string_view more[] = {"lvt_connections", "lvt_frames_sent_total"};
  EXPECT_TRUE(read_metrics_text(well_formed, more).error.starts_with("a family with no sample"));
}

}  // namespace
}  // namespace lvt::sim::detail
