// The load generator's sockets and clock: one Asio io_context on one thread, every connection a
// TCP socket that Beast upgrades (its HTTP) and ws_frames.hpp frames, so one read takes every
// frame waiting; one pacing timer for the senders and one for the progress line.
#include "load_run.hpp"

#include <cassert>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <tuple>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/beast/websocket/error.hpp>

#include "engineio.hpp"
#include "latency_histogram.hpp"
#include "marks.hpp"
#include "proc_stats.hpp"
#include "ws_frames.hpp"

namespace lvt::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// A session id the server takes (44 base64url characters, as its own), one per group.
std::string group_cookie(std::uint32_t run, std::size_t group) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937_64 random(run * 1'000'003ull + group);
  std::string id;
  for (int i = 0; i < 42; ++i) id += digits[random() % 64];
  return "livetemplate-id=" + id + "A=";
}

constexpr std::size_t frame_bytes_max = 64 * 1024 * 1024;  // a message larger than this is an error
constexpr std::size_t read_bytes_max = 16 * 1024;  // what one read asks the kernel for at most
constexpr int stalled_window_bytes = 4096;  // a stalled reader's SO_RCVBUF (the kernel doubles it)

struct Violation {
  std::string kind;  // "out-of-order", "gap", "own-broadcast", "loss"
  std::size_t peer = 0;
  std::string detail;
};

struct SenderState {
  std::size_t peer = 0;
  std::uint64_t next_seq = 1;
  std::uint64_t accepted_max = 0;  // the highest seq answered success (answers come in order)
  std::uint64_t accepted = 0, refused = 0;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> outstanding = {};  // (seq, sent ns)
};

class Run;

class Peer : public std::enable_shared_from_this<Peer> {
 public:
  Peer(Run& run, asio::io_context& io, std::size_t index, std::size_t group)
      : run_(run), stream_(io), index_(index), group_(group) {}
  void start(const tcp::endpoint& endpoint);
  // A stalled reader starts reading after the run: it takes what was buffered and ends when
  // the server ends the stream (then `cut`).
  void read_to_end();
  void send(std::string text);  // an action's JSON
  void send_raw(std::string frame);
  void close();
  std::size_t group() const { return group_; }
  bool joined() const { return joined_; }
  bool failed() const { return failed_; }
  int sender = -1;       // its index in Run::senders_, or -1
  bool stalled = false;  // joins, then reads nothing until read_to_end()
  bool cut = false;      // stalled, and the server ended its stream
  bool reading_to_end = false;
  std::uint64_t bytes_after = 0;        // stalled: what read_to_end() found buffered
  std::vector<std::uint64_t> last_seq;  // per sender: the last seq seen (0: none)

 private:
  void upgrade(const std::string& authority, const std::string& target);
  void on_upgraded();
  bool take_frames();  // false: the stream ended or failed
  void on_message(std::string_view message);
  void on_frame(std::string_view frame);
  void on_socketio_frame(std::string_view frame);
  void join();
  void read();
  void write_frame(ws::Opcode opcode, std::string_view payload);
  void write_next();
  void fail(const std::string& what, beast::error_code error);

  Run& run_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> upgrade_request_;
  http::response<http::string_body> upgrade_response_;
  ws::MessageJoiner messages_{frame_bytes_max};
  std::deque<std::string> out_;
  std::uint32_t mask_state_ = 0;
  bool writing_ = false, joined_ = false, failed_ = false, closing_ = false;
  bool replying_to_close_ = false;  // the server closed: what is queued, its reply last, still goes
  std::size_t index_, group_;
};

class Run {
 public:
  explicit Run(const LoadConfig& config)
      : config_(config), run_id_(static_cast<std::uint32_t>(std::random_device{}())) {}
  LoadOutcome run();

  // --- what the peers report
  // ----------------------------------------------------------------------
  void upgraded() { ++upgrades_; }
  void joined() { ++joined_; }
  void failed(std::size_t peer, std::string what) {
    ++disconnects_;
    if (first_error_.empty()) first_error_ = "connection " + std::to_string(peer) + ": " + what;
  }
  void frame_received(Peer& peer, std::string_view frame);
  const LoadConfig& config() const { return config_; }
  std::uint32_t run_id() const { return run_id_; }

