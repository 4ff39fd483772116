// The demo apps lvtlab serves and verifies: Broadcasting (a shared multi-author log) and
// Reconnection (persisted fields). Whoever builds an engine registers them with it.
#pragma once

#include <cstddef>
#include <memory>

#include "engine.hpp"
#include "limits.hpp"
#include "message_log.hpp"

namespace lvt {

struct DemoAppsConfig {
  std::size_t log_messages_max = limits::log_messages_default;
  std::size_t log_window = limits::log_window_default;  // 0: a page shows the whole log
};

// What the apps share across connections, for checks and metrics.
struct DemoApps {
  std::shared_ptr<MessageLog> log;
};

// Registers every demo page with `engine`.
DemoApps add_demo_apps(Engine& engine, const DemoAppsConfig& config = {});

}  // namespace lvt
