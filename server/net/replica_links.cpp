// The links to Redis over Asio: RESP encoded by hand and read by hiredis's reader (resp.hpp),
// one strand per link. A link that fails answers everything it had in flight with an error,
// then reconnects with a doubling backoff; a link that stays silent past a deadline is failed
// the same way, so that no action waits for the store without end.
#include "replica_links.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <stdexcept>

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "net_internal.hpp"
#include "resp.hpp"
#include "store_script.hpp"

namespace lvt::net {
namespace {

using redis::RespValue;
using Clock = std::chrono::steady_clock;

constexpr unsigned backoff_ms_min = 50;
constexpr unsigned backoff_ms_max = 2000;
constexpr unsigned reply_timeout_ms = 3000;  // a command unanswered this long fails the link
constexpr std::size_t commands_in_flight_max = 4096;  // more are refused at once: "busy"
constexpr std::size_t read_chunk_bytes = 16 * 1024;

// One connection to Redis that reconnects. In `commands` mode replies answer the commands sent,
// in order; in `pushes` mode (a subscriber) every reply goes to the push handler.
class RespLink : public std::enable_shared_from_this<RespLink> {
 public:
  enum class Mode { commands, pushes };
  using Done = std::function<void(std::optional<RespValue>, const std::string& error)>;
  struct Handlers {
    std::function<void(bool reconnected)> up;
    std::function<void(RespValue)> push;
  };

  RespLink(asio::io_context& io, tcp::endpoint endpoint, Mode mode, std::string name,
           Handlers handlers)
      : strand_(asio::make_strand(io)),
        socket_(strand_),
        backoff_(strand_),
        deadline_(strand_),
        endpoint_(std::move(endpoint)),
        mode_(mode),
        name_(std::move(name)),
        handlers_(std::move(handlers)) {}

  asio::strand<asio::io_context::executor_type>& strand() { return strand_; }
  bool connected() const { return connected_; }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->connect(); });
  }
  void stop() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->backoff_.cancel();
      self->fail("stopping");
    });
  }

  // On the strand. `done` is called once, on the strand; nullptr in pushes mode.
  void send(const std::vector<std::string>& argv, Done done) {
    if (!connected_) {
      if (done) done(std::nullopt, "not connected to Redis");
      return;
    }
    if (mode_ == Mode::commands) {
      if (pending_.size() >= commands_in_flight_max) {
        if (done) done(std::nullopt, "too many commands waiting for Redis");
        return;
      }
      pending_.push_back({std::move(done), Clock::now()});
    }
    outbox_ += redis::resp_command(argv);
    write_next();
  }

 private:
  struct Pending {
    Done done;
    Clock::time_point sent_at;
  };

  void connect() {
    if (stopped_) return;
    socket_.async_connect(
        endpoint_, [self = shared_from_this(), generation = generation_](beast::error_code error) {
          if (generation != self->generation_) return;
          if (error) return self->fail("connect: " + error.message());
          self->connected_ = true;
          self->reader_.emplace();
          const bool reconnected = self->ever_connected_;
          if (reconnected) spdlog::info("Redis {} link back", self->name_);
          self->ever_connected_ = true;
          self->backoff_ms_ = 0;
          self->read_next();
          self->arm_deadline();
          if (self->handlers_.up) self->handlers_.up(reconnected);
        });
  }

  void read_next() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this(), generation = generation_](
                                beast::error_code error, std::size_t n) {
                              if (generation != self->generation_)
                                return;  // a socket failed already
                              if (error) return self->fail("read: " + error.message());
                              self->reader_->feed(std::string_view(self->chunk_.data(), n));
                              while (auto reply = self->reader_->next())
                                self->take(std::move(*reply));
                              if (!self->reader_->error().empty())
                                return self->fail(self->reader_->error());
                              if (self->connected_) self->read_next();
                            });
  }

  void take(RespValue reply) {
    if (mode_ == Mode::pushes) {
      if (handlers_.push) handlers_.push(std::move(reply));
      return;
    }
    if (pending_.empty()) return fail("a reply to no command");
    Pending front = std::move(pending_.front());
    pending_.pop_front();
    if (front.done) front.done(std::move(reply), {});
  }

  void write_next() {
    if (writing_ || outbox_.empty() || !connected_) return;
    writing_ = true;
    in_flight_.swap(outbox_);
    outbox_.clear();
    asio::async_write(socket_, asio::buffer(in_flight_),
                      [self = shared_from_this(), generation = generation_](beast::error_code error,
                                                                            std::size_t) {
                        if (generation != self->generation_) return;
                        self->writing_ = false;
                        if (error) return self->fail("write: " + error.message());
                        self->write_next();
                      });
  }

  void arm_deadline() {
    deadline_.expires_after(std::chrono::milliseconds(reply_timeout_ms / 3));
    deadline_.async_wait(
        [self = shared_from_this(), generation = generation_](beast::error_code error) {
          if (error || generation != self->generation_) return;
          if (!self->pending_.empty() && Clock::now() - self->pending_.front().sent_at >
                                             std::chrono::milliseconds(reply_timeout_ms)) {
            return self->fail("no reply in " + std::to_string(reply_timeout_ms) + " ms");
          }
          self->arm_deadline();
        });
  }

  // Drops the connection, answers what was in flight with `reason`, and tries again later.
  void fail(const std::string& reason) {
    const bool was_connected = connected_;
    connected_ = false;
    writing_ = false;
    ++generation_;  // what is still completing on the old socket is ignored
    beast::error_code ignored;
    socket_.close(ignored);
    deadline_.cancel();
    outbox_.clear();
    std::deque<Pending> failed;
    failed.swap(pending_);
    for (Pending& pending : failed) {
      if (pending.done) pending.done(std::nullopt, "Redis " + name_ + " link: " + reason);
    }
    if (stopped_) return;
    if (was_connected || backoff_ms_ == 0 || backoff_ms_ == backoff_ms_max) {
      spdlog::warn("Redis {} link: {}; reconnecting", name_, reason);
    }
    backoff_ms_ = backoff_ms_ == 0 ? backoff_ms_min : std::min(backoff_ms_ * 2, backoff_ms_max);
    backoff_.expires_after(std::chrono::milliseconds(backoff_ms_));
    backoff_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (!error && !self->connected_) self->connect();
    });
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  asio::steady_timer backoff_;
  asio::steady_timer deadline_;
  const tcp::endpoint endpoint_;
  const Mode mode_;
  const std::string name_;
  const Handlers handlers_;
  std::optional<redis::RespReader> reader_;
  std::array<char, read_chunk_bytes> chunk_{};
  std::deque<Pending> pending_;
  std::string outbox_, in_flight_;
  unsigned backoff_ms_ = 0;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool writing_ = false;
  bool stopped_ = false;
  unsigned generation_ = 0;  // one per socket: handlers of an older one do nothing
};