 private:
  bool open_all();
  void pace(const std::shared_ptr<asio::steady_timer>& timer);
  void report_progress(const std::shared_ptr<asio::steady_timer>& timer);
  void violation(std::string kind, std::size_t peer, std::string detail);
  double elapsed_s() const { return static_cast<double>(now_ns() - phase_started_ns_) / 1e9; }
  // Whether sender s's messages are broadcast to `peer` (its group's, not its own).
  bool hears(const Peer& peer, std::size_t s) const {
    return static_cast<int>(s) != peer.sender && !peer.stalled &&
           (config_.server_global || peers_[senders_[s].peer]->group() == peer.group());
  }
  // How many connections sender s's messages are broadcast to (and counted: stalled readers'
  // are not).
  std::size_t hearers(std::size_t s) const {
    const std::size_t group = peers_[senders_[s].peer]->group();
    return config_.server_global ? peers_.size() - 1 - stalled_total_
                                 : group_sizes_[group] - 1 - stalled_per_group_[group];
  }
  json check_stalled();
  json results(double measured_s);

  const LoadConfig& config_;
  std::uint32_t run_id_;
  asio::io_context io_;
  std::vector<std::shared_ptr<Peer>> peers_;
  std::vector<SenderState> senders_;
  std::vector<std::size_t> group_sizes_;
  std::vector<std::size_t> stalled_per_group_;
  std::size_t stalled_total_ = 0;
  std::uint64_t upgrades_ = 0, joined_ = 0, disconnects_ = 0;
  double upgrades_per_s_ = 0;
  std::string first_error_;
  std::uint64_t phase_started_ns_ = 0, sends_offered_ = 0, sends_made_ = 0, sends_held_back_ = 0;
  std::uint64_t deliveries_ = 0, frames_ = 0, bytes_ = 0, other_group_marks_ = 0;
  std::optional<ProcStats> server_idle_;  // before any connection
  std::size_t step_ = 0;
  bool sending_ = false;
  LatencyHistogram delivery_latency_, answer_latency_, last_peer_latency_;
  std::vector<LatencyHistogram> per_second_;
  std::vector<std::uint64_t> per_second_deliveries_;
  // Per message (by sender, then seq): how many peers got it, and the latest of them.
  std::vector<std::vector<std::uint32_t>> reached_;
  std::vector<std::vector<std::uint64_t>> latest_ns_;
  std::vector<std::vector<char>> refused_;  // per sender, per seq: answered unsuccessful
  // Skips a peer saw, (sender, last seen, seq): judged at the end, when every refusal is known.
  std::vector<std::tuple<std::size_t, std::uint64_t, std::uint64_t>> skips_;
  std::vector<Violation> violations_;
  std::map<std::string, std::uint64_t> violation_counts_;
};

// --- a connection
// ------------------------------------------------------------------------------------
void Peer::start(const tcp::endpoint& endpoint) {
  mask_state_ = static_cast<std::uint32_t>(run_.run_id() ^ (index_ * 2654435761u)) | 1;
  if (stalled) {
    // A small receive window, as a slow client's: the server's own queue, not the kernel's
    // buffers (megabytes on loopback), is what fills, so its bound is reached within seconds.
    beast::error_code error;
    auto& socket = stream_.socket();
    socket.open(endpoint.protocol(), error);
    if (!error)
      socket.set_option(asio::socket_base::receive_buffer_size(stalled_window_bytes), error);
    if (error) return fail("socket", error);
  }
  stream_.expires_after(
      std::chrono::milliseconds(static_cast<int>(run_.config().connect_timeout_s * 1000)));
  stream_.async_connect(
      endpoint, [self = shared_from_this(), port = endpoint.port()](beast::error_code error) {
        if (error) return self->fail("connect", error);
        const LoadConfig& c = self->run_.config();
        const std::string target =
            c.protocol == Protocol::socketio ? engineio::handshake_target(c.path) : c.path;
        self->upgrade(c.host + ":" + std::to_string(port), target);
      });
}

