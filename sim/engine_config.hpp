// The engine's configuration as a seed chose it: one place for both worlds' engines.
#pragma once

#include "clients.hpp"
#include "engine.hpp"
#include "simulation.hpp"

namespace lvt::sim::detail {

inline EngineConfig engine_config_of(const SimConfig& config) {
  EngineConfig out;
  out.group_mode =
      config.group_mode == model::GroupMode::global ? GroupMode::global : GroupMode::cookie;
  out.dispatch_policy = config.dispatch_policy == model::DispatchPolicy::coalesce
                            ? DispatchPolicy::coalesce
                            : DispatchPolicy::drop;
  out.dispatch_queue_jobs_max = config.dispatch_queue_max;
  out.actions_per_second = config.actions_per_second;
  out.actions_burst = config.actions_burst;
  out.allowed_hosts = {"127.0.0.1", "::1"};  // what the simulated browsers name
  out.frame_bytes_max = frame_bytes_max;
  return out;
}

}  // namespace lvt::sim::detail
