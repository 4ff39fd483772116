// The Broadcasting demo (/realtime/broadcasting): a per-connection Username and a view of the
// one shared message log; `send` appends and broadcasts NewMessage to the group's other tabs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine.hpp"
#include "limits.hpp"
#include "message_log.hpp"
#include "page.hpp"

namespace lvt {

struct BroadcastingState final : PageState {
  std::string username;  // per connection, never persisted
  // How many of the newest messages the tab asks to see: the page's window, and a window more
  // for each "Older messages" (0: the whole log, with --log-window 0).
  std::size_t span = 0;
  std::shared_ptr<const MessageWindow> shown;  // this connection's view of the shared log
};

// The Broadcasting page's bounds: `window` newest messages on a page (0: the whole log), and a
// bound on the encoding of any one message, hence on the first frame of a page.
struct BroadcastingLimits {
  std::size_t window = limits::log_window_default;
  // A message's wire item at most: 2,000 characters of at most 6 bytes each once escaped
  // ("&#34;", or a control character's JSON escape), a 64-character name likewise, its id
  // and the item's punctuation.
  static constexpr std::size_t item_bytes_max = 2000 * 6 + 64 * 6 + 64;
  // What a page holds besides its messages (statics, the scope line, forms, errors).
  static constexpr std::size_t page_bytes_max = 16 * 1024;
  // The bound on a first frame (a window of the log), or 0 when the window is the whole log.
  std::size_t first_frame_bytes_max() const {
    return window == 0 ? 0 : page_bytes_max + window * item_bytes_max;
  }
};

class BroadcastingPage final : public PageOf<BroadcastingState> {
 public:
  // `group_mode`: the engine's, which the page explains (who a message reaches).
  BroadcastingPage(std::shared_ptr<MessageLog> log, GroupMode group_mode,
                   BroadcastingLimits limits = {});
  std::unique_ptr<PageState> make_state() const override;
  // Its state is a view of the shared log: NewMessage re-reads it on every replica.
  std::string_view replicated_refresh() const override { return "newmessage"; }
  // NewMessage changes only the messages' slot, which shows only the tab's window of the log.
  std::optional<SharedView> shared_view(const PageState& state,
                                        std::string_view refresh) const override;
  // The top-level slot of the render that holds the messages (or "No messages yet").
  static constexpr std::size_t messages_slot = 1;

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
  void older(BroadcastingState& state) const;
  // The tab's window of the log now (as of `end_max` messages appended, for a plant).
  void read_log(BroadcastingState& state, std::size_t end_max = SIZE_MAX) const;

  GroupMode group_mode_;
  BroadcastingLimits limits_;
  std::shared_ptr<MessageLog> log_;
};

}  // namespace lvt
