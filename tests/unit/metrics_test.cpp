// /metrics in Prometheus text: every counter the engine and its transport keep, each one sample
// under its own HELP and TYPE lines.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "metrics.hpp"

namespace lvt {
namespace {

// The sample lines of a Prometheus text ("name{labels} value" -> value), checking on the way
// that each sample follows a HELP and a TYPE line of its own metric.
std::map<std::string, std::string> samples_of(const std::string& text) {
  std::map<std::string, std::string> samples;
  std::istringstream lines(text);
  std::string line, declared;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      declared = rest.substr(0, rest.find(' '));
      EXPECT_GT(rest.size(), declared.size() + 1) << "no help text: " << line;
      std::string type;
      EXPECT_TRUE(std::getline(lines, type));
      EXPECT_TRUE(type == "# TYPE " + declared + " counter" ||
                  type == "# TYPE " + declared + " gauge")
          << type;
      continue;
    }
    const std::size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    const std::string series = line.substr(0, space);
    EXPECT_EQ(series.substr(0, series.find('{')), declared) << line;
    EXPECT_TRUE(samples.emplace(series, line.substr(space + 1)).second) << "twice: " << line;
  }
  return samples;
}

TEST(Metrics, EachCounterIsOneSampleUnderItsOwnHelpAndType) {
  Metrics m;
  // Distinct values, so that a sample showing another counter's value is seen.
  std::uint64_t next = 1;
  for (auto* counter : {&m.connections_opened,
                        &m.connections_refused,
                        &m.http_requests,
                        &m.actions,
                        &m.broadcasts_queued,
                        &m.broadcasts_delivered,
                        &m.broadcasts_dropped,
                        &m.broadcasts_coalesced,
                        &m.broadcasts_refused,
                        &m.frames_sent,
                        &m.bytes_sent,
                        &m.frames_received,
                        &m.errors_invalid_json,
                        &m.errors_invalid_message,
                        &m.errors_unknown_action,
                        &m.errors_field,
                        &m.errors_rate_limited,
                        &m.errors_frame_too_big,
                        &m.errors_invalid_utf8,
                        &m.errors_binary_frame,
                        &m.errors_slow_reader,
                        &m.errors_origin_refused,
                        &m.errors_host_refused,
                        &m.errors_bad_request,
                        &m.errors_http_timeout,
                        &m.errors_http_busy,
                        &m.errors_accept_paused,
                        &m.store_commands,
                        &m.store_errors,
                        &m.bus_published,
                        &m.bus_delivered,
                        &m.bus_own_ignored,
                        &m.bus_duplicates,
                        &m.replica_reconnects,
                        &m.replica_heals,
                        &m.replica_catch_ups,
                        &m.cache_lag_records,
                        &m.peer_frames_shared}) {
    *counter = ++next;
  }
  m.connections = -1;  // a gauge is signed
  m.groups = 1;
  const std::map<std::string, std::string> expected = {
      {"lvt_connections", "-1"},
      {"lvt_groups", "1"},
      {"lvt_connections_opened_total", "2"},
      {"lvt_connections_refused_total", "3"},
      {"lvt_http_requests_total", "4"},
      {"lvt_actions_total", "5"},
      {"lvt_broadcasts_queued_total", "6"},
      {"lvt_broadcasts_delivered_total", "7"},
      {"lvt_broadcasts_dropped_total", "8"},
      {"lvt_broadcasts_coalesced_total", "9"},
      {"lvt_broadcasts_refused_total", "10"},
      {"lvt_frames_sent_total", "11"},
      {"lvt_bytes_sent_total", "12"},
      {"lvt_frames_received_total", "13"},
      {"lvt_errors_total{kind=\"invalid_json\"}", "14"},
      {"lvt_errors_total{kind=\"invalid_message\"}", "15"},
      {"lvt_errors_total{kind=\"unknown_action\"}", "16"},
      {"lvt_errors_total{kind=\"field\"}", "17"},
      {"lvt_errors_total{kind=\"rate_limited\"}", "18"},
      {"lvt_errors_total{kind=\"frame_too_big\"}", "19"},
      {"lvt_errors_total{kind=\"invalid_utf8\"}", "20"},
      {"lvt_errors_total{kind=\"binary_frame\"}", "21"},
      {"lvt_errors_total{kind=\"slow_reader\"}", "22"},
      {"lvt_errors_total{kind=\"origin_refused\"}", "23"},
      {"lvt_errors_total{kind=\"host_refused\"}", "24"},
      {"lvt_errors_total{kind=\"bad_request\"}", "25"},
      {"lvt_errors_total{kind=\"http_timeout\"}", "26"},
      {"lvt_errors_total{kind=\"http_busy\"}", "27"},
      {"lvt_errors_total{kind=\"accept_paused\"}", "28"},
      {"lvt_store_commands_total", "29"},
      {"lvt_store_errors_total", "30"},
      {"lvt_bus_published_total", "31"},
      {"lvt_bus_delivered_total", "32"},
      {"lvt_bus_own_ignored_total", "33"},
      {"lvt_bus_duplicates_total", "34"},
      {"lvt_replica_reconnects_total", "35"},
      {"lvt_replica_heals_total", "36"},
      {"lvt_replica_catch_ups_total", "37"},
      {"lvt_cache_lag_records", "38"},
      {"lvt_peer_frames_shared_total", "39"},
  };
  const std::string text = m.prometheus_text();
  EXPECT_EQ(samples_of(text), expected) << text;
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace lvt
