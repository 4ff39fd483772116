// The tabs of the replicas' world: browsers (a cookie each, so the tabs of one browser are one
// group) whose tabs show the Broadcasting page over a WebSocket to one replica, as the real
// client does: one action at a time (its form is busy until the answer), the frames applied by
// TreeApplier and judged by the oracle, and a reconnect at another replica when the socket
// closes (as a load balancer sends a retry elsewhere) or when the workload says so.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "replica_events.hpp"
#include "rng.hpp"
#include "tree_applier.hpp"

namespace lvt::sim::detail {

class ReplicaNode;
class ReplicaOracle;

class ReplicaTabs {
 public:
  ReplicaTabs(ReplicaContext& context, ReplicaOracle& oracle);
  void connect_to(std::deque<ReplicaNode>& replicas) { replicas_ = &replicas; }

  // --- what the workload makes a tab's user do ---------------------------------------------------
  bool exists(int tab) const { return tab >= 0 && tab < static_cast<int>(tabs_.size()); }
  void open(int browser, int replica);
  void join(int tab, const std::string& name);
  void send(int tab, const std::string& text);
  void close(int tab);      // the socket drops: the client reconnects, at another replica
  void reconnect(int tab);  // the client reconnects now, at the next replica

  // --- what replicas tell a tab's client ---------------------------------------------------------
  bool connecting(int tab, std::uint64_t generation) const {
    return tabs_[tab].socket == Socket::connecting && tabs_[tab].generation == generation;
  }
  void socket_opened(int tab) { tabs_[tab].socket = Socket::open; }
  void deliver(replica_event::FrameToTab frame);
  void server_closed(int tab, std::uint64_t generation);
  void replica_crashed(int replica);  // the upgrades on their way to it are refused
  const std::string& cookie_of(int tab) const { return cookies_[tabs_[tab].browser]; }
  std::string group_of(int tab) const;
  int replica_of(int tab) const { return tabs_[tab].replica; }

  // --- events -----------------------------------------------------------------------------------
  void on(const replica_event::FrameToTab& event);
  void on(const replica_event::SocketClosed& event);
  void on(const replica_event::TabReconnect& event);

  std::vector<int> open_tabs() const;  // open on both ends, at the end of a run
  void count_range_ops();

 private:
  enum class Socket { closed, connecting, open };
  struct Tab {
    int browser = 0;
    int replica = 0;
    std::uint64_t generation = 0;
    Socket socket = Socket::closed;
    bool awaiting_answer = false;  // its form is busy
    bool joined = false;           // as the page shows it: the send form is there
    TreeApplier held;
    Rng network{0, ""};
    std::uint64_t to_server_free_us = 0, to_client_free_us = 0;
  };
  void connect(int tab, int replica);
  void send_frame(int tab, std::string payload, bool join, std::string name);
  ReplicaNode& node(int replica) { return (*replicas_)[replica]; }
  int replicas() const { return static_cast<int>(replicas_->size()); }

  ReplicaContext& context_;
  ReplicaOracle& oracle_;
  std::deque<ReplicaNode>* replicas_ = nullptr;
  std::vector<Tab> tabs_;
  std::vector<std::string> cookies_;  // by browser: the Cookie header its tabs send
};

}  // namespace lvt::sim::detail
