// The Tasks demo (/realtime/tasks): a task list shared by a session group and kept live. Every
// successful change is made under the store's lock on a copy of the group's list, published as
// a new immutable snapshot, and broadcast as TasksChanged; each peer re-reads the snapshot and
// gets a keyed diff against the one it was sent (a connection keeps the snapshot it rendered,
// so a diff is always against what the client holds).
//
// The engine tells a page nothing of its group, so the group finds its list through a persisted
// field: the first Mount in a group creates a list and saves its id with the group's fields;
// every later connection of the group restores that id. (Two first Mounts of one group at the
// same instant would each create a list and the last save would win: the engine would have to
// give Mount the group to close that window.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "page.hpp"
#include "tree.hpp"

namespace lvt {

inline constexpr std::size_t task_title_chars_max = 200;  // code points, after trimming
inline constexpr std::size_t tasks_per_group_max = 100;
// Lists kept at once; past it the list created longest ago is forgotten (its group starts
// again from an empty list). At most 10,000 x 100 x 800 bytes of titles.
inline constexpr std::size_t task_lists_max = 10'000;

struct Task {
  std::uint64_t id = 0;  // per list: 1, 2, 3, ... never reused
  std::string title;     // trimmed, 1 to task_title_chars_max code points
  bool done = false;
};

// One version of a list: never changed once published, shared by every connection sent it.
class TaskSnapshot final : public tree::RangeSource {
 public:
  explicit TaskSnapshot(std::vector<Task> tasks);
  tree::Item item(std::size_t index) const override;
  std::string key(std::size_t index) const override;
  const std::vector<Task>& tasks() const { return tasks_; }

 private:
  std::vector<Task> tasks_;
};

// Every group's list, behind one mutex; bounded by task_lists_max.
class TaskStore {
 public:
  using ListId = std::uint64_t;  // 0 names no list
  struct List {
    std::vector<Task> tasks;
    std::uint64_t next_task_id = 1;
  };
  // What a change did: only a change that happened is published.
  enum class Change { changed, unchanged, refused };

  explicit TaskStore(std::size_t lists_max = task_lists_max);
  ListId create();
  // The list's current snapshot; an empty one for a list forgotten or never made.
  std::shared_ptr<const TaskSnapshot> read(ListId id) const;
  // Runs `change` on a copy of the list under the lock and publishes the copy when it says
  // changed; returns what it said. A forgotten list is made again, empty.
  Change change(ListId id, const std::function<Change(List&)>& change);
  std::size_t lists() const;

 private:
  struct Entry {
    List list;
    std::shared_ptr<const TaskSnapshot> snapshot;
  };
  Entry& entry_locked(ListId id);

  const std::size_t lists_max_;
  const std::shared_ptr<const TaskSnapshot> empty_;
  mutable std::mutex mutex_;
  std::unordered_map<ListId, Entry> lists_;  // guarded by mutex_
  std::deque<ListId> creation_order_;        // guarded by mutex_
  ListId next_id_ = 1;                       // guarded by mutex_
};

struct TaskListState final : PageState {
  TaskStore::ListId list = 0;                 // the group's list, from its persisted fields
  std::shared_ptr<const TaskSnapshot> tasks;  // what this connection renders: never null
  std::string error;                          // the last refusal, shown on this tab only
};

class TaskListPage final : public PageOf<TaskListState> {
 public:
  // `holder`: with replicas, this replica's instance id. A list lives in one process's memory,
  // while the persisted fields reach every replica: each keeps the id of its own list for the
  // group under its name, so no replica mounts a list id another one handed out.
  explicit TaskListPage(std::shared_ptr<TaskStore> store, std::string holder = {});
  std::unique_ptr<PageState> make_state() const override;
  const TaskStore& store() const { return *store_; }

 protected:
  void restore_state(TaskListState& state, const nlohmann::json& persisted) const override;
  void save_state(const TaskListState& state, nlohmann::json& persisted) const override;
  void mount_state(TaskListState& state, const nlohmann::json& params) const override;
  tree::Node render_state(const TaskListState& state) const override;

 private:
  // Runs `change` on the state's list; on a refusal shows it and fails the action, on a change
  // broadcasts TasksChanged; either way the tab then shows the list as it is now.
  void run(TaskListState& state, ActionContext& context,
           const std::function<TaskStore::Change(TaskStore::List&, ActionContext&)>& change) const;

  std::shared_ptr<TaskStore> store_;
  std::string holder_;
};

}  // namespace lvt