// Connects with hiredis's blocking API, for the check at start: throws saying what failed.
std::string load_script_or_throw(const redis::RedisAddress& address) {
  const std::string where = "Redis at " + address.host + ":" + std::to_string(address.port);
  redisContext* context =
      redisConnectWithTimeout(address.host.c_str(), address.port, timeval{2, 0});
  if (context == nullptr) throw std::runtime_error(where + ": out of memory");
  std::unique_ptr<redisContext, void (*)(redisContext*)> owned(context, &redisFree);
  if (context->err) throw std::runtime_error(where + " cannot be reached: " + context->errstr);
  const auto command = [&](std::vector<std::string> argv) {
    std::vector<const char*> pointers;
    std::vector<std::size_t> lengths;
    for (const std::string& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
    if (reply == nullptr) throw std::runtime_error(where + ": " + context->errstr);
    std::unique_ptr<redisReply, void (*)(void*)> owned_reply(reply, &freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR) throw std::runtime_error(where + ": " + reply->str);
    return std::string(reply->str != nullptr ? reply->str : "", reply->len);
  };
  if (address.db != 0) command({"SELECT", std::to_string(address.db)});
  return command({"SCRIPT", "LOAD", std::string(redis::store_script())});
}

}  // namespace

struct ReplicaLinks::Impl : std::enable_shared_from_this<ReplicaLinks::Impl> {
  asio::io_context& io;
  redis::RedisAddress address;
  tcp::endpoint endpoint;
  std::string script_sha;
  std::weak_ptr<Shared> shared;
  std::shared_ptr<RespLink> store, bus;
  std::set<std::string> groups;  // on the bus's strand: the groups to be subscribed to
  bool heal_after_pong = false;  // on the bus's strand

  Impl(asio::io_context& io_context, redis::RedisAddress redis_address)
      : io(io_context), address(std::move(redis_address)) {
    beast::error_code error;
    const auto ip = asio::ip::make_address(address.host, error);
    if (error) {
      throw std::runtime_error("--redis: the host must be an IP address, got '" + address.host +
                               "'");
    }
    endpoint = tcp::endpoint(ip, address.port);
    script_sha = load_script_or_throw(address);
  }

  void start(const std::shared_ptr<Shared>& owner) {
    shared = owner;
    std::weak_ptr<Impl> weak = shared_from_this();
    store = std::make_shared<RespLink>(io, endpoint, RespLink::Mode::commands, "store",
                                       RespLink::Handlers{[weak](bool reconnected) {
                                                            if (auto self = weak.lock())
                                                              self->store_up(reconnected);
                                                          },
                                                          nullptr});
    bus = std::make_shared<RespLink>(io, endpoint, RespLink::Mode::pushes, "bus",
                                     RespLink::Handlers{[weak](bool reconnected) {
                                                          if (auto self = weak.lock())
                                                            self->bus_up(reconnected);
                                                        },
                                                        [weak](RespValue push) {
                                                          if (auto self = weak.lock())
                                                            self->take_push(std::move(push));
                                                        }});
    store->start();
    bus->start();
  }