// The opening handshake (RFC 6455 4.1) through Beast's HTTP: what the server sends after its 101
// stays in buffer_, the first frames among it.
void Peer::upgrade(const std::string& authority, const std::string& target) {
  beast::websocket::detail::sec_ws_key_type key_bytes;
  beast::websocket::detail::make_sec_ws_key(key_bytes);
  std::string key(key_bytes.data(), key_bytes.size());
  upgrade_request_ = {http::verb::get, target, 11};
  upgrade_request_.set(http::field::host, authority);
  upgrade_request_.set(http::field::upgrade, "websocket");
  upgrade_request_.set(http::field::connection, "Upgrade");
  upgrade_request_.set(http::field::sec_websocket_key, key);
  upgrade_request_.set(http::field::sec_websocket_version, "13");
  upgrade_request_.set(http::field::cookie, group_cookie(run_.run_id(), group_));
  upgrade_request_.set(http::field::origin, "http://" + authority);
  http::async_write(stream_, upgrade_request_,
                    [self = shared_from_this(), key](beast::error_code error, std::size_t) {
                      if (error) return self->fail("upgrade", error);
                      self->upgrade_request_ = {};  // no headers kept once sent
                      http::async_read(
                          self->stream_, self->buffer_, self->upgrade_response_,
                          [self, key](beast::error_code error, std::size_t) {
                            if (error) return self->fail("upgrade", error);
                            beast::websocket::detail::sec_ws_accept_type accept;
                            beast::websocket::detail::make_sec_ws_accept(accept, key);
                            const std::string_view expected(accept.data(), accept.size());
                            const auto& response = self->upgrade_response_;
                            if (response.result() != http::status::switching_protocols ||
                                response[http::field::sec_websocket_accept] != expected) {
                              return self->fail("upgrade",
                                                beast::websocket::error::upgrade_declined);
                            }
                            self->upgrade_response_ = {};
                            self->on_upgraded();
                          });
                    });
}

void Peer::on_upgraded() {
  const bool socketio = run_.config().protocol == Protocol::socketio;
  stream_.expires_never();
  run_.upgraded();
  if (stalled) {  // joined as far as the server knows; its answer is never read
    if (socketio) send_raw(std::string(engineio::connect_namespace));
    join();
    joined_ = true;
    return run_.joined();
  }
  if (!take_frames()) return;  // frames that came with the 101
  read();
  if (!socketio) join();  // socket.io: once its namespace is connected
}

// Every whole frame in buffer_, in order: messages to on_message, pings answered, a close ends
// the stream.
bool Peer::take_frames() {
  for (;;) {
    const auto data = buffer_.cdata();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    const ws::ServerFrame frame = ws::parse_server_frame(bytes, frame_bytes_max);
    if (frame.status == ws::ServerFrame::Status::need_more) return true;
    if (frame.status == ws::ServerFrame::Status::error) {
      fail(std::string("read: ") + frame.error,
           beast::error_code(boost::system::errc::protocol_error,
                             boost::system::generic_category()));
      return false;
    }
    switch (frame.opcode) {
      case ws::Opcode::text:
      case ws::Opcode::binary:
      case ws::Opcode::continuation: {
        const ws::MessageJoiner::Step step = messages_.take(frame);
        if (step.status == ws::MessageJoiner::Step::Status::error) {
          fail(std::string("read: ") + step.error,
               beast::error_code(boost::system::errc::protocol_error,
                                 boost::system::generic_category()));
          return false;
        }
        if (step.status == ws::MessageJoiner::Step::Status::message) on_message(step.message);
        break;
      }
      case ws::Opcode::ping:
        write_frame(ws::Opcode::pong, frame.payload);
        break;
      case ws::Opcode::pong:
        break;
      case ws::Opcode::close:
        // The reply goes out, after any write in flight, and the server ends the TCP stream.
        if (!closing_) {
          replying_to_close_ = true;
          write_frame(ws::Opcode::close, frame.payload.substr(0, 2));
        }
        fail("read", beast::websocket::error::closed);
        return false;
    }
    buffer_.consume(frame.bytes);
    if (failed_) return false;
  }
}

void Peer::on_message(std::string_view message) {
  if (run_.config().protocol == Protocol::socketio) {
    on_socketio_frame(message);
  } else {
    on_frame(message);
  }
}

void Peer::read() {
  stream_.async_read_some(buffer_.prepare(read_bytes_max),
                          [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                            if (error) return self->fail("read", error);
                            self->buffer_.commit(bytes);
                            if (self->take_frames()) self->read();
                          });
}

void Peer::join() {
  send("{\"action\":\"join\",\"data\":{\"username\":\"load" + std::to_string(index_) + "\"}}");
}

