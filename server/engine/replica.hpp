// What crosses the seams between a replica's engine and what it shares with other replicas: a
// shared store that holds the one message log, and a bus that carries broadcasts between
// replicas (livetemplate's Redis Pub/Sub, protocol.md §9). The engine does no I/O: it hands out
// StoreCommands and takes their StoreReplies back; whoever runs it (the Redis client in
// server/net, the simulated broker in sim/) carries them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace lvt {

// One message of the shared log as the store keeps it: ids count from 1, in append order.
struct LogRecord {
  std::uint64_t id = 0;
  std::string user;
  std::string text;
  bool operator==(const LogRecord&) const = default;
};

// A broadcast between replicas, in livetemplate's JSON (group_action_json below).
struct GroupAction {
  std::string group;
  std::string action;  // canonical name
  nlohmann::json data = nlohmann::json::object();
  std::string instance_id;  // the publishing replica: it ignores its own
  std::uint64_t seq = 0;    // per publishing replica, from 1: (instance_id, seq) is unique
  std::uint64_t timestamp_us = 0;
  bool operator==(const GroupAction&) const = default;
};

// The channel a group's broadcasts go out on.
std::string group_channel(std::string_view group);
inline constexpr std::string_view group_channel_prefix = "livetemplate:groupaction:group:";
std::string group_action_json(const GroupAction& action);
// Null when the body is not a group_action this server can run (logged by the caller).
std::optional<GroupAction> parse_group_action(std::string_view body);

// One round trip to the store: append a message (optionally), publish what its action
// broadcasts (only once the message is stored), and read back every kept record newer than
// what the replica's cache holds, so that a gap is filled before anything is shown.
struct StoreCommand {
  bool append = false;
  std::string user, text;            // with append
  std::uint64_t read_after = 0;      // the reply brings every kept record with a larger id
  std::size_t kept_max = 0;          // the store keeps the newest kept_max records
  std::vector<GroupAction> publish;  // with append: sent once the record is stored
  // A group's persisted fields (livetemplate:session:{group}): read them back, or write them
  // (JSON text) with a time to live.
  std::string session_group = {};
  bool session_read = false;
  std::optional<std::string> session_write = {};
  std::uint64_t session_ttl_s = 0;
};

struct StoreReply {
  bool ok = false;
  std::string error;  // when !ok: why, for the log (users see a fixed message)
  std::uint64_t appended_id = 0;
  std::uint64_t newest_id = 0;         // the store's counter as the command left it
  std::vector<LogRecord> records;      // ascending ids, all > read_after
  std::optional<std::string> session;  // with session_read: the stored JSON, when there is one
};

// Which (instance, seq) pairs a replica has run, so that a broadcast heard twice runs once. A
// publisher's seqs arrive nearly in order (one Redis connection each), so a window of the
// newest 64 per instance is enough; one older than that counts as seen.
class DeliveriesSeen {
 public:
  static constexpr std::size_t instances_max = 1024;
  bool first_time(const std::string& instance_id, std::uint64_t seq);

 private:
  struct Window {
    std::uint64_t newest = 0;
    std::uint64_t below = 0;  // bit i: newest - 1 - i was seen
  };
  std::unordered_map<std::string, Window> windows_;
};

// A replica's local copy of the shared log, which its connections share (the Broadcasting
// page's MessageLog). In one process it is the log itself and append is the store.
class SharedLogCache {
 public:
  virtual ~SharedLogCache() = default;
  virtual std::uint64_t cached_through() const = 0;  // the newest id it holds
  virtual std::size_t kept_max() const = 0;
  // Appends in one process (no replicas): returns the new id.
  virtual std::uint64_t append_local(std::string user, std::string text) = 0;
  // Takes records read from the store (ascending ids); what it holds already is skipped. A
  // jump past cached_through() + 1 means the store evicted the records between.
  virtual void absorb(const std::vector<LogRecord>& records) = 0;
};

}  // namespace lvt
