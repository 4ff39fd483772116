#include "demo_apps.hpp"

#include "broadcasting_page.hpp"
#include "reconnection_page.hpp"
#include "task_list_page.hpp"

namespace lvt {

DemoApps add_demo_apps(Engine& engine, const DemoAppsConfig& config) {
  DemoApps apps{std::make_shared<MessageLog>(config.log_messages_max)};
  // The pages say what their group means, which the engine's group mode decides.
  const GroupMode group_mode = engine.config().group_mode;
  engine.use_shared_log(apps.log);
  engine.add_page(std::make_unique<BroadcastingPage>(apps.log, group_mode,
                                                     BroadcastingLimits{config.log_window}));
  engine.add_page(std::make_unique<ReconnectionPage>(group_mode));
  const ReplicaConfig& replica = engine.config().replica;
  engine.add_page(std::make_unique<TaskListPage>(std::make_shared<TaskStore>(),
                                                 replica.enabled ? replica.instance_id : ""));
  return apps;
}

}  // namespace lvt