// Engine.IO's own packets are answered here and never counted; an event's text goes on as a
// plain frame would.
void Peer::on_socketio_frame(std::string_view frame) {
  const engineio::Packet packet = engineio::classify(frame);
  switch (packet.kind) {
    case engineio::PacketKind::open:
      return send_raw(std::string(engineio::connect_namespace));
    case engineio::PacketKind::connected:
      return join();
    case engineio::PacketKind::ping:
      return send_raw(std::string(engineio::pong));
    case engineio::PacketKind::disconnected:
      return fail("socket.io", beast::error_code(boost::system::errc::connection_aborted,
                                                 boost::system::generic_category()));
    case engineio::PacketKind::event:
      return on_frame(packet.payload);
    case engineio::PacketKind::other:
      return;
  }
}

void Peer::read_to_end() {
  reading_to_end = true;
  stream_.async_read_some(buffer_.prepare(read_bytes_max),
                          [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                            self->bytes_after += bytes;
                            if (error) {
                              self->reading_to_end = false;
                              self->cut = !self->closing_;
                              return;
                            }
                            self->read_to_end();
                          });
}

void Peer::on_frame(std::string_view frame) {
  if (!joined_) {
    if (frame.find("\"meta\":{\"action\":\"join\"") != std::string_view::npos) {
      joined_ = true;
      run_.joined();
    }
    return;  // the first tree, then the join's answer: nothing of the run's yet
  }
  run_.frame_received(*this, frame);
}

void Peer::send(std::string text) {
  send_raw(run_.config().protocol == Protocol::socketio ? engineio::wrap(text) : std::move(text));
}

void Peer::send_raw(std::string frame) {
  write_frame(ws::Opcode::text, frame);
}

// Each frame masked with the next key of a xorshift: RFC 6455 asks for keys a proxy cannot
// predict, not for cryptographic ones, and the server only unmasks.
void Peer::write_frame(ws::Opcode opcode, std::string_view payload) {
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  out_.push_back(ws::client_frame(opcode, payload, mask_state_));
  if (!writing_) write_next();
}

void Peer::write_next() {
  if (out_.empty() || (failed_ && !replying_to_close_)) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(stream_, asio::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                      if (error) return self->fail("write", error);
                      self->out_.pop_front();
                      self->write_next();
                    });
}

// A close frame (1000), then the server's close or the end of the run ends the socket.
void Peer::close() {
  if (closing_) return;
  closing_ = true;
  if (failed_ || !stream_.socket().is_open()) return;
  write_frame(ws::Opcode::close, std::string_view("\x03\xE8", 2));
}

void Peer::fail(const std::string& what, beast::error_code error) {
  if (failed_ || closing_) return;
  failed_ = true;
  if (stalled) {  // cut while stalled (its join's write failed): read_to_end() will tell
    cut = true;
    return;
  }
  run_.failed(index_, what + ": " + error.message());
}

// --- the run
// -------------------------------------------------------------------------------------------
void Run::violation(std::string kind, std::size_t peer, std::string detail) {
  ++violation_counts_[kind];
  if (violations_.size() < 20) violations_.push_back({std::move(kind), peer, std::move(detail)});
}

