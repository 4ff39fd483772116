// One simulated tab's client, as the real client keeps it: its page, its socket as the client
// believes it to be, its busy form, its heartbeat and visibility, the tree it holds, and its
// side of the network (its latency stream, the order of its streams, how fast it reads).
#pragma once

#include <cstdint>
#include <limits>

#include "broadcast_model.hpp"
#include "rng.hpp"
#include "tree_applier.hpp"

namespace lvt::sim::detail {

struct TabClient {
  // half_open: the client believes its socket open, but every frame either way is lost and
  // neither end is told; the server's end lives on as an orphan. Only the heartbeat notices.
  enum class Socket { closed, connecting, open, half_open };
  int browser = 0;
  model::Page page = model::Page::broadcasting;
  std::uint64_t generation = 0;  // bumped by every page load and connection attempt

  // The page.
  bool loading = false;          // the page GET is on its way
  bool page_ready = false;       // the first tree since the page loaded has arrived
  std::uint64_t page_loads = 0;  // HTTP replies belong to the page that posted
  int replies_awaited = 0;       // actions sent on the socket, not answered yet
  // The client's one busy form (aria-busy): from a submit, whatever its transport, until the next
  // frame or HTTP reply that carries a meta, the page's reset on a reconnect, or a new page. The
  // user waits for it.
  bool form_busy = false;
  TreeApplier held;  // the tree the client holds, hence the HTML it shows
  // An HTTP reply landed after the socket's tree, and the client applied it to what it holds: the
  // server's diffs now merge into a page it does not know of, until the tab shows the server's
  // render again (a full tree, or diffs that happen to rebuild it).
  bool view_diverged = false;

  // The client's socket.
  Socket socket = Socket::closed;
  bool socket_tree_held = false;  // the socket's first (full) tree has arrived
  // Not 0: the tab sent a frame no server may read on this socket, and awaits the close frame
  // with this code.
  std::uint16_t close_awaited = 0;
  int unreadable_sent = 0;  // frames not UTF-8 sent: each takes the next kind
  // While connecting, the client has a transport (a CONNECTING socket, so actions go over HTTP)
  // only once its HEAD probe is answered; before, an action is lost.
  std::uint64_t transport_from_us = std::numeric_limits<std::uint64_t>::max();
  // A connect attempt failed: the client uses HTTP until the page reloads (its useHTTP), and
  // neither the heartbeat nor becoming visible reconnects it.
  bool http_only = false;

  // The client's heartbeat and visibility.
  bool heartbeat_on = false;             // the page's heartbeat interval is running
  std::uint64_t heartbeat_epoch = 0;     // bumped when it starts or stops: older ticks are void
  bool pong_awaited = false;             // a ping went out on this socket; its deadline is pending
  std::uint64_t pongs = 0;               // pongs received on this connection
  std::uint64_t ping_sent_us = 0;        // when the last ping went out
  std::uint64_t hidden_until_us = 0;     // the tab is hidden until then
  bool hidden_with_socket_open = false;  // the client timed its hiding

  // Its side of the network.
  Rng network{0, ""};                   // this tab's latencies and dispatch delays
  std::uint64_t to_server_free_us = 0;  // per-connection streams stay ordered
  std::uint64_t to_client_free_us = 0;
  std::uint64_t read_us = 0;  // a slow reader takes this long over each frame

  // Open on both ends (the server's end is this tab's), or the client only believes so.
  bool open() const { return socket == Socket::open; }
  bool believes_open() const { return socket == Socket::open || socket == Socket::half_open; }
};

}  // namespace lvt::sim::detail
