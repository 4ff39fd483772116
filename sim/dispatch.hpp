// One waiting broadcast run on a connection, as both simulated worlds run it.
#pragma once

#include <cstdint>

#include "context.hpp"
#include "engine.hpp"

namespace lvt::sim::detail {

// Engine::dispatch, counting under "shared-update" a delivery that took the encoding made for
// another connection in the same view (Page::shared_view).
inline Effects dispatch_counting_shared(Engine& engine, Connection& connection, Tally& coverage) {
  const std::uint64_t shared_before = engine.metrics().peer_frames_shared.load();
  Effects effects = engine.dispatch(connection);
  if (engine.metrics().peer_frames_shared.load() != shared_before) ++coverage["shared-update"];
  return effects;
}

}  // namespace lvt::sim::detail