void Run::frame_received(Peer& peer, std::string_view frame) {
  const std::uint64_t now = now_ns();
  ++frames_;
  bytes_ += frame.size();
  const bool answer = frame.find("\"meta\":{\"action\":\"send\"") != std::string_view::npos;
  if (answer && peer.sender >= 0) {
    SenderState& s = senders_[static_cast<std::size_t>(peer.sender)];
    if (!s.outstanding.empty()) {
      const auto [seq, sent] = s.outstanding.front();
      s.outstanding.pop_front();
      answer_latency_.add(now - sent);
      if (frame.find("\"success\":true}") != std::string_view::npos) {
        ++s.accepted;
        s.accepted_max = std::max(s.accepted_max, seq);
      } else {
        ++s.refused;
        if (seq < refused_[static_cast<std::size_t>(peer.sender)].size())
          refused_[static_cast<std::size_t>(peer.sender)][seq] = 1;
      }
    }
  }
  for (const Mark& mark : marks_in(frame)) {
    if (mark.run != run_id_ || mark.sender >= senders_.size()) continue;
    const SenderState& from = senders_[mark.sender];
    if (static_cast<int>(mark.sender) == peer.sender) {
      if (!answer)
        violation("own-broadcast", from.peer,
                  "sender got its own message " + std::to_string(mark.seq) + " in a broadcast");
      continue;
    }
    // One log is shared by every group: a peer sees another group's messages too, whenever its
    // own group's broadcast makes it read the log. Those are checked for order, not counted.
    const bool same_group = config_.server_global || peers_[from.peer]->group() == peer.group();
    std::uint64_t& last = peer.last_seq[mark.sender];
    if (mark.seq <= last) {
      violation("out-of-order", 0,
                "a peer got sender " + std::to_string(mark.sender) + "'s message " +
                    std::to_string(mark.seq) + " after " + std::to_string(last));
      continue;
    }
    // A message refused by the server never shows; one skipped over that was accepted is a gap.
    if (same_group && mark.seq > last + 1 && skips_.size() < 100'000)
      skips_.emplace_back(mark.sender, last, mark.seq);
    last = mark.seq;
    if (!same_group) {
      ++other_group_marks_;
      continue;
    }
    ++deliveries_;
    const std::uint64_t latency = now > mark.sent_ns ? now - mark.sent_ns : 0;
    delivery_latency_.add(latency);
    const auto second = static_cast<std::size_t>(elapsed_s());
    if (second < per_second_.size()) {
      per_second_[second].add(latency);
      ++per_second_deliveries_[second];
    }
    if (mark.seq < reached_[mark.sender].size()) {
      ++reached_[mark.sender][mark.seq];
      latest_ns_[mark.sender][mark.seq] = std::max(latest_ns_[mark.sender][mark.seq], latency);
    }
  }
}

bool Run::open_all() {
  if (config_.server_pid > 0) server_idle_ = read_proc_stats(config_.server_pid);
  assert(!config_.ports.empty());
  const auto address = asio::ip::make_address(config_.host);
  const std::size_t groups = std::max<std::size_t>(config_.groups, 1);
  group_sizes_.assign(groups, 0);
  for (std::size_t i = 0; i < config_.connections; ++i) {
    peers_.push_back(std::make_shared<Peer>(*this, io_, i, i % groups));
    ++group_sizes_[i % groups];
  }
  // The first senders_per_group peers of each group send.
  std::vector<std::size_t> taken(groups, 0);
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (taken[peers_[i]->group()] < config_.senders_per_group) {
      ++taken[peers_[i]->group()];
      peers_[i]->sender = static_cast<int>(senders_.size());
      senders_.emplace_back();
      senders_.back().peer = i;
    }
  }
  // The last stalled_readers peers that do not send stall.
  stalled_per_group_.assign(groups, 0);
  for (std::size_t i = peers_.size(); i-- > 0 && stalled_total_ < config_.stalled_readers;) {
    if (peers_[i]->sender >= 0) continue;
    peers_[i]->stalled = true;
    ++stalled_per_group_[peers_[i]->group()];
    ++stalled_total_;
  }
  for (auto& peer : peers_) peer->last_seq.assign(senders_.size(), 0);
  const std::uint64_t started = now_ns();
  // At most 256 handshakes at once: a burst of SYNs beyond the listen backlog only retries.
  std::size_t next = 0;
  const auto deadline = started + static_cast<std::uint64_t>(config_.connect_timeout_s * 1e9);
  while (joined_ + disconnects_ < peers_.size() && now_ns() < deadline) {
    while (next < peers_.size() && next - (joined_ + disconnects_) < 256) {
      // Peer i is in group i % groups: spread each group's peers over the ports in turn.
      const std::uint16_t port = config_.ports[next / groups % config_.ports.size()];
      peers_[next++]->start(tcp::endpoint(address, port));
    }
    io_.run_for(std::chrono::milliseconds(20));
    if (config_.progress) {
      config_.progress("connecting: " + std::to_string(joined_) + "/" +
                       std::to_string(peers_.size()) + " joined");
    }
  }
  const double seconds = static_cast<double>(now_ns() - started) / 1e9;
  upgrades_per_s_ = static_cast<double>(upgrades_) / std::max(seconds, 1e-9);
  return joined_ == peers_.size();
}

