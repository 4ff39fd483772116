// The oracle of the replicas' world. It shares nothing with the engine: it keeps its own copy
// of what the broker stored, its own model of each replica's cache (what the replica read from
// the store: records above what it holds, a jump past records the store evicted, the newest
// log_messages_max kept), and each tab's connection (replica, group, name, field error, and
// the cache as of its connection's last read). From those it states
//  - what every frame must show (log-prefix: the replica's cache as the connection last read
//    it, in store order; username-per-connection);
//  - which connections each store reply, bus delivery, heal and catch-up must offer a broadcast
//    (fan-out-exact: the sender never, every other local connection of its group once; a
//    broadcast heard from another replica, once per (instance, seq), on its group's local
//    connections after the store was read, one read out at a time and what is heard meanwhile
//    sharing the next; the replica's own broadcasts never);
//  - at quiescence, which tabs are stale (missing their group's newest message): none with heal
//    on (convergence), a finding counted with heal off; the broker's subscriptions against the
//    groups each replica serves (subscriptions-exact); each replica's metrics (metrics-exact).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "metrics.hpp"
#include "replica_events.hpp"
#include "tree_applier.hpp"

namespace lvt::sim::detail {

class Broker;

// What a store round trip or an engine call was for, as the replica that made it knows.
struct StoreTag {
  enum class Kind { none, mount, send, bus_read, heal_read, catch_up_read };
  Kind kind = Kind::none;
  int tab = -1;         // mount, send
  std::string group{};  // catch_up_read
};

class ReplicaOracle {
 public:
  static constexpr const char* global_group = "global";  // the oracle's name of it
  ReplicaOracle(ReplicaContext& context, int replicas);
  void connect_to(const Broker& broker) { broker_ = &broker; }

  // --- the broker's facts -----------------------------------------------------------------------
  void appended(const LogRecord& record, const std::string& group);
  void store_data_lost();

  // --- a replica's facts ------------------------------------------------------------------------
  void replica_started(int replica, const std::string& instance_id);
  void replica_stopped(int replica);  // crashed: its tabs were closed before
  void opened(int replica, int tab, const std::string& group);
  void closed(int tab);
  void joined(int tab, const std::string& name);
  void dispatched(int tab);  // a NewMessage ran on its connection: it re-read the cache
  // A store reply about to be resumed, and what it was for.
  void reply(int replica, const StoreTag& tag, const StoreReply& reply);
  void heard(int replica, const GroupAction& action, bool duplicate);  // before bus_delivered
  void reconnected(int replica);                                       // before replica_reconnected
  // The effects the tag's call or reply returned woke `woken`; `waiting` are the replica's tabs
  // whose connections hold a broadcast after it. The engine wakes only a connection whose
  // queue was empty: every tab the model offers a broadcast must be waiting, and only those may
  // be woken.
  void check_wake(int replica, const StoreTag& tag, const std::set<int>& woken,
                  const std::set<int>& waiting);
  // A read the replica's configuration calls for was not asked for (a heal or a catch-up).
  void missing_read(int replica, std::string_view what);

  // --- frames -----------------------------------------------------------------------------------
  replica_event::FrameToTab frame_for(int tab, std::uint64_t generation, Frame payload);
  void check_frame(const replica_event::FrameToTab& frame, const TreeApplier& held);

  // --- at the end ------------------------------------------------------------------------------
  void check_metrics(int replica, const Metrics& metrics);
  void check_quiescence(const std::vector<int>& open_tabs, const std::vector<bool>& running);

 private:
  struct ReplicaModel {
    std::string instance_id;
    std::deque<model::Message> cache;  // contiguous ids, the newest log_messages_max
    std::uint64_t through = 0;         // the newest id read
    std::shared_ptr<const std::vector<model::Message>> snapshot;  // cache, as frames show it
    std::set<std::pair<std::string, std::uint64_t>> heard;        // (instance, seq) run
    // The delivery reads: one out at a time, with the groups it fans out to, and the groups
    // heard meanwhile, which the next one fans out to.
    bool read_out = false;
    std::set<std::string> batch, next_batch;
    // Counts since the replica started, as its metrics must show them.
    std::uint64_t store_commands = 0, store_errors = 0, delivered = 0, own = 0, duplicates = 0,
                  reconnects = 0, heals = 0, catch_ups = 0, published = 0;
  };
  struct TabModel {
    int replica = -1;  // -1: not connected
    std::string group;
    std::string username;
    model::FieldErrors errors;
    // What its connection shows: the cache as of its last read (its Mount, its own send, a
    // NewMessage), not the cache now.
    std::shared_ptr<const std::vector<model::Message>> shown;
    std::uint64_t shown_through = 0;  // the newest id its last frame showed
  };
  std::shared_ptr<const std::vector<model::Message>> cache_snapshot(int replica);

  void absorb(ReplicaModel& replica, const std::vector<LogRecord>& records);
  std::set<int> tabs_of(int replica, const std::string* group) const;
  std::string describe(const std::set<int>& tabs) const;

  ReplicaContext& context_;
  const Broker* broker_ = nullptr;
  std::vector<ReplicaModel> replicas_;
  std::map<int, TabModel> tabs_;
  std::map<std::string, std::uint64_t> group_newest_;  // the newest id each group appended
  bool last_reply_ok_ = false;                         // of the reply being resumed
  bool data_lost_ = false;  // a broker restart lost the log: ids may repeat from here on
};

}  // namespace lvt::sim::detail
