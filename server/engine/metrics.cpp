#include "metrics.hpp"

namespace lvt {
namespace {

template <class Number>
void line(std::string& out, const char* name, const char* type, const char* help, Number value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void error_line(std::string& out, const char* kind, std::uint64_t value) {
  out += "lvt_errors_total{kind=\"";
  out += kind;
  out += "\"} ";
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string Metrics::prometheus_text() const {
  std::string out;
  line(out, "lvt_connections", "gauge", "Open WebSocket connections.", connections.load());
  line(out, "lvt_groups", "gauge", "Session groups with at least one connection.", groups.load());
  line(out, "lvt_connections_opened_total", "counter", "WebSocket connections accepted.",
       connections_opened.load());
  line(out, "lvt_connections_refused_total", "counter", "WebSocket upgrades refused.",
       connections_refused.load());
  line(out, "lvt_http_requests_total", "counter", "HTTP requests answered.", http_requests.load());
  line(out, "lvt_actions_total", "counter", "Actions run for a sender (not broadcasts).",
       actions.load());
  line(out, "lvt_broadcasts_queued_total", "counter", "Broadcasts queued for a recipient.",
       broadcasts_queued.load());
  line(out, "lvt_broadcasts_delivered_total", "counter", "Broadcasts run on a recipient.",
       broadcasts_delivered.load());
  line(out, "lvt_broadcasts_dropped_total", "counter", "Broadcasts dropped on a full queue.",
       broadcasts_dropped.load());
  line(out, "lvt_broadcasts_coalesced_total", "counter",
       "Broadcasts absorbed by an equal refresh already waiting.", broadcasts_coalesced.load());
  line(out, "lvt_broadcasts_refused_total", "counter",
       "Broadcasts refused at the source (over 100, or from a broadcast-run action).",
       broadcasts_refused.load());
  line(out, "lvt_peer_frames_shared_total", "counter",
       "Peer updates that took the encoding made for another connection in the same view.",
       peer_frames_shared.load());
  line(out, "lvt_frames_sent_total", "counter", "WebSocket frames written.", frames_sent.load());
  line(out, "lvt_bytes_sent_total", "counter", "WebSocket payload bytes written.",
       bytes_sent.load());
  line(out, "lvt_frames_received_total", "counter", "WebSocket frames read.",
       frames_received.load());
  line(out, "lvt_store_commands_total", "counter", "Round trips to the shared store.",
       store_commands.load());
  line(out, "lvt_store_errors_total", "counter", "Round trips to the shared store that failed.",
       store_errors.load());
  line(out, "lvt_bus_published_total", "counter", "Broadcasts published to other replicas.",
       bus_published.load());
  line(out, "lvt_bus_delivered_total", "counter", "Broadcasts delivered from other replicas.",
       bus_delivered.load());
  line(out, "lvt_bus_own_ignored_total", "counter", "This replica's own broadcasts heard back.",
       bus_own_ignored.load());
  line(out, "lvt_bus_duplicates_total", "counter", "Broadcasts from other replicas heard twice.",
       bus_duplicates.load());
  line(out, "lvt_replica_reconnects_total", "counter", "Links to the store or bus re-established.",
       replica_reconnects.load());
  line(out, "lvt_replica_heals_total", "counter",
       "Heals: every local connection refreshed after a link came back.", replica_heals.load());
  line(out, "lvt_replica_catch_ups_total", "counter",
       "A group's connections refreshed once its new subscription held.", replica_catch_ups.load());
  line(out, "lvt_cache_lag_records", "gauge",
       "Records the store held that the cache had not read, at the last read.",
       cache_lag_records.load());
  out += "# HELP lvt_errors_total Rejected input and dropped clients, by kind.\n";
  out += "# TYPE lvt_errors_total counter\n";
  error_line(out, "invalid_json", errors_invalid_json.load());
  error_line(out, "invalid_message", errors_invalid_message.load());
  error_line(out, "unknown_action", errors_unknown_action.load());
  error_line(out, "field", errors_field.load());
  error_line(out, "rate_limited", errors_rate_limited.load());
  error_line(out, "frame_too_big", errors_frame_too_big.load());
  error_line(out, "invalid_utf8", errors_invalid_utf8.load());
  error_line(out, "binary_frame", errors_binary_frame.load());
  error_line(out, "slow_reader", errors_slow_reader.load());
  error_line(out, "origin_refused", errors_origin_refused.load());
  error_line(out, "host_refused", errors_host_refused.load());
  error_line(out, "bad_request", errors_bad_request.load());
  error_line(out, "http_timeout", errors_http_timeout.load());
  error_line(out, "http_busy", errors_http_busy.load());
  error_line(out, "accept_paused", errors_accept_paused.load());
  return out;
}

}  // namespace lvt