void Run::pace(const std::shared_ptr<asio::steady_timer>& timer) {
  if (!sending_) return;
  const double t = elapsed_s();
  step_ = std::min(static_cast<std::size_t>(t / config_.step_s), config_.rates.size() - 1);
  if (t >= config_.step_s * static_cast<double>(config_.rates.size())) {
    sending_ = false;
    return;
  }
  // Sends due by now: the integral of the rate schedule.
  double due = 0;
  for (std::size_t i = 0; i <= step_; ++i) {
    const double within = i < step_ ? config_.step_s : t - config_.step_s * static_cast<double>(i);
    due += config_.rates[i] * within;
  }
  while (static_cast<double>(sends_offered_) < due) {
    SenderState& s = senders_[sends_offered_ % senders_.size()];
    ++sends_offered_;
    Peer& peer = *peers_[s.peer];
    if (peer.failed() || s.outstanding.size() >= config_.outstanding_max ||
        s.next_seq + 1 >= reached_[static_cast<std::size_t>(&s - senders_.data())].size()) {
      ++sends_held_back_;  // the sender's form would still be busy: offered, not made
      continue;
    }
    const Mark mark{run_id_, static_cast<std::uint32_t>(&s - senders_.data()), s.next_seq++,
                    now_ns()};
    s.outstanding.emplace_back(mark.seq, mark.sent_ns);
    ++sends_made_;
    std::string text = mark_text(mark);
    if (text.size() + 1 < config_.message_bytes) {  // a space, then filler no mark is read in
      const std::size_t filler = config_.message_bytes - text.size() - 1;
      text.append(" ").append(filler, 'x');
    }
    assert(text.size() + 1 >= config_.message_bytes);  // padded, or a mark as long already
    peer.send("{\"action\":\"send\",\"data\":{\"text\":\"" + text + "\"}}");
  }
  timer->expires_after(std::chrono::milliseconds(1));
  timer->async_wait([this, timer](beast::error_code error) {
    if (!error) pace(timer);
  });
}

void Run::report_progress(const std::shared_ptr<asio::steady_timer>& timer) {
  if (config_.progress) {
    char line[256];
    const double t = elapsed_s();
    std::snprintf(line, sizeof line,
                  "%.0f s  step %zu/%zu at %.0f msg/s  sent %llu  deliveries %llu  p99 %.1f ms  "
                  "violations %zu  disconnects %llu",
                  t, step_ + 1, config_.rates.size(), config_.rates[step_],
                  static_cast<unsigned long long>(sends_made_),
                  static_cast<unsigned long long>(deliveries_),
                  static_cast<double>(delivery_latency_.percentile_ns(0.99)) / 1e6,
                  violations_.size(), static_cast<unsigned long long>(disconnects_));
    config_.progress(line);
  }
  timer->expires_after(std::chrono::seconds(1));
  timer->async_wait([this, timer](beast::error_code error) {
    if (!error) report_progress(timer);
  });
}

json percentiles_ms(const LatencyHistogram& h) {
  const auto ms = [&h](double share) { return static_cast<double>(h.percentile_ns(share)) / 1e6; };
  return {{"count", h.count()}, {"p50", ms(0.50)},
          {"p90", ms(0.90)},    {"p99", ms(0.99)},
          {"p999", ms(0.999)},  {"max", static_cast<double>(h.max_ns()) / 1e6}};
}

// [[share, ms], ...]: the latency distribution at 40 points, for a CDF.
json latency_cdf(const LatencyHistogram& h) {
  json out = json::array();
  for (const double share :
       {0.0,  0.01, 0.05,  0.1,  0.2,  0.3,  0.4,  0.5,  0.6,   0.7,   0.75,   0.8,
        0.85, 0.9,  0.925, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999, 1.0}) {
    out.push_back({share, static_cast<double>(h.percentile_ns(share)) / 1e6});
  }
  return out;
}

// After the drain: each stalled reader reads what was buffered for it, until the server's end
// of its stream or the time.
json Run::check_stalled() {
  std::uint64_t cut = 0, bytes_after = 0;
  for (auto& peer : peers_) {
    if (peer->stalled && !peer->cut) peer->read_to_end();
  }
  const auto deadline = now_ns() + static_cast<std::uint64_t>(config_.stalled_check_s * 1e9);
  const auto reading = [this] {
    return std::any_of(peers_.begin(), peers_.end(),
                       [](const auto& peer) { return peer->reading_to_end; });
  };
  while (stalled_total_ > 0 && reading() && now_ns() < deadline)
    io_.run_for(std::chrono::milliseconds(20));
  for (const auto& peer : peers_) {
    if (!peer->stalled) continue;
    cut += peer->cut ? 1 : 0;
    bytes_after += peer->bytes_after;
  }
  return {{"count", stalled_total_}, {"cut", cut}, {"bytes_buffered", bytes_after}};
}

