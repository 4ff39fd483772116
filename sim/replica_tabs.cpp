// The tabs of the replicas' world.
#include "replica_tabs.hpp"

#include <cassert>

#include "json_value.hpp"
#include "replica_node.hpp"
#include "replica_oracle.hpp"

namespace lvt::sim::detail {
namespace {

// A session id of the cookie's form (44 characters of base64url, the last digit holding two
// bits, one '='), as a browser holds one the server issued before: each browser its own.
std::string browser_cookie(int browser) {
  std::string id = "browser" + std::to_string(browser);
  id.resize(42, 'x');
  return "livetemplate-id=" + id + "A=";
}

// A JSON string for the simulator's own texts (letters, digits, spaces, & < > ' only).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    assert(c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20);
    out += c;
  }
  return out + '"';
}

}  // namespace

ReplicaTabs::ReplicaTabs(ReplicaContext& context, ReplicaOracle& oracle)
    : context_(context), oracle_(oracle) {
  for (int browser = 0; browser < context.config.browsers; ++browser) {
    cookies_.push_back(browser_cookie(browser));
  }
}

std::string ReplicaTabs::group_of(int tab) const {
  if (context_.config.group_mode == model::GroupMode::global) return ReplicaOracle::global_group;
  const std::string& cookie = cookie_of(tab);
  return cookie.substr(cookie.find('=') + 1);
}

void ReplicaTabs::open(int browser, int replica) {
  if (static_cast<int>(tabs_.size()) >= context_.config.tabs_max) return;
  ++context_.coverage["open"];
  Tab tab;
  tab.browser = browser % context_.config.browsers;
  tab.network = Rng(context_.config.seed, "replica-tab/" + std::to_string(tabs_.size()));
  tabs_.push_back(std::move(tab));
  connect(static_cast<int>(tabs_.size()) - 1, replica % replicas());
}

// A new socket: the client clears what it holds and takes the full tree the server pushes.
void ReplicaTabs::connect(int id, int replica) {
  Tab& tab = tabs_[id];
  tab.replica = replica;
  ++tab.generation;
  tab.socket = Socket::connecting;
  tab.awaiting_answer = tab.joined = false;
  tab.held.reset();
  tab.to_server_free_us =
      std::max(tab.to_server_free_us, context_.now_us + context_.latency(tab.network));
  context_.schedule(tab.to_server_free_us, replica_event::SocketOpen{id, tab.generation});
}

void ReplicaTabs::send_frame(int id, std::string payload, bool join, std::string name) {
  Tab& tab = tabs_[id];
  tab.awaiting_answer = true;
  tab.to_server_free_us =
      std::max(tab.to_server_free_us, context_.now_us + context_.latency(tab.network));
  context_.schedule(
      tab.to_server_free_us,
      replica_event::FrameToServer{id, tab.generation, std::move(payload), join, std::move(name)});
}

void ReplicaTabs::join(int id, const std::string& name) {
  Tab& tab = tabs_[id];
  if (tab.socket != Socket::open || tab.awaiting_answer) {
    ++context_.coverage["busy-skip"];
    return;
  }
  ++context_.coverage["join"];
  send_frame(id, "{\"action\":\"join\",\"data\":{\"username\":" + quoted(name) + "}}", true, name);
  tab.joined = true;
}

void ReplicaTabs::send(int id, const std::string& text) {
  Tab& tab = tabs_[id];
  if (tab.socket != Socket::open || tab.awaiting_answer || !tab.joined) {
    ++context_.coverage["busy-skip"];
    return;
  }
  ++context_.coverage["send"];
  send_frame(id, "{\"action\":\"send\",\"data\":{\"text\":" + quoted(text) + "}}", false, {});
}

void ReplicaTabs::close(int id) {
  Tab& tab = tabs_[id];
  if (tab.socket == Socket::closed) return;
  ++context_.coverage["drop"];
  if (tab.socket == Socket::open) node(tab.replica).disconnect(id);
  tab.socket = Socket::closed;
  context_.schedule(context_.now_us + context_.latency(tab.network) + 200'000,
                    replica_event::TabReconnect{id, tab.generation});
}

void ReplicaTabs::reconnect(int id) {
  Tab& tab = tabs_[id];
  if (tab.socket == Socket::open) node(tab.replica).disconnect(id);
  ++context_.coverage["reconnect"];
  if (replicas() > 1) ++context_.coverage["cross-replica-reconnect"];
  connect(id, (tab.replica + 1) % replicas());
}

void ReplicaTabs::on(const replica_event::TabReconnect& event) {
  const Tab& tab = tabs_[event.tab];
  if (tab.socket != Socket::closed || tab.generation != event.generation) return;
  reconnect(event.tab);
}

void ReplicaTabs::server_closed(int id, std::uint64_t generation) {
  Tab& tab = tabs_[id];
  context_.schedule(context_.now_us + context_.latency(tab.network),
                    replica_event::SocketClosed{id, generation});
}

void ReplicaTabs::replica_crashed(int replica) {
  for (int id = 0; id < static_cast<int>(tabs_.size()); ++id) {
    if (tabs_[id].replica == replica && tabs_[id].socket == Socket::connecting) {
      server_closed(id, tabs_[id].generation);
    }
  }
}

void ReplicaTabs::on(const replica_event::SocketClosed& event) {
  Tab& tab = tabs_[event.tab];
  if (tab.generation != event.generation || tab.socket == Socket::closed) return;
  tab.socket = Socket::closed;
  // The client retries after a moment; the next attempt goes to another replica.
  context_.schedule(context_.now_us + 100'000 + tab.network.below(400'000),
                    replica_event::TabReconnect{event.tab, tab.generation});
}

void ReplicaTabs::deliver(replica_event::FrameToTab frame) {
  Tab& tab = tabs_[frame.tab];
  tab.to_client_free_us =
      std::max(tab.to_client_free_us, context_.now_us + context_.latency(tab.network));
  context_.schedule(tab.to_client_free_us, std::move(frame));
}

void ReplicaTabs::on(const replica_event::FrameToTab& event) {
  Tab& tab = tabs_[event.tab];
  if (tab.socket != Socket::open || tab.generation != event.generation) return;
  ++context_.tab_events;
  const Json message = parse_json(event.payload.text());
  if (const Json* meta = message.find("meta"); meta && meta->find("action")) {
    tab.awaiting_answer = false;
  }
  if (const Json* tree = message.find("tree")) tab.held.apply(*tree);
  oracle_.check_frame(event, tab.held);
}

std::vector<int> ReplicaTabs::open_tabs() const {
  std::vector<int> out;
  for (int id = 0; id < static_cast<int>(tabs_.size()); ++id) {
    if (tabs_[id].socket == Socket::open) out.push_back(id);
  }
  return out;
}

void ReplicaTabs::count_range_ops() {
  RangeOpCounts total;
  for (const Tab& tab : tabs_) {
    total.append += tab.held.range_ops().append;
    total.remove += tab.held.range_ops().remove;
  }
  context_.coverage["range-append"] += total.append;
  context_.coverage["range-remove"] += total.remove;
}

}  // namespace lvt::sim::detail
