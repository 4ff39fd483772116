// Counters the engine and its transport keep, exported in Prometheus text.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace lvt {

struct Metrics {
  using Counter = std::atomic<std::uint64_t>;
  std::atomic<std::int64_t> connections{0};
  std::atomic<std::int64_t> groups{0};
  Counter connections_opened{0};
  Counter connections_refused{0};
  Counter http_requests{0};
  Counter actions{0};
  Counter broadcasts_queued{0};
  Counter broadcasts_delivered{0};
  Counter broadcasts_dropped{0};
  Counter broadcasts_coalesced{0};
  Counter broadcasts_refused{0};  // over 100 per action, or from an action run as a broadcast
  Counter peer_frames_shared{0};  // peer updates that took another connection's encoding
  Counter frames_sent{0};
  Counter bytes_sent{0};
  Counter frames_received{0};
  // Errors by kind.
  Counter errors_invalid_json{0};
  Counter errors_invalid_message{0};
  Counter errors_unknown_action{0};
  Counter errors_field{0};
  Counter errors_rate_limited{0};
  Counter errors_frame_too_big{0};
  Counter errors_invalid_utf8{0};
  Counter errors_binary_frame{0};
  Counter errors_slow_reader{0};
  Counter errors_origin_refused{0};
  Counter errors_host_refused{0};
  // The transport's: a malformed request (Host, Sec-WebSocket-Key), a request past its header or
  // body deadline, one refused over the cap of unfinished requests, an accept paused for want of
  // descriptors.
  Counter errors_bad_request{0};
  Counter errors_http_timeout{0};
  Counter errors_http_busy{0};
  Counter errors_accept_paused{0};
  // Replicas (replica.hpp): round trips to the shared store and those that failed, broadcasts
  // published to and delivered from other replicas, deliveries ignored (own echo, or seen
  // already), links to Redis re-established, heals run, and how far the cache lagged the
  // store before its last read (records).
  Counter store_commands{0};
  Counter store_errors{0};
  Counter bus_published{0};
  Counter bus_delivered{0};
  Counter bus_own_ignored{0};
  Counter bus_duplicates{0};
  Counter replica_reconnects{0};
  Counter replica_heals{0};
  Counter replica_catch_ups{0};
  std::atomic<std::uint64_t> cache_lag_records{0};

  std::string prometheus_text() const;
};

}  // namespace lvt
