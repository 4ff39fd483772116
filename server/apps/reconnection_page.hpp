// The Reconnection demo (/realtime/reconnection): Counter and Notes, both persisted per session
// group, so they survive reloads and reconnects.
#pragma once

#include <cstdint>
#include <string>

#include "engine.hpp"
#include "page.hpp"

namespace lvt {

struct ReconnectionState final : PageState {
  std::int64_t counter = 0;
  std::string notes;
};

class ReconnectionPage final : public PageOf<ReconnectionState> {
 public:
  // `group_mode`: the engine's, which the page explains (who shares the fields).
  explicit ReconnectionPage(GroupMode group_mode);

 protected:
  void restore_state(ReconnectionState& state, const nlohmann::json& persisted) const override;
  void save_state(const ReconnectionState& state, nlohmann::json& persisted) const override;
  tree::Node render_state(const ReconnectionState& state) const override;

 private:
  GroupMode group_mode_;
};

}  // namespace lvt