LoadOutcome Run::run() {
  LoadOutcome outcome;
  if (!open_all()) {
    outcome.error = first_error_.empty() ? "only " + std::to_string(joined_) + " of " +
                                               std::to_string(peers_.size()) +
                                               " connections joined within the connect timeout"
                                         : first_error_;
    for (auto& peer : peers_) peer->close();
    io_.run_for(std::chrono::milliseconds(500));
    return outcome;
  }
  outcome.connected = true;
  // Room for every send the schedule can make (sends past it are held back), at most
  // messages_max in all.
  double scheduled = 0;
  for (const double rate : config_.rates) scheduled += rate * config_.step_s;
  const std::size_t per_sender =
      static_cast<std::size_t>(std::min(scheduled + 1, static_cast<double>(config_.messages_max))) /
          std::max<std::size_t>(senders_.size(), 1) +
      2;
  reached_.assign(senders_.size(), std::vector<std::uint32_t>(per_sender, 0));
  latest_ns_.assign(senders_.size(), std::vector<std::uint64_t>(per_sender, 0));
  refused_.assign(senders_.size(), std::vector<char>(per_sender, 0));
  const double total_s =
      config_.step_s * static_cast<double>(config_.rates.size()) + config_.drain_s;
  per_second_.assign(static_cast<std::size_t>(std::min(total_s + 2, 3600.0)), {});
  per_second_deliveries_.assign(per_second_.size(), 0);

  const auto server_before =
      config_.server_pid > 0 ? read_proc_stats(config_.server_pid) : std::nullopt;
  const ProcStats own_before = own_stats();
  phase_started_ns_ = now_ns();
  sending_ = true;
  auto pacer = std::make_shared<asio::steady_timer>(io_);
  auto progress = std::make_shared<asio::steady_timer>(io_);
  pace(pacer);
  report_progress(progress);
  // The schedule, then the drain: until every accepted message reached every peer, or the time.
  const auto everything_arrived = [this] {
    for (const auto& peer : peers_) {
      if (peer->failed()) continue;
      for (std::size_t s = 0; s < senders_.size(); ++s) {
        if (hears(*peer, s) && peer->last_seq[s] < senders_[s].accepted_max) return false;
      }
    }
    for (const SenderState& s : senders_) {
      if (!s.outstanding.empty()) return false;
    }
    return true;
  };
  while (sending_) io_.run_for(std::chrono::milliseconds(50));
  const double sending_s = elapsed_s();
  const std::uint64_t drain_until = now_ns() + static_cast<std::uint64_t>(config_.drain_s * 1e9);
  while (now_ns() < drain_until && !everything_arrived())
    io_.run_for(std::chrono::milliseconds(20));
  const double measured_s = elapsed_s();
  const auto server_after =
      config_.server_pid > 0 ? read_proc_stats(config_.server_pid) : std::nullopt;
  const ProcStats own_after = own_stats();
  pacer->cancel();
  progress->cancel();

  // Accepted messages among (after, upto] of sender s: those not refused.
  const auto accepted_between = [this](std::size_t s, std::uint64_t after, std::uint64_t upto) {
    std::uint64_t n = 0;
    for (std::uint64_t seq = after + 1; seq <= upto; ++seq)
      n += seq < refused_[s].size() && refused_[s][seq] ? 0 : 1;
    return n;
  };
  for (const auto& [sender, last, seq] : skips_) {
    if (const std::uint64_t skipped = accepted_between(sender, last, seq - 1); skipped > 0) {
      violation("gap", 0,
                "a peer got sender " + std::to_string(sender) + "'s message " +
                    std::to_string(seq) + " right after " + std::to_string(last) + ", " +
                    std::to_string(skipped) + " accepted between never came");
    }
  }
  // Loss: what the server accepted and a peer of its group never got.
  std::uint64_t lost = 0;
  for (const auto& peer : peers_) {
    if (peer->failed()) continue;
    for (std::size_t s = 0; s < senders_.size(); ++s) {
      if (hears(*peer, s)) lost += accepted_between(s, peer->last_seq[s], senders_[s].accepted_max);
    }
  }
  if (lost > 0 && config_.expect_no_loss) {
    violation("loss", 0,
              std::to_string(lost) + " accepted messages never reached a peer of their group");
  }
  // Last-peer latency: per message that reached every peer of its group.
  for (std::size_t s = 0; s < senders_.size(); ++s) {
    const std::size_t group_peers = hearers(s);
    for (std::uint64_t seq = 1; seq <= senders_[s].accepted_max && seq < reached_[s].size();
         ++seq) {
      if (reached_[s][seq] >= group_peers && group_peers > 0)
        last_peer_latency_.add(latest_ns_[s][seq]);
    }
  }
  std::uint64_t accepted = 0, refused = 0;
  for (const SenderState& s : senders_) {
    accepted += s.accepted;
    refused += s.refused;
  }
  json timeline = json::array();
  for (std::size_t i = 0; i < per_second_.size() && static_cast<double>(i) < measured_s; ++i) {
    timeline.push_back({{"second", i},
                        {"deliveries", per_second_deliveries_[i]},
                        {"p50_ms", static_cast<double>(per_second_[i].percentile_ns(0.5)) / 1e6},
                        {"p99_ms", static_cast<double>(per_second_[i].percentile_ns(0.99)) / 1e6}});
  }
  json violations = json::array();
  for (const Violation& v : violations_)
    violations.push_back({{"kind", v.kind}, {"detail", v.detail}});
  json server = nullptr;
  if (server_before && server_after) {
    const double cpu = server_after->cpu_s - server_before->cpu_s;
    server = {
        {"pid", config_.server_pid},
        {"cpu_s", cpu},
        {"cpu_us_per_delivery",
         deliveries_ > 0 ? cpu * 1e6 / static_cast<double>(deliveries_) : 0.0},
        {"rss_bytes", server_after->rss_bytes},
        {"rss_bytes_per_connection", server_idle_ ? (static_cast<double>(server_before->rss_bytes) -
                                                     static_cast<double>(server_idle_->rss_bytes)) /
                                                        static_cast<double>(peers_.size())
                                                  : 0.0},
        {"voluntary_switches",
         server_after->voluntary_switches - server_before->voluntary_switches},
        {"involuntary_switches",
         server_after->involuntary_switches - server_before->involuntary_switches}};
  }
  const double own_cpu = own_after.cpu_s - own_before.cpu_s;
  const double offered_per_s = static_cast<double>(sends_offered_) / std::max(sending_s, 1e-9);
  std::size_t receivers_per_message = 0;  // peers that should get one message, on average
  for (std::size_t sender = 0; sender < senders_.size(); ++sender)
    receivers_per_message += hearers(sender);
  outcome.results = {
      {"connections", peers_.size()},
      {"groups", config_.groups},
      {"senders", senders_.size()},
      {"upgrades_per_s", upgrades_per_s_},
      {"rates", config_.rates},
      {"message_bytes", config_.message_bytes},
      {"step_s", config_.step_s},
      {"sending_s", sending_s},
      {"measured_s", measured_s},
      {"sends",
       {{"offered", sends_offered_},
        {"made", sends_made_},
        {"held_back", sends_held_back_},
        {"accepted", accepted},
        {"refused", refused}}},
      {"deliveries", deliveries_},
      {"other_group_marks", other_group_marks_},
      {"deliveries_offered_per_s", offered_per_s * static_cast<double>(receivers_per_message) /
                                       std::max<double>(static_cast<double>(senders_.size()), 1)},
      {"deliveries_per_s", static_cast<double>(deliveries_) / std::max(measured_s, 1e-9)},
      {"frames", frames_},
      {"bytes", bytes_},
      {"delivery_latency_ms", percentiles_ms(delivery_latency_)},
      {"delivery_latency_cdf", latency_cdf(delivery_latency_)},
      {"last_peer_latency_ms", percentiles_ms(last_peer_latency_)},
      {"answer_latency_ms", percentiles_ms(answer_latency_)},
      {"lost", lost},
      {"disconnects", disconnects_},
      {"violations", violation_counts_},
      {"violation_examples", violations},
      {"per_second", timeline},
      {"server", server},
      {"load_generator",
       {{"cpu_s", own_cpu},
        {"cpu_us_per_delivery",
         deliveries_ > 0 ? own_cpu * 1e6 / static_cast<double>(deliveries_) : 0.0}}}};
  outcome.results["stalled_readers"] = check_stalled();
  if (disconnects_ > 0) violation("disconnect", 0, first_error_);
  outcome.invariants_held = violations_.empty();
  for (auto& peer : peers_) peer->close();
  io_.run_for(std::chrono::milliseconds(300));
  return outcome;
}

}  // namespace

LoadOutcome run_load(const LoadConfig& config) {
  Run run(config);
  return run.run();
}

}  // namespace lvt::load
