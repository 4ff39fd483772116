// The Broadcasting demo (/realtime/broadcasting): a per-connection Username and a view of the
// one shared message log; `send` appends and broadcasts NewMessage to the group's other tabs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine.hpp"
#include "message_log.hpp"
#include "page.hpp"

namespace lvt {

struct BroadcastingState final : PageState {
  std::string username;      // per connection, never persisted
  std::size_t messages = 0;  // this connection's view: the first `messages` entries of the log
  std::shared_ptr<const MessageRangeSource> log;  // the server's log, as range items
};

class BroadcastingPage final : public PageOf<BroadcastingState> {
 public:
  // `group_mode`: the engine's, which the page explains (who a message reaches).
  BroadcastingPage(std::shared_ptr<MessageLog> log, GroupMode group_mode);
  const MessageLog& log() const { return *log_; }
  std::unique_ptr<PageState> make_state() const override;

 protected:
  // Nothing of this page persists; the username-per-group plant makes Username persist.
  bool persists() const override;
  void restore_state(BroadcastingState& state, const nlohmann::json& persisted) const override;
  void save_state(const BroadcastingState& state, nlohmann::json& persisted) const override;
  void mount_state(BroadcastingState& state, const nlohmann::json& params) const override;
  tree::Node render_state(const BroadcastingState& state) const override;

 private:
  void join(BroadcastingState& state, ActionContext& context) const;
  void send(BroadcastingState& state, ActionContext& context) const;

  GroupMode group_mode_;
  std::shared_ptr<MessageLog> log_;
  std::shared_ptr<const MessageRangeSource> messages_source_;
};

}  // namespace lvt