  void store_up(bool reconnected) {
    if (address.db != 0) store->send({"SELECT", std::to_string(address.db)}, nullptr);
    // A restarted Redis has forgotten the script: load it before any EVALSHA on this link.
    store->send({"SCRIPT", "LOAD", std::string(redis::store_script())},
                [](std::optional<RespValue> reply, const std::string& error) {
                  if (!reply || reply->kind == RespValue::Kind::error) {
                    spdlog::warn("Redis store link: loading the script: {}",
                                 reply ? reply->text : error);
                  }
                });
    if (reconnected) heal();
  }

  void bus_up(bool reconnected) {
    if (!groups.empty()) {
      std::vector<std::string> argv{"SUBSCRIBE"};
      for (const std::string& group : groups) argv.push_back(group_channel(group));
      bus->send(argv, nullptr);
    }
    // Heal only once the subscriptions hold, or a broadcast could pass between the heal's
    // read and the subscription: the PING's answer comes after the SUBSCRIBEs'.
    if (reconnected) {
      heal_after_pong = true;
      bus->send({"PING"}, nullptr);
    }
  }

  void take_push(RespValue push) {
    // PING answers "+PONG" on a link subscribed to nothing, ["pong", ""] on one subscribed.
    const bool pong = (push.kind == RespValue::Kind::status && push.text == "PONG") ||
                      (push.kind == RespValue::Kind::array && !push.elements.empty() &&
                       push.elements[0].text == "pong");
    if (pong && heal_after_pong) {
      heal_after_pong = false;
      heal();
      return;
    }
    if (push.kind != RespValue::Kind::array || push.elements.empty()) return;
    const std::string& kind = push.elements[0].text;
    auto owner = shared.lock();
    if (!owner) return;
    // A new subscription holds from here: catch up on what was published since the read that
    // opened its group's first connection. After a reconnect the heal (on the PING's answer)
    // refreshes every group instead.
    if (kind == "subscribe" && push.elements.size() == 3 && !heal_after_pong &&
        push.elements[1].text.starts_with(group_channel_prefix)) {
      const std::string group = push.elements[1].text.substr(group_channel_prefix.size());
      if (groups.contains(group)) run_effects(owner, owner->engine.bus_subscribed(group));
      return;
    }
    if (kind != "message" || push.elements.size() != 3) return;
    const std::optional<GroupAction> action = parse_group_action(push.elements[2].text);
    if (!action) {
      spdlog::warn("Redis bus: a message on {} that is no group_action", push.elements[1].text);
      return;
    }
    run_effects(owner, owner->engine.bus_delivered(*action));
  }

  void heal() {
    if (auto owner = shared.lock()) run_effects(owner, owner->engine.replica_reconnected());
  }

  // Effects no connection waits for (deliveries, heals): wake, and follow any store wait.
  void run_effects(const std::shared_ptr<Shared>& owner, Effects effects) {
    owner->wake(effects.wake);
    if (!effects.store) return;
    ask_store(effects.store->command,
              [self = shared_from_this(), owner, wait = effects.store](StoreReply reply) {
                self->run_effects(owner, wait->resume(reply));
              });
  }

  void ask_store(const StoreCommand& command, std::function<void(StoreReply)> done) {
    assert(store);
    asio::dispatch(
        store->strand(), [self = shared_from_this(), command, done = std::move(done)]() mutable {
          self->store->send(
              redis::store_command_argv(command, self->script_sha),
              [done = std::move(done)](std::optional<RespValue> reply, const std::string& error) {
                if (!reply) {
                  StoreReply failed;
                  failed.error = error;
                  return done(std::move(failed));
                }
                done(redis::store_reply_from(*reply));
              });
        });
  }

  void write(StoreCommand command) {
    assert(store);
    asio::post(store->strand(), [self = shared_from_this(), command = std::move(command)] {
      self->ask_store(command, [weak = std::weak_ptr<Impl>(self)](StoreReply reply) {
        if (auto me = weak.lock()) {
          if (auto owner = me->shared.lock()) owner->engine.session_written(reply);
        }
      });
    });
  }

  void want(const std::string& group, bool subscribe) {
    assert(bus);  // started before the server accepts a connection
    asio::post(bus->strand(), [self = shared_from_this(), group, subscribe] {
      if (subscribe ? !self->groups.insert(group).second : self->groups.erase(group) == 0) {
        return;
      }
      if (self->bus->connected()) {
        self->bus->send({subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE", group_channel(group)}, nullptr);
      }
    });
  }
};

ReplicaLinks::ReplicaLinks(asio::io_context& io, redis::RedisAddress address)
    : impl_(std::make_shared<Impl>(io, std::move(address))) {}

ReplicaLinks::~ReplicaLinks() {
  stop();
}

void ReplicaLinks::start(const std::shared_ptr<Shared>& shared) {
  impl_->start(shared);
}

void ReplicaLinks::stop() {
  if (impl_->store) impl_->store->stop();
  if (impl_->bus) impl_->bus->stop();
}

void ReplicaLinks::ask_store(const StoreCommand& command, std::function<void(StoreReply)> done) {
  impl_->ask_store(command, std::move(done));
}

void ReplicaLinks::want(const std::string& group, bool subscribe) {
  impl_->want(group, subscribe);
}

void ReplicaLinks::write(StoreCommand command) {
  impl_->write(std::move(command));
}

}  // namespace lvt::net
